import { z } from 'zod'

export const queryHelp = `Usage: cxpulse query [options] METRIC

Asks the query API for one metric (csat, nps, ces, churn_rate, frt, …; the API's
GET /v1/metrics lists them) over a window, and prints a table or, with --json, the answer.

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
  json: z.boolean().default(false),
})

type Answer = {
  metric: string
  value: number | null
  n: number
  ci95: [number, number] | null
  series?: { at: string; value: number | null; n: number }[]
  groups?: { key: string; value: number | null; n: number }[]
  previous?: { value: number | null; n: number }
  delta?: number | null
}

const show = (v: number | null | undefined) => (v === null || v === undefined ? '—' : String(v))

export async function runQuery(flags: z.output<typeof queryFlags>): Promise<number> {
  const key = flags.key ?? process.env['CXPULSE_API_KEY']
  if (!key) {
    console.error('cxpulse query: give --key or set CXPULSE_API_KEY')
    return 2
  }
  const params = new URLSearchParams({ from: flags.from.toISOString(), to: flags.to.toISOString() })
  if (flags.interval) params.set('interval', flags.interval)
  if (flags['group-by']) params.set('group_by', flags['group-by'])
  if (flags.compare) params.set('compare', 'previous_period')
  if (flags.tz) params.set('tz', flags.tz)
  for (const f of flags.filter) {
    const i = f.indexOf('=')
    params.append(f.slice(0, i), f.slice(i + 1))
  }
  const res = await fetch(`${flags.url}/v1/metrics/${flags._[0]}?${params}`, {
    headers: { authorization: `Bearer ${key}` },
  })
  const body = (await res.json()) as Answer & { message?: string }
  if (!res.ok) {
    console.error(`cxpulse query: HTTP ${res.status}: ${body.message ?? JSON.stringify(body)}`)
    return 1
  }
  if (flags.json) {
    console.log(JSON.stringify(body, null, 2))
    return 0
  }
  console.log(`${body.metric}  ${flags.from.toISOString()} → ${flags.to.toISOString()}`)
  console.log(
    `  value ${show(body.value)}   n ${body.n}   95% CI ${body.ci95 ? `${body.ci95[0]} … ${body.ci95[1]}` : '—'}`,
  )
  if (body.previous) {
    console.log(
      `  previous ${show(body.previous.value)} (n ${body.previous.n})   change ${show(body.delta)}`,
    )
  }
  for (const p of body.series ?? [])
    console.log(`  ${p.at.padEnd(26)} ${show(p.value).padStart(10)}   n ${p.n}`)
  for (const g of body.groups ?? [])
    console.log(`  ${(g.key || '(none)').padEnd(26)} ${show(g.value).padStart(10)}   n ${g.n}`)
  return 0
}
