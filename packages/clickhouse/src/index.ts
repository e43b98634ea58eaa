export { createClickHouse, assertIdentifier } from './client.ts'
export type { ClickHouse, ClickHouseConfig, ClickHouseMode } from './client.ts'
export { startEngineGateway } from './gateway.ts'
export type { EngineGateway, EngineGatewayOptions } from './gateway.ts'
export {
  runMigrations,
  MigrationError,
  loadMigrations,
  DEFAULT_MIGRATIONS_DIR,
} from './migrations.ts'
export type { Migration, MigrationResult } from './migrations.ts'
export { queryRows } from './query.ts'
export type { NamedQuery } from './query.ts'
export { RAW_TABLE, RAW_TABLES, PROJECTIONS } from './tables.ts'
export type { RawTable, RawTableDomain } from './tables.ts'
export {
  insertRawBatch,
  insertRawRows,
  readProgress,
  writeProgress,
  findCountedEventIds,
  positionsPresent,
} from './processor.store.ts'
export type { Progress, ProgressState, EventKey } from './processor.store.ts'
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
} from './window.query.ts'
export type {
  Dimension,
  Filters,
  SeriesInterval,
  Granularity,
  WindowSpec,
  Keyed,
} from './window.query.ts'
export {
  querySurveySums,
  queryFeedbackReplies,
  querySurveyResponseRate,
  SURVEY_SUM_COLUMNS,
} from './survey.queries.ts'
export type { SurveyKind, SurveySums } from './survey.queries.ts'
export {
  TICKET_DIMENSIONS,
  queryTicketDurations,
  queryFcr,
  queryOpenBacklog,
  queryQueueWait,
  queryReplyTimes,
  queryResolvedFlags,
  querySla,
  queryTicketsCreated,
} from './ticket.queries.ts'
export type { Durations, DurationMetric } from './ticket.queries.ts'
export { queryIqs } from './qa.queries.ts'
export { queryNewestEventTime } from './status.queries.ts'
export {
  queryCustomerPurchases,
  queryLifecycle,
  queryLifecycleGroups,
  queryLifecycleSeries,
  queryPurchases,
} from './customer.queries.ts'
export type { CustomerPurchases, LifecycleCounts, PurchaseTotals } from './customer.queries.ts'
