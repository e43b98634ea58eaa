import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { queryRows } from './query.ts'
import { RAW_TABLE } from './tables.ts'
import {
  QueryShapeError,
  filterSql,
  num,
  windowParams,
  type Dimension,
  type Keyed,
  type SeriesInterval,
  type WindowSpec,
} from './window.query.ts'

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

const lifecycleRow = z.object({
  active_at_start: num,
  active_at_end: num,
  churned: num,
  churned_new: num,
  became_active: num,
  active_during: num,
  referrers: num,
})
export type LifecycleCounts = z.output<typeof lifecycleRow>

/** What lifecycle metrics can be filtered and grouped by: the customer events' own dimensions. */
const LIFECYCLE_DIMENSIONS: readonly Dimension[] = ['channel', 'product', 'region', 'segment']

const IN_WINDOW = `occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')`

/** One customer's state over [from, to), from its events before `to` (one row per customer). */
const PER_CUSTOMER =
  `argMaxIf(type IN ${ACTIVATING}, ${LATEST_ORDER}, type IN ${LIFECYCLE_TYPES} AND NOT ${IN_WINDOW}) AS active_start, ` +
  `argMaxIf(type IN ${ACTIVATING}, ${LATEST_ORDER}, type IN ${LIFECYCLE_TYPES}) AS active_end, ` +
  `countIf(type = 'customer.churned' AND ${IN_WINDOW}) > 0 AS churned_in, ` +
  `countIf(type IN ${ACTIVATING} AND ${IN_WINDOW}) > 0 AS activated_in, ` +
  `countIf(type = 'customer.referred' AND ${IN_WINDOW}) > 0 AS referred_in, ` +
  `maxIf(occurred_at, type = 'customer.churned' AND ${IN_WINDOW}) AS last_churn_in, ` +
  `minIf(occurred_at, type IN ${ACTIVATING} AND ${IN_WINDOW}) AS first_activation_in`

/** The counts of `lifecycleRow` over PER_CUSTOMER rows. */
const LIFECYCLE_COUNTS =
  `countIf(active_start) AS active_at_start, countIf(active_end) AS active_at_end, ` +
  `countIf(active_start AND churned_in) AS churned, ` +
  `countIf(NOT active_start AND activated_in AND churned_in AND last_churn_in > first_activation_in) AS churned_new, ` +
  `countIf(NOT active_start AND activated_in) AS became_active, ` +
  `countIf(active_start OR activated_in) AS active_during, ` +
  `countIf(referred_in AND (active_start OR activated_in)) AS referrers`

/**
 * Per-customer lifecycle state over [from, to): active at an instant = latest lifecycle event
 * before it is signed_up or reactivated (ties at the same millisecond broken by event id).
 * Filters apply to the customer's events' own dimensions.
 */
export async function queryLifecycle(
  ch: ClickHouse,
  spec: Omit<WindowSpec, 'interval' | 'groupBy'>,
): Promise<LifecycleCounts> {
  const sql =
    `SELECT ${LIFECYCLE_COUNTS} FROM (SELECT customer_id, ${PER_CUSTOMER} ` +
    `FROM ${ch.table(RAW_TABLE.customers)} WHERE tenant_id = {tenant:String} ` +
    `AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')` +
    filterSql(spec.filters, LIFECYCLE_DIMENSIONS) +
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

const LIFECYCLE_SERIES_INTERVALS = [
  'day',
  'week',
  'month',
] as const satisfies readonly SeriesInterval[]
type LifecycleSeriesInterval = (typeof LIFECYCLE_SERIES_INTERVALS)[number]

/** A bucket as the local calendar date it starts on, in the query's zone (`{tz:String}`). */
const LOCAL_BUCKET: Record<LifecycleSeriesInterval, { of: (c: string) => string; add: string }> = {
  day: { of: (c) => `toDate(${c}, {tz:String})`, add: 'addDays' },
  week: { of: (c) => `toMonday(${c}, {tz:String})`, add: 'addWeeks' },
  month: { of: (c) => `toStartOfMonth(${c}, {tz:String})`, add: 'addMonths' },
}

/**
 * Lifecycle counts per series bucket, in one query. Bucket k is [b_k, b_{k+1}) in `tz` (the first
 * and last cut to [from, to)), and each is counted exactly as `queryLifecycle` counts a
 * standalone window: S_k = active at b_k, etc. Every bucket of the window is returned, with
 * zeros when nothing happened (a state has a value in every bucket; a churn rate over S = 0 is
 * null, n 0).
 *
 * Instead of one scan per bucket: each customer's events are collapsed into one group per bucket
 * it has events in, plus one group (bucket 1970-01-01) for everything before `from`. A group's
 * end state is its latest lifecycle event's; its start state is the end state of the customer's
 * latest earlier group with a lifecycle event (a window over the customer's groups, so the
 * window function runs over groups, not events). A customer without events in bucket k keeps
 * its state through it, so S_k = Σ over earlier groups of (end − start): a running sum over the
 * buckets, in which the pre-window group contributes S at `from`.
 */
export async function queryLifecycleSeries(
  ch: ClickHouse,
  spec: Omit<WindowSpec, 'interval' | 'groupBy'> & { interval: SeriesInterval },
): Promise<Keyed<LifecycleCounts>[]> {
  if (!(LIFECYCLE_SERIES_INTERVALS as readonly string[]).includes(spec.interval)) {
    throw new QueryShapeError(
      `interval=${spec.interval} is not offered for lifecycle metrics; use day, week or month`,
      'interval',
    )
  }
  const bucket = LOCAL_BUCKET[spec.interval as LifecycleSeriesInterval]
  const from = `fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')`
  const to = `fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')`
  const before = "toDate('1970-01-01')"
  const groups =
    `SELECT customer_id, if(occurred_at < ${from}, ${before}, ${bucket.of('occurred_at')}) AS bucket, ` +
    `countIf(type IN ${LIFECYCLE_TYPES}) > 0 AS has_life, ` +
    `argMaxIf(type IN ${ACTIVATING}, ${LATEST_ORDER}, type IN ${LIFECYCLE_TYPES}) AS end_life, ` +
    `countIf(type = 'customer.churned') > 0 AS churned_in, ` +
    `countIf(type IN ${ACTIVATING}) > 0 AS activated_in, ` +
    `countIf(type = 'customer.referred') > 0 AS referred_in, ` +
    `maxIf(occurred_at, type = 'customer.churned') AS last_churn_in, ` +
    `minIf(occurred_at, type IN ${ACTIVATING}) AS first_activation_in ` +
    `FROM ${ch.table(RAW_TABLE.customers)} WHERE tenant_id = {tenant:String} ` +
    `AND type IN ('customer.signed_up', 'customer.churned', 'customer.reactivated', 'customer.referred') ` +
    `AND occurred_at < ${to}` +
    filterSql(spec.filters, LIFECYCLE_DIMENSIONS) +
    ` GROUP BY customer_id, bucket`
  const states =
    `SELECT bucket, churned_in, activated_in, referred_in, last_churn_in, first_activation_in, ` +
    `argMaxIf(end_life, bucket, has_life) OVER (PARTITION BY customer_id ORDER BY bucket ` +
    `ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS active_start, ` +
    `if(has_life, end_life, active_start) AS active_end FROM (${groups})`
  const perBucket =
    `SELECT bucket, sum(toInt64(active_end) - toInt64(active_start)) AS delta, ` +
    `countIf(active_start AND churned_in) AS churned, ` +
    `countIf(NOT active_start AND activated_in AND churned_in AND last_churn_in > first_activation_in) AS churned_new, ` +
    `countIf(NOT active_start AND activated_in) AS became_active, ` +
    `countIf(referred_in AND (active_start OR activated_in)) AS referrers ` +
    `FROM (${states}) GROUP BY bucket`
  const first = bucket.of(from)
  const last = bucket.of(`${to} - toIntervalMillisecond(1)`)
  const dateDiffUnit = spec.interval
  const buckets =
    `SELECT arrayJoin(arrayConcat([${before}], arrayMap(i -> ${bucket.add}(${first}, i), ` +
    `range(toUInt64(dateDiff('${dateDiffUnit}', ${first}, ${last}) + 1))))) AS bucket`
  const running =
    `SELECT b.bucket AS bucket, d.delta AS delta, d.churned AS churned, d.churned_new AS churned_new, ` +
    `d.became_active AS became_active, d.referrers AS referrers, ` +
    `sum(d.delta) OVER (ORDER BY b.bucket ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS s ` +
    `FROM (${buckets}) AS b LEFT JOIN (${perBucket}) AS d ON d.bucket = b.bucket`
  const sql =
    `SELECT toString(toUnixTimestamp(toDateTime(bucket, {tz:String}))) AS key, ` +
    `s AS active_at_start, s + delta AS active_at_end, churned, churned_new, became_active, ` +
    `s + became_active AS active_during, referrers ` +
    `FROM (${running}) WHERE bucket != ${before} ORDER BY bucket SETTINGS join_use_nulls = 0`
  const rows = await queryRows(ch, {
    name: `lifecycle_series_${spec.interval}`,
    sql,
    params: windowParams(spec),
    row: lifecycleRow.and(z.object({ key: z.string() })),
  })
  return rows.map((r) => ({ ...r, key: new Date(Number(r.key) * 1000).toISOString() }))
}

/**
 * Lifecycle counts per group, each group counted as `queryLifecycle` counts the window. A
 * customer belongs to one group for the whole window: the dimension of its latest lifecycle
 * event before `from`, or, for a customer whose first lifecycle event lies inside the window,
 * of that first event. So a customer who changes segment during the window stays where it was
 * at the start, and E − N stays within one group. Largest `rank_by` first.
 */
export async function queryLifecycleGroups(
  ch: ClickHouse,
  spec: Omit<WindowSpec, 'interval'> & {
    groupBy: Dimension
    rankBy: 'active_at_start' | 'active_during'
  },
): Promise<Keyed<LifecycleCounts>[]> {
  if (!LIFECYCLE_DIMENSIONS.includes(spec.groupBy)) {
    throw new QueryShapeError(`cannot group by ${spec.groupBy}`)
  }
  const dim = `\`dimensions.${spec.groupBy}\``
  const inWindow = IN_WINDOW
  const keyExpr =
    `if(countIf(type IN ${LIFECYCLE_TYPES} AND NOT ${inWindow}) > 0, ` +
    `argMaxIf(${dim}, ${LATEST_ORDER}, type IN ${LIFECYCLE_TYPES} AND NOT ${inWindow}), ` +
    `argMinIf(${dim}, ${LATEST_ORDER}, type IN ${LIFECYCLE_TYPES}))`
  const sql =
    `SELECT toString(group_key) AS key, ${LIFECYCLE_COUNTS} FROM (SELECT customer_id, ${keyExpr} AS group_key, ` +
    `${PER_CUSTOMER} FROM ${ch.table(RAW_TABLE.customers)} WHERE tenant_id = {tenant:String} ` +
    `AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')` +
    filterSql(spec.filters, LIFECYCLE_DIMENSIONS) +
    ` GROUP BY customer_id) GROUP BY group_key ` +
    `HAVING active_during > 0 OR churned_new > 0 ` +
    `ORDER BY ${spec.rankBy === 'active_during' ? 'active_during' : 'active_at_start'} DESC, key ` +
    `LIMIT {max_groups:UInt32}`
  return queryRows(ch, {
    name: 'lifecycle_groups',
    sql,
    params: windowParams(spec),
    row: lifecycleRow.and(z.object({ key: z.string() })),
  })
}

const purchaseRow = z.object({ currency: z.string(), revenue: num, purchases: num, customers: num })
export type PurchaseTotals = z.output<typeof purchaseRow>

/** Revenue, purchase count and distinct purchasing customers per currency (never mixed). */
export async function queryPurchases(
  ch: ClickHouse,
  spec: Omit<WindowSpec, 'interval' | 'groupBy'>,
): Promise<PurchaseTotals[]> {
  const sql =
    `SELECT currency, toString(sum(revenue)) AS revenue, count() AS purchases, uniqExact(customer_id) AS customers ` +
    purchasesInWindow(ch, spec.filters) +
    ' GROUP BY currency ORDER BY currency'
  return queryRows(ch, {
    name: 'purchase_totals',
    sql,
    params: windowParams(spec),
    row: purchaseRow,
  })
}

/** FROM … WHERE for the tenant's purchases in [from, to), with the lifecycle filters. */
function purchasesInWindow(ch: ClickHouse, filters: WindowSpec['filters']): string {
  return (
    `FROM ${ch.table(RAW_TABLE.customers)} WHERE tenant_id = {tenant:String} AND type = 'customer.purchase' ` +
    `AND occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') ` +
    `AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')` +
    filterSql(filters, LIFECYCLE_DIMENSIONS)
  )
}

const customerPurchaseRow = z.object({
  currency: z.string(),
  revenue: num,
  purchases: num,
  with_margin: num,
  average_gross_margin: num.nullable(),
})
export type CustomerPurchases = z.output<typeof customerPurchaseRow>

/**
 * One customer's purchases in [from, to), per currency (never mixed): revenue over all of
 * them, and the plain mean gross margin over those that carry one (NULL when none does).
 */
export async function queryCustomerPurchases(
  ch: ClickHouse,
  spec: Omit<WindowSpec, 'interval' | 'groupBy'> & { customerId: string },
): Promise<CustomerPurchases[]> {
  const sql =
    `SELECT currency, toString(sum(revenue)) AS revenue, count() AS purchases, ` +
    `count(gross_margin) AS with_margin, avgOrNull(gross_margin) AS average_gross_margin ` +
    purchasesInWindow(ch, spec.filters) +
    ' AND customer_id = {customer_id:String} GROUP BY currency ORDER BY currency'
  return queryRows(ch, {
    name: 'customer_purchases',
    sql,
    params: { ...windowParams(spec), customer_id: spec.customerId },
    row: customerPurchaseRow,
  })
}
