import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { queryRows } from './query.ts'

/**
 * The read side: the sums, counts and duration lists the metric library turns into numbers.
 * Every value is a bound parameter; the only varying identifiers (a group-by column, a series
 * bucket function, a source table) come from the fixed allow-lists below.
 */

export const DIMENSIONS = [
  'channel',
  'agent',
  'team',
  'product',
  'region',
  'segment',
  'survey_id',
] as const
export type Dimension = (typeof DIMENSIONS)[number]
export type Filters = Partial<Record<Dimension, string>>

export const SERIES_INTERVALS = ['minute', 'hour', 'day', 'week', 'month'] as const
export type SeriesInterval = (typeof SERIES_INTERVALS)[number]

/** Which table answers: a rollup of that bucket size, or the raw events. */
export type Granularity = '1d' | '1h' | '1m' | 'raw'

export interface WindowSpec {
  tenantId: string
  from: Date
  to: Date
  filters?: Filters
  /** Only one of these at a time: a time series, or a breakdown by one dimension. */
  interval?: SeriesInterval
  groupBy?: Dimension
  /** IANA zone for series buckets (already validated by the caller). */
  tz?: string
  /** Most groups returned, largest n first. */
  maxGroups?: number
}

/** One answer row: the whole window (`key` null), one series bucket (ISO start) or one group. */
export type Keyed<T> = T & { key: string | null }

const SERIES_BUCKET: Record<SeriesInterval, (col: string) => string> = {
  minute: (c) => `toStartOfMinute(${c}, {tz:String})`,
  hour: (c) => `toStartOfHour(${c}, {tz:String})`,
  day: (c) => `toStartOfDay(${c}, {tz:String})`,
  week: (c) => `toDateTime(toMonday(${c}, {tz:String}), {tz:String})`,
  month: (c) => `toDateTime(toStartOfMonth(${c}, {tz:String}), {tz:String})`,
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Offset of `tz` from UTC at `at`, in minutes. */
export function zoneOffsetMinutes(tz: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  )
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / MINUTE)
}

/**
 * The coarsest source that answers the window exactly: buckets hold events by the start of
 * their minute/hour/day in UTC, so a rollup is exact only when the window edges, and every
 * series bucket edge in the caller's zone, fall on its bucket boundaries. Anything finer
 * (a window edge at 10:00:30) is answered from the raw table.
 */
export function chooseGranularity(
  spec: Pick<WindowSpec, 'from' | 'to' | 'interval' | 'tz'>,
  available: readonly Granularity[] = ['1d', '1h', '1m'],
): Granularity {
  const edges = [spec.from.getTime(), spec.to.getTime()]
  const tz = spec.tz ?? 'UTC'
  const offsets = spec.interval
    ? [spec.from, spec.to, new Date((edges[0]! + edges[1]!) / 2)].map((d) =>
        zoneOffsetMinutes(tz, d),
      )
    : [0]
  const fits = (size: number, offsetUnit: number) =>
    edges.every((e) => e % size === 0) && offsets.every((o) => o % offsetUnit === 0)
  const seriesAllows = (g: Granularity) => {
    if (!spec.interval) return true
    if (g === '1d') return ['day', 'week', 'month'].includes(spec.interval)
    if (g === '1h') return spec.interval !== 'minute'
    return true
  }
  if (available.includes('1d') && fits(DAY, 24 * 60) && seriesAllows('1d')) return '1d'
  if (available.includes('1h') && fits(HOUR, 60) && seriesAllows('1h')) return '1h'
  if (available.includes('1m') && fits(MINUTE, 1)) return '1m'
  return 'raw'
}

interface Source {
  table: string
  time: string
  /** Aggregate expression per output column. */
  columns: Record<string, string>
}

function windowParams(spec: WindowSpec): Record<string, unknown> {
  const params: Record<string, unknown> = {
    tenant: spec.tenantId,
    from_ms: spec.from.getTime(),
    to_ms: spec.to.getTime(),
    tz: spec.tz ?? 'UTC',
    max_groups: spec.maxGroups ?? 50,
  }
  for (const [dim, value] of Object.entries(spec.filters ?? {})) params[`f_${dim}`] = value
  return params
}

function filterSql(filters: Filters | undefined, allowed: readonly Dimension[]): string {
  return Object.keys(filters ?? {})
    .map((dim) => {
      if (!allowed.includes(dim as Dimension)) throw new QueryShapeError(`cannot filter by ${dim}`)
      return ` AND ${dim} = {f_${dim}:String}`
    })
    .join('')
}

/** A request the data cannot answer in that shape (e.g. grouping tickets by survey). */
export class QueryShapeError extends Error {
  override name = 'QueryShapeError'
  readonly retryable = false
}

/**
 * Runs `SELECT <columns> FROM <source> WHERE tenant AND window AND filters` for the whole
 * window, or per series bucket / per group when the spec asks. `extraWhere` and
 * `extraGroupBy` are fixed SQL fragments from this module, never input.
 */
async function aggregate<R extends z.ZodType>(
  ch: ClickHouse,
  name: string,
  source: Source,
  spec: WindowSpec,
  row: R,
  options: {
    dimensions: readonly Dimension[]
    extraWhere?: string
    extraParams?: Record<string, unknown>
    extraGroupBy?: string[]
  },
): Promise<Keyed<z.output<R>>[]> {
  let keyExpr = 'NULL'
  if (spec.interval)
    keyExpr = `toString(toUnixTimestamp(${SERIES_BUCKET[spec.interval](source.time)}))`
  if (spec.groupBy) {
    if (!options.dimensions.includes(spec.groupBy))
      throw new QueryShapeError(`cannot group by ${spec.groupBy}`)
    keyExpr = `toString(${spec.groupBy})`
  }
  const select = Object.entries(source.columns)
    .map(([alias, expr]) => `${expr} AS ${alias}`)
    .join(', ')
  const groupCols = [...(keyExpr === 'NULL' ? [] : ['key']), ...(options.extraGroupBy ?? [])]
  const grouped =
    `SELECT ${keyExpr} AS key${options.extraGroupBy?.length ? `, ${options.extraGroupBy.join(', ')}` : ''}, ${select} ` +
    `FROM ${source.table} ` +
    `WHERE tenant_id = {tenant:String} ` +
    `AND ${source.time} >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') ` +
    `AND ${source.time} < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')` +
    filterSql(spec.filters, options.dimensions) +
    (options.extraWhere ? ` AND ${options.extraWhere}` : '') +
    (groupCols.length ? ` GROUP BY ${groupCols.join(', ')}` : '')
  let sql = grouped
  if (spec.groupBy && options.extraGroupBy?.length) {
    // Several rows per group (e.g. one per survey scale): the limit counts groups, ranked by
    // their whole n, so a group is returned with all its rows or not at all.
    const cols = ['key', ...options.extraGroupBy, ...Object.keys(source.columns)].join(', ')
    sql =
      `SELECT ${cols} FROM (SELECT ${cols}, dense_rank() OVER (ORDER BY group_n DESC, key) AS group_rank ` +
      `FROM (SELECT ${cols}, sum(n) OVER (PARTITION BY key) AS group_n FROM (${grouped}))) ` +
      `WHERE group_rank <= {max_groups:UInt32} ORDER BY group_rank`
  } else if (spec.groupBy) sql += ` ORDER BY n DESC, key LIMIT {max_groups:UInt32}`
  else if (spec.interval) sql += ' ORDER BY key'
  const rows = await queryRows(ch, {
    name,
    sql,
    params: { ...windowParams(spec), ...options.extraParams },
    row: row.and(z.object({ key: z.string().nullable() })),
  })
  return rows.map((r) => {
    const out = r as Keyed<z.output<R>>
    if (spec.interval && out.key !== null) out.key = new Date(Number(out.key) * 1000).toISOString()
    return out
  })
}

// ---------------------------------------------------------------- surveys

export type SurveyKind = 'csat' | 'nps' | 'ces'

const num = z.coerce.number()

export const surveySumsRow = z.object({
  scale_min: num,
  scale_max: num,
  n: num,
  positive: num,
  norm_sum: num,
  norm_sum_sq: num,
  promoters: num,
  passives: num,
  detractors: num,
  score_sum: num,
  score_sum_sq: num,
  low_effort: num,
  with_comment: num,
})
export type SurveySums = z.output<typeof surveySumsRow>

const SURVEY_ROLLUP_COLUMNS = {
  n: 'sum(n)',
  positive: 'sum(positive)',
  norm_sum: 'sum(norm_sum)',
  norm_sum_sq: 'sum(norm_sum_sq)',
  promoters: 'sum(promoters)',
  passives: 'sum(passives)',
  detractors: 'sum(detractors)',
  score_sum: 'sum(score_sum)',
  score_sum_sq: 'sum(score_sum_sq)',
  low_effort: 'sum(low_effort)',
  with_comment: 'sum(with_comment)',
}
const SURVEY_RAW_COLUMNS = {
  n: 'count()',
  positive: 'sum(is_positive)',
  norm_sum: 'sum(norm_score)',
  norm_sum_sq: 'sum(norm_score * norm_score)',
  promoters: "countIf(nps_category = 'promoter')",
  passives: "countIf(nps_category = 'passive')",
  detractors: "countIf(nps_category = 'detractor')",
  score_sum: 'sum(score)',
  score_sum_sq: 'sum(toInt64(score) * score)',
  low_effort: 'sum(low_effort)',
  with_comment: 'sum(has_comment)',
}

/**
 * Survey sums for one kind (and, for CES, one orientation), split by scale so a CES mean is
 * never taken across scales. Rows per key and scale; callers merge scales where that is valid.
 */
export async function querySurveySums(
  ch: ClickHouse,
  spec: WindowSpec & {
    kind: SurveyKind
    orientation?: 'agreement' | 'effort'
    granularity?: Granularity
  },
): Promise<{ granularity: Granularity; rows: Keyed<SurveySums>[] }> {
  const granularity = spec.granularity ?? chooseGranularity(spec)
  const source: Source =
    granularity === 'raw'
      ? { table: ch.table('survey_responses'), time: 'occurred_at', columns: SURVEY_RAW_COLUMNS }
      : {
          table: ch.table(`survey_rollup_${granularity}`),
          time: 'bucket',
          columns: SURVEY_ROLLUP_COLUMNS,
        }
  const rows = await aggregate(
    ch,
    `survey_sums_${spec.kind}_${granularity}`,
    source,
    spec,
    surveySumsRow,
    {
      dimensions: DIMENSIONS,
      extraWhere: `kind = {kind:String}${spec.orientation ? ' AND orientation = {orientation:String}' : ''}`,
      extraParams: {
        kind: spec.kind,
        ...(spec.orientation ? { orientation: spec.orientation } : {}),
      },
      extraGroupBy: ['scale_min', 'scale_max'],
    },
  )
  return { granularity, rows }
}

// ---------------------------------------------------------------- tickets

const TICKET_DIMENSIONS: readonly Dimension[] = ['channel']

const durationsRow = z.object({ n: num, durations: z.array(num) })
export type Durations = z.output<typeof durationsRow>

export type DurationMetric = 'frt' | 'resolution_time' | 'complaint_resolution_time'

/**
 * Per-ticket durations in seconds, for tickets whose measured moment falls in the window:
 * FRT = first_response − created (by first response time); resolution = last resolve −
 * created (by last resolve, so a reopened ticket counts to its final resolution); complaint
 * resolution = the same over tickets flagged as complaints or escalated.
 */
export async function queryTicketDurations(
  ch: ClickHouse,
  spec: WindowSpec & { metric: DurationMetric },
): Promise<Keyed<Durations>[]> {
  const end = spec.metric === 'frt' ? 'first_response' : 'last_resolved'
  const onlyComplaints =
    spec.metric === 'complaint_resolution_time' ? ' AND (is_complaint = 1 OR is_escalated = 1)' : ''
  // Merged per ticket first (ticket_state rows are partial until merges), with aliases that
  // differ from the column names so no aggregate is read back into another.
  const perTicket =
    `(SELECT tenant_id, ticket_id, created, first_response, last_resolved, is_complaint, is_escalated, channel, ` +
    `ifNull(${end}, toDateTime64(0, 3, 'UTC')) AS measured_at FROM ` +
    `(SELECT tenant_id, ticket_id, min(created_at) AS created, min(first_response_at) AS first_response, ` +
    `max(last_resolved_at) AS last_resolved, max(complaint) AS is_complaint, max(escalated) AS is_escalated, ` +
    `max(channel) AS channel FROM ${ch.table('ticket_state')} WHERE tenant_id = {tenant:String} ` +
    `GROUP BY tenant_id, ticket_id))`
  return aggregate(
    ch,
    `ticket_durations_${spec.metric}`,
    {
      table: perTicket,
      time: 'measured_at',
      columns: {
        n: 'count()',
        durations: `groupArray(dateDiff('millisecond', created, ${end}) / 1000)`,
      },
    },
    spec,
    durationsRow,
    {
      dimensions: TICKET_DIMENSIONS,
      extraWhere: `created IS NOT NULL AND ${end} IS NOT NULL${onlyComplaints}`,
    },
  )
}

const fcrRow = z.object({ n: num, first_contact: num })

/** Tickets resolved in the window (by last resolve) and those resolved with one agent reply, never reopened. */
export async function queryFcr(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof fcrRow>>[]> {
  const perTicket =
    `(SELECT tenant_id, ticket_id, max(last_resolved_at) AS last_resolved_at, sum(agent_replies) AS agent_replies, ` +
    `sum(reopens) AS reopens, max(channel) AS channel FROM ${ch.table('ticket_state')} ` +
    `WHERE tenant_id = {tenant:String} GROUP BY tenant_id, ticket_id HAVING last_resolved_at IS NOT NULL)`
  return aggregate(
    ch,
    'ticket_fcr',
    {
      table: perTicket,
      time: 'assumeNotNull(last_resolved_at)',
      columns: { n: 'count()', first_contact: 'countIf(agent_replies = 1 AND reopens = 0)' },
    },
    spec,
    fcrRow,
    { dimensions: TICKET_DIMENSIONS },
  )
}

const waitRow = z.object({ n: num, wait_sum: num })

/** Queue wait sum and the number of events that reported one (customers served). */
export async function queryQueueWait(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof waitRow>>[]> {
  const granularity = chooseGranularity(spec, ['1d', '1h'])
  const dims: readonly Dimension[] = ['channel', 'agent', 'team', 'product', 'region', 'segment']
  const source: Source =
    granularity === 'raw'
      ? {
          table: ch.table('ticket_events'),
          time: 'occurred_at',
          columns: {
            n: 'count(queue_wait_seconds)',
            wait_sum: 'sum(ifNull(queue_wait_seconds, 0))',
          },
        }
      : {
          table: ch.table(`ticket_rollup_${granularity}`),
          time: 'bucket',
          columns: { n: 'sum(wait_n)', wait_sum: 'sum(wait_sum)' },
        }
  return aggregate(ch, `queue_wait_${granularity}`, source, spec, waitRow, { dimensions: dims })
}

const countRow = z.object({ n: num })

/** `ticket.created` events per channel (or per the chosen key) — the ticket half of channel mix. */
export async function queryTicketsCreated(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof countRow>>[]> {
  const granularity = chooseGranularity(spec, ['1d', '1h'])
  const dims: readonly Dimension[] = ['channel', 'agent', 'team', 'product', 'region', 'segment']
  const source: Source =
    granularity === 'raw'
      ? { table: ch.table('ticket_events'), time: 'occurred_at', columns: { n: 'count()' } }
      : {
          table: ch.table(`ticket_rollup_${granularity}`),
          time: 'bucket',
          columns: { n: 'sum(n)' },
        }
  return aggregate(ch, `tickets_created_${granularity}`, source, spec, countRow, {
    dimensions: dims,
    extraWhere: "type = 'ticket.created'",
  })
}

const feedbackRow = z.object({ n: num, replied: num })

/** Survey responses with a comment in the window, and how many of them an agent reply answered. */
export async function queryFeedbackReplies(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof feedbackRow>>[]> {
  return aggregate(
    ch,
    'feedback_replies',
    {
      table: ch.table('survey_responses'),
      time: 'occurred_at',
      columns: {
        n: 'count()',
        replied:
          `countIf(event_id IN (SELECT feedback_event_id FROM ${ch.table('ticket_events')} ` +
          `WHERE tenant_id = {tenant:String} AND type = 'ticket.agent_replied' AND feedback_event_id IS NOT NULL))`,
      },
    },
    spec,
    feedbackRow,
    { dimensions: DIMENSIONS, extraWhere: 'has_comment = 1' },
  )
}

// ---------------------------------------------------------------- QA

const qaRow = z.object({ n: num, iqs_sum: num, iqs_sum_sq: num })

export async function queryIqs(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof qaRow>>[]> {
  const granularity = chooseGranularity(spec, ['1d', '1h'])
  const dims: readonly Dimension[] = ['channel', 'agent', 'team', 'product']
  const source: Source =
    granularity === 'raw'
      ? {
          table: ch.table('qa_reviews'),
          time: 'occurred_at',
          columns: { n: 'count()', iqs_sum: 'sum(iqs)', iqs_sum_sq: 'sum(iqs * iqs)' },
        }
      : {
          table: ch.table(`qa_rollup_${granularity}`),
          time: 'bucket',
          columns: { n: 'sum(reviews)', iqs_sum: 'sum(iqs_sum)', iqs_sum_sq: 'sum(iqs_sum_sq)' },
        }
  return aggregate(ch, `iqs_${granularity}`, source, spec, qaRow, { dimensions: dims })
}

// ---------------------------------------------------------------- customers

const LIFECYCLE_TYPES = "('customer.signed_up', 'customer.churned', 'customer.reactivated')"
const ACTIVATING = "('customer.signed_up', 'customer.reactivated')"
/**
 * Orders a customer's events by (occurred_at, event_id) as one UInt256: milliseconds above the
 * UUID's 128 bits, whose two 64-bit halves are swapped so that integer order equals
 * ClickHouse's UUID order (checked on 2M random pairs). argMax over it gives the same latest
 * event as argMax over the tuple — ties broken by event_id, like bi_churn_monthly_v1 — at
 * ≈ 2.4× the speed on 200k customers.
 */
const LATEST_ORDER =
  'bitOr(bitShiftLeft(toUInt256(toUnixTimestamp64Milli(occurred_at)), 128), toUInt256(' +
  'bitOr(bitShiftLeft(bitAnd(toUInt128(event_id), toUInt128(18446744073709551615)), 64), ' +
  'bitShiftRight(toUInt128(event_id), 64))))'

export const lifecycleRow = z.object({
  active_at_start: num,
  active_at_end: num,
  churned: num,
  churned_new: num,
  became_active: num,
  active_during: num,
  referrers: num,
})
export type LifecycleCounts = z.output<typeof lifecycleRow>

/**
 * Per-customer lifecycle state over [from, to): active at an instant = latest lifecycle event
 * before it is signed_up or reactivated (ties at the same millisecond broken by event id).
 * Filters apply to the customer's events' own dimensions.
 */
export async function queryLifecycle(
  ch: ClickHouse,
  spec: Omit<WindowSpec, 'interval' | 'groupBy'>,
): Promise<LifecycleCounts> {
  const dims: readonly Dimension[] = ['channel', 'product', 'region', 'segment']
  const inWindow = `occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')`
  const sql =
    `SELECT countIf(active_start) AS active_at_start, countIf(active_end) AS active_at_end, ` +
    `countIf(active_start AND churned_in) AS churned, ` +
    `countIf(NOT active_start AND activated_in AND churned_in AND last_churn_in > first_activation_in) AS churned_new, ` +
    `countIf(NOT active_start AND activated_in) AS became_active, ` +
    `countIf(active_start OR activated_in) AS active_during, ` +
    `countIf(referred_in AND (active_start OR activated_in)) AS referrers ` +
    `FROM (SELECT customer_id, ` +
    `argMaxIf(type IN ${ACTIVATING}, ${LATEST_ORDER}, type IN ${LIFECYCLE_TYPES} AND NOT ${inWindow}) AS active_start, ` +
    `argMaxIf(type IN ${ACTIVATING}, ${LATEST_ORDER}, type IN ${LIFECYCLE_TYPES}) AS active_end, ` +
    `countIf(type = 'customer.churned' AND ${inWindow}) > 0 AS churned_in, ` +
    `countIf(type IN ${ACTIVATING} AND ${inWindow}) > 0 AS activated_in, ` +
    `countIf(type = 'customer.referred' AND ${inWindow}) > 0 AS referred_in, ` +
    `maxIf(occurred_at, type = 'customer.churned' AND ${inWindow}) AS last_churn_in, ` +
    `minIf(occurred_at, type IN ${ACTIVATING} AND ${inWindow}) AS first_activation_in ` +
    `FROM ${ch.table('customer_events')} WHERE tenant_id = {tenant:String} ` +
    `AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')` +
    filterSql(spec.filters, dims) +
    ` GROUP BY customer_id)`
  const [row] = await queryRows(ch, {
    name: 'lifecycle_counts',
    sql,
    params: windowParams(spec),
    row: lifecycleRow,
  })
  if (!row) throw new Error('lifecycle_counts returned no row')
  return row
}

const purchaseRow = z.object({ currency: z.string(), revenue: num, purchases: num, customers: num })
export type PurchaseTotals = z.output<typeof purchaseRow>

/** Revenue, purchase count and distinct purchasing customers per currency (never mixed). */
export async function queryPurchases(
  ch: ClickHouse,
  spec: Omit<WindowSpec, 'interval' | 'groupBy'>,
): Promise<PurchaseTotals[]> {
  const dims: readonly Dimension[] = ['channel', 'product', 'region', 'segment']
  const sql =
    `SELECT currency, toString(sum(amount)) AS revenue, count() AS purchases, uniqExact(customer_id) AS customers ` +
    `FROM ${ch.table('purchases')} WHERE tenant_id = {tenant:String} ` +
    `AND occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') ` +
    `AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')` +
    filterSql(spec.filters, dims) +
    ' GROUP BY currency ORDER BY currency'
  return queryRows(ch, {
    name: 'purchase_totals',
    sql,
    params: windowParams(spec),
    row: purchaseRow,
  })
}
