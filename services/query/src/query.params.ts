import { z } from 'zod'
import { DIMENSIONS, SERIES_INTERVALS, type Dimension, type Filters } from '@cxpulse/clickhouse'
import { HttpError } from '@cxpulse/http'
import type { QueryLimits } from './config.ts'

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i

const instant = z
  .string()
  .regex(RFC3339, 'expected an RFC 3339 time with offset, e.g. 2026-11-01T00:00:00Z')
  .transform((s, ctx) => {
    const d = new Date(s)
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'not a real date' })
      return z.NEVER
    }
    return d
  })

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

const dimensionValue = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\p{Cc}]*$/u, 'control characters are not allowed')

const filterShape = Object.fromEntries(
  DIMENSIONS.map((d) => [d, dimensionValue.optional()]),
) as Record<Dimension, z.ZodOptional<typeof dimensionValue>>

export const metricQuerySchema = z.strictObject({
  from: instant,
  to: instant,
  tz: z
    .string()
    .max(64)
    .refine(isTimeZone, 'unknown time zone; use an IANA name such as Europe/Berlin')
    .default('UTC'),
  interval: z.enum(SERIES_INTERVALS).optional(),
  group_by: z.enum(DIMENSIONS).optional(),
  compare: z.enum(['previous_period']).optional(),
  orientation: z.enum(['agreement', 'effort']).optional(),
  scale: z
    .string()
    .regex(/^\d{1,2}-\d{1,2}$/, 'expected MIN-MAX, e.g. 1-7')
    .optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR')
    .optional(),
  lifespan_years: z.coerce.number().positive().max(100).optional(),
  /** sla_attainment's target: first response within this many minutes (SPEC default 10). */
  target_minutes: z.coerce.number().positive().max(43_200).optional(),
  /** The one customer historical_clv is about (no other metric takes it). */
  customer_id: z
    .string()
    .min(1, 'must not be empty')
    .max(256)
    .regex(/^[^\p{Cc}]*$/u, 'control characters are not allowed')
    .optional(),
  ...filterShape,
})
export type MetricQuery = z.output<typeof metricQuerySchema>

const APPROX_MS: Record<(typeof SERIES_INTERVALS)[number], number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 28 * 86_400_000,
}

/** Parses a query string; every problem is reported as `{path, message}` in one 400. */
export function parseMetricQuery(
  search: URLSearchParams,
  limits: QueryLimits,
  /** One customer's whole history is a small read, so its window has no length limit. */
  options: { unboundedWindow?: boolean } = {},
): MetricQuery {
  const raw: Record<string, string> = {}
  const errors: { path: string; message: string }[] = []
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key)
    if (values.length > 1) errors.push({ path: key, message: 'given more than once' })
    raw[key] = values[0] ?? ''
  }
  if ('tenant_id' in raw) {
    errors.push({
      path: 'tenant_id',
      message: 'the tenant comes from the API key; do not pass tenant_id',
    })
    delete raw['tenant_id']
  }
  const parsed = metricQuerySchema.safeParse(raw)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path =
        issue.path.join('.') ||
        (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : 'query')
      errors.push({
        path,
        message: issue.code === 'unrecognized_keys' ? 'unknown parameter' : issue.message,
      })
    }
  }
  if (errors.length > 0 || !parsed.success)
    throw new HttpError(400, 'invalid_query', 'invalid query parameters', errors)

  const q = parsed.data
  const span = q.to.getTime() - q.from.getTime()
  const more: { path: string; message: string }[] = []
  if (span <= 0)
    more.push({ path: 'to', message: 'must be after from (windows are half-open [from, to))' })
  if (!options.unboundedWindow && span > limits.maxWindowDays * 86_400_000) {
    more.push({
      path: 'to',
      message: `window longer than the limit of ${limits.maxWindowDays} days`,
    })
  }
  if (q.interval && q.group_by)
    more.push({ path: 'group_by', message: 'use either interval or group_by, not both' })
  if (q.interval && span / APPROX_MS[q.interval] > limits.maxSeriesPoints) {
    more.push({
      path: 'interval',
      message: `more than ${limits.maxSeriesPoints} points; choose a coarser interval`,
    })
  }
  if (more.length > 0) throw new HttpError(400, 'invalid_query', 'invalid query parameters', more)
  return q
}

export function filtersOf(q: MetricQuery): Filters {
  const filters: Filters = {}
  for (const d of DIMENSIONS) {
    const v = q[d]
    if (v !== undefined) filters[d] = v
  }
  return filters
}
