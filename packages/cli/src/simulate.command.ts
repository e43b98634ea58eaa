import { z } from 'zod'
import { createCxClient } from '@cxpulse/sdk'
import { createSimulator, runSimulation, type Incident } from '@cxpulse/simulator'

export const simulateHelp = `Usage: cxpulse simulate [options]

Sends realistic traffic to an ingest API: survey responses (CSAT, NPS, CES) with a daily
rhythm, channels, agents and products, ticket flows, sign-ups, purchases and churn. With
--backfill-days it first sends that much history; then it runs live for --duration, or until
Ctrl-C (with --backfill-days alone it stops after the history). Ends with "sent N: accepted
A, rejected R, failed F"; exits 1 when anything was rejected or failed.

Options:
  --url URL               ingest base URL (default http://127.0.0.1:8080)
  --key KEY               API key with the ingest scope (default: $CXPULSE_API_KEY)
  --rate N                survey responses per minute at the daily peak (default 60)
  --duration D            live run length: 90s, 10m, 2h, or plain seconds (default: until
                          Ctrl-C)
  --backfill-days N       days of history to send first (default 0; at most 60)
  --seed N                random seed; the same seed gives the same customers and scores
  --incident SPEC         a satisfaction drop on one channel (email, chat, phone, web): fewer
                          positive answers and slower first replies, for alert demos, e.g.
                          channel=chat,start=10m,for=30m,positive=0.3
                          start: from now, negative for the past (start=-2h, inside a
                          backfill; default 0s); for: how long; positive: share of good
                          scores during it (default 0.35, normally about 0.8); repeatable
  -h, --help              this text`

export const simulateOptions = {
  url: { type: 'string' },
  key: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  'backfill-days': { type: 'string' },
  seed: { type: 'string' },
  incident: { type: 'string', multiple: true },
} as const

const DURATION_UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/** `90s`, `10m`, `2h`, `1d` (or plain seconds), negative with a leading `-`, in milliseconds. */
export function parseDuration(value: string): number | undefined {
  const m = /^(-?\d+(?:\.\d+)?)([smhd]?)$/.exec(value.trim())
  return m ? Math.round(Number(m[1]) * DURATION_UNITS[m[2] || 's']!) : undefined
}

/** `channel=chat,start=10m,for=30m,positive=0.3` → an incident starting `start` after `now`. */
export function parseIncident(spec: string, now = Date.now()): Incident {
  const fields: Record<string, string> = {}
  for (const pair of spec.split(',')) {
    const i = pair.indexOf('=')
    if (i < 1) throw new Error(`"${pair}" is not KEY=VALUE`)
    fields[pair.slice(0, i).trim()] = pair.slice(i + 1).trim()
  }
  const duration = (message: string) =>
    z.string().transform((v, ctx) => {
      const ms = parseDuration(v)
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not ${message}` })
        return z.NEVER
      }
      return ms
    })
  const parsed = z
    .strictObject({
      channel: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a channel name such as chat'),
      start: duration('a duration such as 10m or -2h').default(0),
      for: duration('a duration such as 30m').refine((ms) => ms > 0, 'must be positive'),
      positive: z.coerce.number().min(0).max(1).default(0.35),
    })
    .safeParse(fields)
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`).join('; '),
    )
  }
  const from = now + parsed.data.start
  return {
    channel: parsed.data.channel,
    from: new Date(from),
    to: new Date(from + parsed.data.for),
    positiveRate: parsed.data.positive,
  }
}

export const simulateFlags = z.object({
  url: z.url().default('http://127.0.0.1:8080'),
  key: z.string().min(1).optional(),
  rate: z.coerce.number().positive().max(100_000).default(60),
  duration: z
    .string()
    .transform((v, ctx) => {
      const ms = parseDuration(v)
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration such as 90s, 10m, 2h` })
        return z.NEVER
      }
      return ms
    })
    .optional(),
  'backfill-days': z.coerce.number().min(0).max(60).default(0),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  incident: z
    .array(z.string())
    .default([])
    .transform((specs, ctx) => {
      try {
        return specs.map((spec) => parseIncident(spec))
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `expected channel=CH,start=10m,for=30m[,positive=0.3]: ${(error as Error).message}`,
        })
        return z.NEVER
      }
    }),
})
export type SimulateFlags = z.output<typeof simulateFlags>

export async function runSimulate(flags: SimulateFlags): Promise<number> {
  const key = flags.key ?? process.env['CXPULSE_API_KEY']
  if (!key) {
    console.error('cxpulse simulate: give --key or set CXPULSE_API_KEY')
    return 2
  }
  for (const i of flags.incident) {
    console.log(
      `incident: channel ${i.channel} from ${i.from.toISOString()} to ${i.to.toISOString()} (positive share ${i.positiveRate})`,
    )
  }
  const seed = flags.seed ?? Date.now() % 2 ** 31
  const backfillMs = flags['backfill-days'] * 86_400_000
  // History alone when only --backfill-days is given; otherwise live until the duration or Ctrl-C.
  const durationMs = flags.duration ?? (backfillMs > 0 ? 0 : undefined)
  const abort = new AbortController()
  const stop = () => abort.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const client = createCxClient({ url: flags.url, apiKey: key, batchSize: 500 })
  const started = Date.now()
  let lastReport = 0
  console.error(
    `simulate: seed ${seed}, ${flags.rate} responses/min at peak${backfillMs > 0 ? `, ${flags['backfill-days']} days of history first` : ''}`,
  )
  try {
    const stats = await runSimulation({
      client,
      simulator: createSimulator({
        seed,
        responsesPerMinute: flags.rate,
        incidents: flags.incident,
      }),
      backfillMs,
      ...(durationMs === undefined ? {} : { durationMs }),
      signal: abort.signal,
      onProgress: (s) => {
        const now = Date.now()
        if (now - lastReport < 2_000) return
        lastReport = now
        const rate = Math.round(s.sent / Math.max(0.001, (now - started) / 1000))
        console.error(
          `simulate: sent ${s.sent} (${rate}/s): accepted ${s.accepted}, rejected ${s.rejected}, failed ${s.failed}`,
        )
      },
    })
    console.log(
      `sent ${stats.sent}: accepted ${stats.accepted}, rejected ${stats.rejected}, failed ${stats.failed}`,
    )
    return stats.rejected + stats.failed > 0 ? 1 : 0
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
