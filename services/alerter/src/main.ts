import { createLogger } from '@cxpulse/logger'
import { createAlerter } from './alerter.ts'
import { loadAlerterConfig } from './config.ts'

const log = createLogger({ name: 'alerter', level: process.env['LOG_LEVEL'] ?? 'info' })

try {
  const config = loadAlerterConfig()
  const handle = await createAlerter(config, {
    logger: createLogger({ name: 'alerter', level: config.logLevel }),
  }).start()
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
  log.fatal({ err: error }, 'alerter failed to start')
  console.error((error as Error).message)
  process.exit(1)
}
