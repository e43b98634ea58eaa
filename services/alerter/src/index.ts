export { createAlerter, incidentId } from './alerter.ts'
export type { AlerterDeps, AlerterHandle, EvaluationSummary } from './alerter.ts'
export { DEFAULT_ALERTER_CONFIG, alerterEnv, loadAlerterConfig } from './config.ts'
export type { AlerterConfig } from './config.ts'
