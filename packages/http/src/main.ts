import { createLogger, type Logger } from '@cxpulse/logger'

/**
 * The whole `main.ts` of a service: parses the config once (a ConfigError names every bad
 * variable), starts, and stops gracefully on SIGTERM/SIGINT. Exits 0 after a clean stop, 1 on a
 * start-up error or a stop that failed.
 */
export async function runService<C extends { logLevel: string }>(
  name: string,
  loadConfig: () => C,
  start: (config: C, log: Logger) => Promise<{ stop(): Promise<void> }>,
): Promise<void> {
  let log: Logger | undefined
  try {
    const config = loadConfig()
    const logger = createLogger({ name, level: config.logLevel })
    log = logger
    const handle = await start(config, logger)
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping')
      handle.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'unclean stop')
          process.exit(1)
        },
      )
    }
    process.once('SIGTERM', () => shutdown('SIGTERM'))
    process.once('SIGINT', () => shutdown('SIGINT'))
  } catch (error) {
    log?.fatal({ err: error }, 'failed to start')
    console.error(`${name}: failed to start: ${(error as Error)?.message ?? String(error)}`)
    process.exit(1)
  }
}
