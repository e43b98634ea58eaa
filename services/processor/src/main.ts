import { createClickHouse, runMigrations } from '@cxpulse/clickhouse'
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
    return { stop: () => handle.stop().then(() => clickhouse.close()) }
  },
)
