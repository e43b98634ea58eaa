export { createClickHouse, assertIdentifier } from './client.ts'
export type { ClickHouse, ClickHouseConfig, ClickHouseMode } from './client.ts'
export {
  runMigrations,
  MigrationError,
  loadMigrations,
  DEFAULT_MIGRATIONS_DIR,
} from './migrations.ts'
export type { Migration, MigrationResult } from './migrations.ts'
export { queryRows } from './query.ts'
export type { NamedQuery } from './query.ts'
export {
  RAW_TABLES,
  insertRawBatch,
  readProgress,
  writeProgress,
  findCountedEventIds,
  offsetsPresent,
} from './processor.store.ts'
export type { RawTable, Progress, ProgressState } from './processor.store.ts'
export {
  alertStates,
  insertDefaultRules,
  listAlerts,
  listRules,
  putRule,
  recordDelivery,
  recordTransition,
  tenantsWithRules,
  tenantsWithSurveys,
  undeliveredTransitions,
} from './alerts.store.ts'
export type {
  AlertDelivery,
  AlertTransition,
  AlertTransitionState,
  GroupState,
  StoredAlert,
  StoredRule,
} from './alerts.store.ts'
export {
  clusterMigrationText,
  expectedClusterMigrations,
  CLUSTER_MIGRATIONS_DIR,
} from './cluster.ts'
export {
  DIMENSIONS,
  SERIES_INTERVALS,
  QueryShapeError,
  chooseGranularity,
  zoneOffsetMinutes,
  querySurveySums,
  queryTicketDurations,
  queryFcr,
  queryQueueWait,
  queryTicketsCreated,
  queryFeedbackReplies,
  queryIqs,
  queryLifecycle,
  queryPurchases,
} from './metric.queries.ts'
export type {
  Dimension,
  Filters,
  SeriesInterval,
  Granularity,
  WindowSpec,
  Keyed,
  SurveyKind,
  SurveySums,
  Durations,
  DurationMetric,
  LifecycleCounts,
  PurchaseTotals,
} from './metric.queries.ts'
