import { createLogger } from '@cxpulse/logger'
import { loadIngestConfig } from './config.ts'
import { startIngest } from './ingest.ts'

const log = createLogger({ name: 'ingest', level: process.env['LOG_LEVEL'] ?? 'info' })

try {
  const config = loadIngestConfig()
  const handle = await startIngest(config, {
    logger: createLogger({ name: 'ingest', level: config.logLevel }),
  })
  const shutdown = (signal: string) => {
    log.info({ signal }, 'stopping')
    handle.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'unclean stop')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
} catch (error) {
  log.fatal({ err: error }, 'ingest failed to start')
  console.error((error as Error).message)
  process.exit(1)
}
