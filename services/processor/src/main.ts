import { createClickHouse, runMigrations, startEngineGateway } from '@cxpulse/clickhouse'
import { ConfigError } from '@cxpulse/config'
import { createKafka } from '@cxpulse/kafka'
import { createLogger } from '@cxpulse/logger'
import { loadProcessorConfig } from './config.ts'
import { createProcessor } from './processor.ts'

async function main(): Promise<void> {
  const config = loadProcessorConfig()
  const logger = createLogger({ name: 'processor', level: config.logLevel })
  const clickhouse = createClickHouse(config.clickhouse)
  // Idempotent; the processor must not write before its tables exist.
  await runMigrations(clickhouse)
  const kafka = createKafka({ brokers: config.brokers, clientId: config.clientId }, logger)
  const handle = await createProcessor(config, { kafka, clickhouse, logger }).start()
  const gateway = config.engineGateway
    ? await startEngineGateway(clickhouse, {
        ...config.engineGateway,
        onError: (err) => logger.error({ err }, 'engine gateway request failed'),
      })
    : undefined
  if (gateway)
    logger.info({ url: gateway.url }, 'embedded engine shared (CLICKHOUSE_URL for the others)')
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'stopping')
    void Promise.resolve(gateway?.close())
      .then(() => handle.stop())
      .then(() => clickhouse.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'stop failed')
          process.exit(1)
        },
      )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
}

main().catch((error: unknown) => {
  console.error(
    `processor: ${error instanceof ConfigError ? error.message : ((error as Error)?.stack ?? String(error))}`,
  )
  process.exit(1)
})
