/**
 * The raw tables, one per event topic (infra/clickhouse/migrations/0005_projections.sql).
 * A batch of one topic partition is exactly one insert into one of them, and every aggregate
 * is a projection inside the same parts, so rows and aggregates are written atomically.
 */
export const RAW_TABLE = {
  surveys: 'survey_events_v2',
  tickets: 'ticket_events_v2',
  customers: 'customer_events_v2',
  qa: 'qa_reviews_v2',
} as const
export type RawTableDomain = keyof typeof RAW_TABLE
export type RawTable = (typeof RAW_TABLE)[RawTableDomain]
export const RAW_TABLES: readonly RawTable[] = Object.values(RAW_TABLE)

/** The aggregate projections of each raw table, by the grain or state they hold. */
export const PROJECTIONS = {
  survey_events_v2: ['p_1m', 'p_1h', 'p_1d'],
  ticket_events_v2: ['p_1h', 'p_1d', 'p_ticket'],
  customer_events_v2: [],
  qa_reviews_v2: ['p_1h', 'p_1d'],
} as const satisfies Record<RawTable, readonly string[]>
