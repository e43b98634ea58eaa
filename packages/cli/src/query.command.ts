import { z } from 'zod'
import { cliEnvironment } from './cli.env.ts'

export const queryHelp = `Usage: cxpulse query [options] METRIC

Asks the query API for one metric (csat, nps, ces, churn_rate, frt, reply_time,
sla_attainment, open_backlog, historical_clv, …; the API's GET /v1/metrics lists them) over a window, and prints a table
or, with --json, the answer (with the metric's components: median and p90, currency, …).

Options:
  --url URL           query API base URL (default http://127.0.0.1:8081)
  --key KEY           API key with the query scope (default: $CXPULSE_API_KEY)
  --from=T            RFC 3339 time, "now", or relative: -30m, -24h, -7d (default -24h;
                      write relative times with "=", e.g. --from=-7d)
  --to=T              same forms (default now)
  --interval I        minute, hour, day, week or month: a series
  --group-by DIM      channel, agent, team, product, region, segment, …: a breakdown
  --filter K=V        a dimension filter; repeat for several
  --compare           also the previous period of the same length
  --tz ZONE           IANA time zone for series buckets
  --customer-id ID    the customer historical_clv values (required for it)
  --currency CODE     ISO 4217 currency for clv and historical_clv (when there are several)
  --target-minutes M  sla_attainment's first-response target (default 10)
  --json              print the API's JSON answer
  -h, --help          this text`

export const queryOptions = {
  url: { type: 'string' },
  key: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  interval: { type: 'string' },
  'group-by': { type: 'string' },
  filter: { type: 'string', multiple: true },
  compare: { type: 'boolean' },
  tz: { type: 'string' },
  'customer-id': { type: 'string' },
  currency: { type: 'string' },
  'target-minutes': { type: 'string' },
  json: { type: 'boolean' },
} as const

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }

/** "now", "-7d", "-24h", "-30m" relative to `now`, or an RFC 3339 time. */
export function parseTime(value: string, now = Date.now()): Date {
  if (value === 'now') return new Date(now)
  const rel = /^-(\d+)([mhd])$/.exec(value)
  if (rel) return new Date(now - Number(rel[1]) * UNITS[rel[2]!]!)
  const t = Date.parse(value)
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) {
    throw new Error(`"${value}" is not a time: use RFC 3339, now, or -30m / -24h / -7d`)
  }
  return new Date(t)
}

const time = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      try {
        return parseTime(v)
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message })
        return z.NEVER
      }
    })

export const queryFlags = z.object({
  _: z
    .array(z.string().regex(/^[a-z_]{1,64}$/, 'a metric id such as csat'))
    .length(1, 'give one METRIC'),
  url: z.url().default('http://127.0.0.1:8081'),
  key: z.string().min(1).optional(),
  from: time('-24h'),
  to: time('now'),
  interval: z.enum(['minute', 'hour', 'day', 'week', 'month']).optional(),
  'group-by': z.string().min(1).optional(),
  filter: z.array(z.string().regex(/^[a-z_]+=.+$/, 'expected KEY=VALUE')).default([]),
  compare: z.boolean().default(false),
  tz: z.string().min(1).optional(),
  'customer-id': z.string().min(1).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR')
    .optional(),
  'target-minutes': z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'a number of minutes, e.g. 10')
    .optional(),
  json: z.boolean().default(false),
})

const point = z.object({
  value: z.number().nullable(),
  n: z.number(),
  ci95: z.tuple([z.number(), z.number()]).nullable().optional(),
})
/** The parts of the API's answer the table shows; --json prints the answer as it came. */
export const answerSchema = point.extend({
  metric: z.string(),
  tz: z.string().optional(),
  series: z.array(point.extend({ at: z.string() })).optional(),
  groups: z.array(point.extend({ key: z.string() })).optional(),
  previous: point.extend({ from: z.string(), to: z.string() }).optional(),
  delta: z.number().nullable().optional(),
})
export type Answer = z.output<typeof answerSchema>

const show = (v: number | null | undefined) => (v === null || v === undefined ? '—' : String(v))
const interval = (ci: readonly [number, number] | null | undefined) =>
  ci ? `${ci[0]} … ${ci[1]}` : '—'
const signed = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : v > 0 ? `+${v}` : String(v)

/** The answer as text: a headline, the previous period, then the series or breakdown as columns. */
export function formatAnswer(body: Answer, from: Date, to: Date): string {
  const lines = [
    `${body.metric}  ${from.toISOString()} → ${to.toISOString()}${body.tz ? ` (${body.tz})` : ''}`,
    `  value ${show(body.value)}   n ${body.n}   95% CI ${interval(body.ci95)}`,
  ]
  if (body.previous) {
    lines.push(
      `  previous ${show(body.previous.value)} (n ${body.previous.n})   change ${signed(body.delta)}`,
    )
  }
  const rows = [
    ...(body.series ?? []).map((p) => ({ label: p.at, ...p })),
    ...(body.groups ?? []).map((g) => ({ label: g.key || '(none)', ...g })),
  ]
  if (rows.length > 0) {
    const table = [
      [body.series ? 'at' : 'group', 'value', 'n', '95% CI'],
      ...rows.map((r) => [r.label, show(r.value), String(r.n), interval(r.ci95)]),
    ]
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)))
    lines.push('')
    for (const row of table) {
      lines.push(
        `  ${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padStart(widths[1]!)}  ${row[2]!.padStart(widths[2]!)}  ${row[3]!}`.trimEnd(),
      )
    }
  }
  return lines.join('\n')
}

/** The API's query string for these flags (the API validates the values again). */
export function queryParams(flags: z.output<typeof queryFlags>): URLSearchParams {
  const params = new URLSearchParams({ from: flags.from.toISOString(), to: flags.to.toISOString() })
  if (flags.interval) params.set('interval', flags.interval)
  if (flags['group-by']) params.set('group_by', flags['group-by'])
  if (flags.compare) params.set('compare', 'previous_period')
  if (flags.tz) params.set('tz', flags.tz)
  if (flags['customer-id']) params.set('customer_id', flags['customer-id'])
  if (flags.currency) params.set('currency', flags.currency)
  if (flags['target-minutes']) params.set('target_minutes', flags['target-minutes'])
  for (const f of flags.filter) {
    const i = f.indexOf('=')
    params.append(f.slice(0, i), f.slice(i + 1))
  }
  return params
}

export async function runQuery(flags: z.output<typeof queryFlags>): Promise<number> {
  const key = flags.key ?? cliEnvironment().CXPULSE_API_KEY
  if (!key) {
    console.error('cxpulse query: give --key or set CXPULSE_API_KEY')
    return 2
  }
  const params = queryParams(flags)
  let res: Response
  try {
    res = await fetch(`${flags.url}/v1/metrics/${flags._[0]}?${params}`, {
      headers: { authorization: `Bearer ${key}` },
    })
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message
    console.error(`cxpulse query: cannot reach --url ${flags.url}: ${cause}`)
    return 1
  }
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    console.error(`cxpulse query: HTTP ${res.status}: not JSON: ${text.slice(0, 200)}`)
    return 1
  }
  if (!res.ok) {
    const message = (json as { message?: unknown } | null)?.message
    console.error(
      `cxpulse query: HTTP ${res.status}: ${typeof message === 'string' ? message : text.slice(0, 200)}`,
    )
    return 1
  }
  if (flags.json) {
    console.log(JSON.stringify(json, null, 2))
    return 0
  }
  const body = answerSchema.safeParse(json)
  if (!body.success) {
    console.error(
      `cxpulse query: unexpected answer from ${flags.url}: ${body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )
    return 1
  }
  console.log(formatAnswer(body.data, flags.from, flags.to))
  return 0
}
