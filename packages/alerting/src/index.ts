export {
  ALERT_DIMENSIONS,
  ALERT_METRICS,
  DEFAULT_RULES,
  alertRule,
  alertRuleInput,
} from './rule.schema.ts'
export type { AlertDimension, AlertMetric, AlertRule, AlertRuleInput } from './rule.schema.ts'
export { compareWindows, decide, evaluateRule, holmAdjust } from './evaluate.ts'
export type {
  AlertState,
  Comparison,
  Decision,
  GroupEvaluation,
  WindowCounts,
  WindowFigures,
} from './evaluate.ts'
export { signWebhook, verifyWebhook } from './webhook.signature.ts'
