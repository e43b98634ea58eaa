import { runService } from '@cxpulse/http'
import { loadQueryConfig } from './config.ts'
import { createQuery } from './query.ts'

await runService(
  'query',
  () => loadQueryConfig(),
  (config, logger) => createQuery(config, { logger }).start(),
)
