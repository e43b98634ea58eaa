import { runService } from '@cxpulse/http'
import { createAlerter } from './alerter.ts'
import { loadAlerterConfig } from './config.ts'

await runService(
  'alerter',
  () => loadAlerterConfig(),
  (config, logger) => createAlerter(config, { logger }).start(),
)
