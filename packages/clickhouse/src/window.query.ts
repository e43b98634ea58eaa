import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { queryRows } from './query.ts'

/**
 * The read side's shared shape: a window [from, to) of one tenant, optional dimension filters,
 * and either a series or a breakdown. Every value is a bound parameter; the only varying
 * identifiers (a group-by column, a bucket function, a source) come from fixed allow-lists.
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

/**
 * Which grain answers: an aggregate projection of that bucket size (the query filters and
 * groups on the bucket expression, so ClickHouse can read the projection), or the raw rows.
 */
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
 * The coarsest grain that answers the window exactly: buckets hold events by the start of
 * their minute/hour/day in UTC, so an aggregate is exact only when the window edges, and every
 * series bucket edge in the caller's zone, fall on its bucket boundaries. Anything finer
 * (a window edge at 10:00:30) is answered from the raw rows.
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

export interface Source {
  table: string
  time: string
  /** Aggregate expression per output column. */
  columns: Record<string, string>
}

export function windowParams(spec: WindowSpec): Record<string, unknown> {
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

export function filterSql(filters: Filters | undefined, allowed: readonly Dimension[]): string {
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
  constructor(
    message: string,
    /** The request parameter at fault, when it is not the group-by or a filter. */
    readonly param?: 'interval',
  ) {
    super(message)
  }
}

/**
 * Runs `SELECT <columns> FROM <source> WHERE tenant AND window AND filters` for the whole
 * window, or per series bucket / per group when the spec asks. `extraWhere` and
 * `extraGroupBy` are fixed SQL fragments from this module, never input.
 */
export async function aggregate<R extends z.ZodType>(
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

/** The bucket expression of a grain: what its projection groups by, and what queries filter on. */
const BUCKET: Record<Exclude<Granularity, 'raw'>, string> = {
  '1m': 'toStartOfMinute(occurred_at)',
  '1h': 'toStartOfHour(occurred_at)',
  '1d': 'toStartOfDay(occurred_at)',
}

/** The time expression to filter and bucket on at a grain. */
export function timeAt(granularity: Granularity): string {
  return granularity === 'raw' ? 'occurred_at' : BUCKET[granularity]
}

export const num = z.coerce.number()
export const countRow = z.object({ n: num })
