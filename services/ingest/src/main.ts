import { runService } from '@cxpulse/http'
import { loadIngestConfig } from './config.ts'
import { startIngest } from './ingest.ts'

await runService(
  'ingest',
  () => loadIngestConfig(),
  (config, logger) => startIngest(config, { logger }),
)
