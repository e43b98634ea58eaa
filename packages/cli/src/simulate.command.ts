import { z } from 'zod'
import { createCxClient } from '@cxpulse/sdk'
import { createSimulator, runSimulation, type Incident } from '@cxpulse/simulator'

export const simulateHelp = `Usage: cxpulse simulate [options]

Sends realistic customer-experience traffic to an ingest API: survey responses (CSAT, NPS,
CES) with a daily rhythm, ticket flows per channel and agent, sign-ups, churn, purchases and
QA reviews — first --backfill-days of history, then live until Ctrl-C or --duration.

Options:
  --url URL             ingest base URL (default http://127.0.0.1:8080)
  --key KEY             API key with the ingest scope (default: $CXPULSE_API_KEY)
  --rate N              survey responses per minute at the daily peak (default 60)
  --backfill-days N     days of history first (default 0)
  --duration S          stop after S seconds of live traffic (default: until Ctrl-C)
  --seed N              random seed (default: the time)
  --incident SPEC       a satisfaction drop on one channel, e.g.
                        channel=chat,start=10m,for=30m,positive=0.3
                        (start is from now; positive = share of good scores during it,
                        normally about 0.8); repeat for several
  -h, --help            this text`

export const simulateOptions = {
  url: { type: 'string' },
  key: { type: 'string' },
  rate: { type: 'string' },
  'backfill-days': { type: 'string' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  incident: { type: 'string', multiple: true },
} as const

const DURATION = /^(\d+)([smhd])$/
const UNIT: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const ms = (v: string) => Number(DURATION.exec(v)![1]) * UNIT[DURATION.exec(v)![2]!]!

/** `channel=chat,start=10m,for=30m,positive=0.3` → an incident starting `start` after `now`. */
export function parseIncident(spec: string, now = Date.now()): Incident {
  const fields = Object.fromEntries(
    spec.split(',').map((kv) => kv.split('=', 2) as [string, string]),
  )
  const parsed = z
    .object({
      channel: z.string().min(1),
      start: z.string().regex(DURATION, 'a duration like 10m').default('0s'),
      for: z.string().regex(DURATION, 'a duration like 30m'),
      positive: z.coerce.number().min(0).max(1).optional(),
    })
    .strict()
    .parse(fields)
  const from = now + ms(parsed.start)
  return {
    channel: parsed.channel,
    from: new Date(from),
    to: new Date(from + ms(parsed.for)),
    ...(parsed.positive === undefined ? {} : { positiveRate: parsed.positive }),
  }
}

export const simulateFlags = z.object({
  url: z.url().default('http://127.0.0.1:8080'),
  key: z.string().min(1).optional(),
  rate: z.coerce.number().positive().max(100_000).default(60),
  'backfill-days': z.coerce.number().min(0).max(365).default(0),
  duration: z.coerce.number().positive().optional(),
  seed: z.coerce.number().int().optional(),
  incident: z
    .array(z.string())
    .default([])
    .transform((specs, ctx) => {
      try {
        return specs.map((s) => parseIncident(s))
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `expected channel=…,start=10m,for=30m[,positive=0.3]: ${(error as Error).message.split('\n')[0]}`,
        })
        return z.NEVER
      }
    }),
})

export async function runSimulate(flags: z.output<typeof simulateFlags>): Promise<number> {
  const key = flags.key ?? process.env['CXPULSE_API_KEY']
  if (!key) {
    console.error('cxpulse simulate: give --key or set CXPULSE_API_KEY')
    return 2
  }
  const abort = new AbortController()
  process.once('SIGINT', () => abort.abort())
  process.once('SIGTERM', () => abort.abort())
  for (const i of flags.incident) {
    console.log(
      `incident: channel ${i.channel} from ${i.from.toISOString()} to ${i.to.toISOString()}`,
    )
  }
  let last = 0
  const stats = await runSimulation({
    client: createCxClient({ url: flags.url, apiKey: key, batchSize: 500 }),
    simulator: createSimulator({
      seed: flags.seed ?? Date.now() % 2 ** 31,
      responsesPerMinute: flags.rate,
      incidents: flags.incident,
    }),
    backfillMs: flags['backfill-days'] * 86_400_000,
    ...(flags.duration ? { durationMs: flags.duration * 1000 } : {}),
    signal: abort.signal,
    onProgress: (s) => {
      if (Date.now() - last > 2_000) {
        last = Date.now()
        console.error(
          `simulate: ${s.accepted} accepted, ${s.rejected} rejected, ${s.failed} failed`,
        )
      }
    },
  })
  console.log(
    `sent ${stats.sent}: accepted ${stats.accepted}, rejected ${stats.rejected}, failed ${stats.failed}`,
  )
  return stats.rejected + stats.failed > 0 ? 1 : 0
}
