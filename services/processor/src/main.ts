import { createClickHouse, runMigrations, startEngineGateway } from '@cxpulse/clickhouse'
import { runService } from '@cxpulse/http'
import { createKafka } from '@cxpulse/kafka'
import { loadProcessorConfig } from './config.ts'
import { createProcessor } from './processor.ts'

await runService(
  'processor',
  () => loadProcessorConfig(),
  async (config, logger) => {
    const clickhouse = createClickHouse(config.clickhouse)
    // Idempotent; the processor must not write before its tables exist.
    await runMigrations(clickhouse)
    const kafka = createKafka({ brokers: config.brokers, clientId: config.clientId }, logger)
    const handle = await createProcessor(config, { kafka, clickhouse, logger }).start()
    // Shares the embedded engine with query/alerter processes of their own (docs/scaling.md).
    const gateway = config.engineGateway
      ? await startEngineGateway(clickhouse, {
          ...config.engineGateway,
          onError: (err) => logger.error({ err }, 'engine gateway request failed'),
        })
      : undefined
    if (gateway) {
      logger.info({ url: gateway.url }, 'embedded engine shared (CLICKHOUSE_URL for the others)')
    }
    return {
      stop: async () => {
        await gateway?.close()
        await handle.stop()
        await clickhouse.close()
      },
    }
  },
)
