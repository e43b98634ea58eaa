import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { z } from 'zod'
import { deterministicUuid, parseEvent, type CxEventInput } from '@cxpulse/contracts'
import { deliverEvents, type LineRejection } from './delivery.ts'
import { csvRecords, ndjsonRecords, type SourceRecord } from './records.ts'
import { cliEnvironment } from './cli.env.ts'

export const sendHelp = `Usage: cxpulse send [options] FILE

Sends the events in FILE (NDJSON: one event per line; or CSV with a header row) to the
ingest API, in batches, with retries that keep each event's id. Invalid lines are reported
with their line number and never stop the valid ones. Ends with "accepted N, rejected M";
exits 1 when anything was rejected.

CSV columns are event fields (type, occurred_at, customer_id, kind, score, ...); dotted
columns nest (dimensions.channel, dimensions.agent); empty cells are left out. A record
without event_id gets one derived from the file name, line and content, so sending the same
file again is counted once.

Options:
  --url URL            ingest base URL (default http://127.0.0.1:8080)
  --key KEY            API key with the ingest scope (default: $CXPULSE_API_KEY)
  --format F           ndjson or csv (default: from the file extension)
  --batch-size N       events per request (default 500)
  --rate N             send at most N events per second (default: as fast as accepted)
  --rejects-file PATH  write every rejection as NDJSON
  -h, --help           this text`

export const sendOptions = {
  url: { type: 'string' },
  key: { type: 'string' },
  format: { type: 'string' },
  'batch-size': { type: 'string' },
  rate: { type: 'string' },
  'rejects-file': { type: 'string' },
} as const

export const sendFlags = z.object({
  _: z.array(z.string()).length(1, 'give exactly one FILE'),
  url: z.url().default('http://127.0.0.1:8080'),
  key: z.string().min(1).optional(),
  format: z.enum(['ndjson', 'csv']).optional(),
  'batch-size': z.coerce.number().int().min(1).max(10_000).default(500),
  rate: z.coerce.number().positive().max(1_000_000).optional(),
  'rejects-file': z.string().min(1).optional(),
})

export async function runSend(flags: z.output<typeof sendFlags>): Promise<number> {
  const file = resolve(flags._[0]!)
  const key = flags.key ?? cliEnvironment().CXPULSE_API_KEY
  if (!key) {
    console.error('cxpulse send: give --key or set CXPULSE_API_KEY')
    return 2
  }
  const text = await readFile(file, 'utf8')
  const format = flags.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson')
  const records: SourceRecord[] = format === 'csv' ? csvRecords(text) : ndjsonRecords(text)

  const rejections: LineRejection[] = []
  const events: { line: number; event: CxEventInput }[] = []
  for (const r of records) {
    if (r.error) {
      rejections.push({
        line: r.line,
        event_id: null,
        reason: 'unreadable',
        errors: [{ path: '', message: r.error }],
      })
      continue
    }
    const withId =
      r.value && typeof r.value === 'object' && !Array.isArray(r.value) && !('event_id' in r.value)
        ? {
            ...(r.value as object),
            event_id: deterministicUuid(file, String(r.line), JSON.stringify(r.value)),
          }
        : r.value
    const parsed = parseEvent(withId)
    if (!parsed.ok) {
      const id = (withId as { event_id?: unknown })?.event_id
      rejections.push({
        line: r.line,
        event_id: typeof id === 'string' ? id : null,
        reason: parsed.reason,
        errors: parsed.errors,
      })
      continue
    }
    events.push({ line: r.line, event: withId as CxEventInput })
  }

  return deliverEvents({
    command: 'send',
    events,
    rejections,
    url: flags.url,
    apiKey: key,
    batchSize: flags['batch-size'],
    rate: flags.rate,
    rejectsFile: flags['rejects-file'],
  })
}
