import { z } from 'zod'
import { createCxClient } from '@cxpulse/sdk'
import {
  DEFAULT_CHANNELS,
  createSimulator,
  runSimulation,
  type Incident,
  type SimulationStats,
} from '@cxpulse/simulator'
import { cliEnvironment } from './cli.env.ts'

export const simulateHelp = `Usage: cxpulse simulate [options]

Sends realistic traffic to an ingest API: survey responses (CSAT, NPS, CES) with a daily
and weekly rhythm, channels, agents and products, ticket flows, sign-ups, purchases and
churn (packages/simulator/README.md has the model and its rates). It first sends the
customer base's lifecycle history (--history-days), then --backfill-days of all traffic,
then runs live for --duration, or until Ctrl-C (with --backfill-days alone it stops after
the backfill). Ends with "sent N: accepted A, rejected R, failed F"; exits 1 when anything
was rejected or failed.

Options:
  --url URL               ingest base URL (default http://127.0.0.1:8080)
  --key KEY               API key with the ingest scope (default: $CXPULSE_API_KEY); the key
                          decides the tenant, so repeat --key to simulate several tenants
                          (each with its own customers, seed + i and the full --rate)
  --rate N                survey responses per minute at the daily peak (default 60)
  --duration D            live run length: 90s, 10m, 2h, or plain seconds (default: until
                          Ctrl-C)
  --backfill-days N       days of history to send first (default 0; at most 60)
  --history-days N        days of customer lifecycle history (sign-ups, churn,
                          reactivations) sent before anything else (default 365; 0 when the
                          tenant already has this simulator's customers)
  --seed N                random seed; the same seed gives the same customers and scores
  --customers N           customers per tenant when the history begins (default 2000)
  --agents N              support agents per tenant (default 12)
  --channels A,B,…        channels (default ${DEFAULT_CHANNELS.join(',')})
  --incident SPEC         a satisfaction drop on one channel: fewer positive answers and
                          slower first replies, for alert demos; repeatable, e.g.
                          channel=chat,start=+10m,for=30m,positive=0.3
                          channel: one of --channels; start: from now (+10m), negative for
                          the past (-2h, inside a backfill; default 0s); for (or duration):
                          how long; positive: share of good scores during it (default 0.35,
                          normally about 0.8)
  -h, --help              this text`

export const simulateOptions = {
  url: { type: 'string' },
  key: { type: 'string', multiple: true },
  rate: { type: 'string' },
  duration: { type: 'string' },
  'backfill-days': { type: 'string' },
  'history-days': { type: 'string' },
  seed: { type: 'string' },
  customers: { type: 'string' },
  agents: { type: 'string' },
  channels: { type: 'string' },
  incident: { type: 'string', multiple: true },
} as const

const DURATION_UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/** `90s`, `10m`, `2h`, `1d` (or plain seconds), signed `+10m` / `-2h`, in milliseconds. */
export function parseDuration(value: string): number | undefined {
  const m = /^([-+]?\d+(?:\.\d+)?)([smhd]?)$/.exec(value.trim())
  return m ? Math.round(Number(m[1]) * DURATION_UNITS[m[2] || 's']!) : undefined
}

/**
 * `channel=chat,start=+10m,for=30m,positive=0.3` → an incident starting `start` after `now`
 * (`duration` is another name for `for`). `channels`, when given, are the ones simulated.
 */
export function parseIncident(
  spec: string,
  now = Date.now(),
  channels?: readonly string[],
): Incident {
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
      for: duration('a duration such as 30m')
        .refine((ms) => ms > 0, 'must be positive')
        .optional(),
      duration: duration('a duration such as 30m')
        .refine((ms) => ms > 0, 'must be positive')
        .optional(),
      positive: z.coerce.number().min(0).max(1).default(0.35),
    })
    .superRefine((v, ctx) => {
      if ((v.for === undefined) === (v.duration === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['for'], message: 'give how long: for=30m' })
      }
      if (channels && !channels.includes(v.channel)) {
        ctx.addIssue({
          code: 'custom',
          path: ['channel'],
          message: `"${v.channel}" is not simulated; channels: ${channels.join(', ')}`,
        })
      }
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
    to: new Date(from + (parsed.data.for ?? parsed.data.duration)!),
    positiveRate: parsed.data.positive,
  }
}

const incidentMessage = (error: unknown) =>
  `expected channel=CH,start=+10m,for=30m[,positive=0.3]: ${(error as Error).message}`

export const simulateFlags = z
  .object({
    url: z.url().default('http://127.0.0.1:8080'),
    key: z.array(z.string().min(1)).default([]),
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
    'history-days': z.coerce.number().min(0).max(1095).default(365),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    customers: z.coerce.number().int().min(1).max(10_000_000).default(2000),
    agents: z.coerce.number().int().min(1).max(100_000).default(12),
    channels: z
      .string()
      .transform((s) => s.split(',').map((c) => c.trim()))
      .pipe(
        z
          .array(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'channel names of [A-Za-z0-9._-]'))
          .min(1),
      )
      .default([...DEFAULT_CHANNELS]),
    incident: z
      .array(
        z.string().superRefine((spec, ctx) => {
          try {
            parseIncident(spec)
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: incidentMessage(error) })
          }
        }),
      )
      .default([]),
  })
  .superRefine((flags, ctx) => {
    // The channel of an incident must be one that is simulated.
    for (const [i, spec] of flags.incident.entries()) {
      try {
        parseIncident(spec, Date.now(), flags.channels)
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['incident', i], message: incidentMessage(error) })
      }
    }
  })
export type SimulateFlags = z.output<typeof simulateFlags>

const add = (a: SimulationStats, b: SimulationStats): SimulationStats => ({
  sent: a.sent + b.sent,
  accepted: a.accepted + b.accepted,
  rejected: a.rejected + b.rejected,
  failed: a.failed + b.failed,
})
const ZERO: SimulationStats = { sent: 0, accepted: 0, rejected: 0, failed: 0 }

export async function runSimulate(flags: SimulateFlags): Promise<number> {
  const envKey = cliEnvironment().CXPULSE_API_KEY
  const keys = flags.key.length > 0 ? flags.key : envKey ? [envKey] : []
  if (keys.length === 0) {
    console.error('cxpulse simulate: give --key or set CXPULSE_API_KEY')
    return 2
  }
  const now = Date.now()
  const incidents = flags.incident.map((spec) => parseIncident(spec, now, flags.channels))
  for (const i of incidents) {
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
  const started = Date.now()
  let lastReport = 0
  // The latest stats of each tenant's run; progress lines show their sum.
  const current = keys.map(() => ZERO)
  console.error(
    `simulate: seed ${seed}, ${keys.length} tenant${keys.length === 1 ? '' : 's'}, ${flags.rate} responses/min at peak each${backfillMs > 0 ? `, ${flags['backfill-days']} days of history first` : ''}`,
  )
  try {
    const results = await Promise.all(
      keys.map((key, i) =>
        runSimulation({
          client: createCxClient({ url: flags.url, apiKey: key, batchSize: 500 }),
          simulator: createSimulator({
            seed: (seed + i) % 2 ** 31,
            responsesPerMinute: flags.rate,
            customers: flags.customers,
            historyDays: flags['history-days'],
            agents: flags.agents,
            channels: flags.channels,
            incidents,
          }),
          history: flags['history-days'] > 0,
          backfillMs,
          ...(durationMs === undefined ? {} : { durationMs }),
          signal: abort.signal,
          onProgress: (s) => {
            current[i] = s
            const at = Date.now()
            if (at - lastReport < 2_000) return
            lastReport = at
            const total = current.reduce(add, ZERO)
            const rate = Math.round(total.sent / Math.max(0.001, (at - started) / 1000))
            console.error(
              `simulate: sent ${total.sent} (${rate}/s): accepted ${total.accepted}, rejected ${total.rejected}, failed ${total.failed}`,
            )
          },
        }),
      ),
    )
    const stats = results.reduce(add, ZERO)
    console.log(
      `sent ${stats.sent}: accepted ${stats.accepted}, rejected ${stats.rejected}, failed ${stats.failed}`,
    )
    return stats.rejected + stats.failed > 0 ? 1 : 0
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
