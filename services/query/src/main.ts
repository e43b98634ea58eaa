import { loadQueryConfig } from './config.ts'
import { createQuery } from './query.ts'

try {
  const handle = await createQuery(loadQueryConfig()).start()
  const shutdown = () => {
    handle.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
} catch (error) {
  console.error(`query: failed to start: ${(error as Error).message}`)
  process.exit(1)
}
