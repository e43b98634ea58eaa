import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { z } from 'zod'
import { deterministicUuid, parseEvent, type CxEventInput } from '@cxpulse/contracts'
import { createCxClient, type Rejection } from '@cxpulse/sdk'
import { csvRecords, ndjsonRecords, type SourceRecord } from './records.ts'

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
  --rejects-file PATH  write every rejection as NDJSON
  -h, --help           this text`

export const sendOptions = {
  url: { type: 'string' },
  key: { type: 'string' },
  format: { type: 'string' },
  'batch-size': { type: 'string' },
  'rejects-file': { type: 'string' },
} as const

export const sendFlags = z.object({
  _: z.array(z.string()).length(1, 'give exactly one FILE'),
  url: z.url().default('http://127.0.0.1:8080'),
  key: z.string().min(1).optional(),
  format: z.enum(['ndjson', 'csv']).optional(),
  'batch-size': z.coerce.number().int().min(1).max(10_000).default(500),
  'rejects-file': z.string().min(1).optional(),
})

interface LineRejection {
  line: number
  event_id: string | null
  reason: string
  errors: { path: string; message: string }[]
}

function progress(command: string, total: number) {
  const started = Date.now()
  let last = 0
  const tty = process.stderr.isTTY
  return (done: number, final = false) => {
    const now = Date.now()
    if (!final && now - last < (tty ? 100 : 2_000)) return
    last = now
    const rate = Math.round(done / Math.max(0.001, (now - started) / 1000))
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100)
    if (tty) {
      const bar = '#'.repeat(Math.floor(pct / 4)).padEnd(25, '.')
      process.stderr.write(
        `\r[${bar}] ${pct}% ${done}/${total} events ${rate}/s${final ? '\n' : ''}`,
      )
    } else {
      process.stderr.write(`${command}: ${done}/${total} events (${pct}%), ${rate}/s\n`)
    }
  }
}

export async function runSend(flags: z.output<typeof sendFlags>): Promise<number> {
  const file = resolve(flags._[0]!)
  const text = await readFile(file, 'utf8')
  const format = flags.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson')
  const records = (format === 'csv' ? csvRecords(text) : ndjsonRecords(text)).map((r) =>
    // A record without an id gets one from its file, line and content: re-sends count once.
    r.value && typeof r.value === 'object' && !Array.isArray(r.value) && !('event_id' in r.value)
      ? {
          ...r,
          value: {
            ...(r.value as object),
            event_id: deterministicUuid(file, String(r.line), JSON.stringify(r.value)),
          },
        }
      : r,
  )
  return deliverRecords('send', records, {
    url: flags.url,
    key: flags.key,
    batchSize: flags['batch-size'],
    rejectsFile: flags['rejects-file'],
  })
}

/**
 * Validates records as events, sends the valid ones through the SDK (batches, retries that
 * keep ids), shows progress, and prints "accepted N, rejected M" with each rejected line.
 * Returns the exit code: 1 when anything was rejected or could not be sent.
 */
export async function deliverRecords(
  command: string,
  records: readonly SourceRecord[],
  o: { url: string; key: string | undefined; batchSize: number; rejectsFile: string | undefined },
): Promise<number> {
  const key = o.key ?? process.env['CXPULSE_API_KEY']
  if (!key) {
    console.error(`cxpulse ${command}: give --key or set CXPULSE_API_KEY`)
    return 2
  }
  const rejections: LineRejection[] = []
  const lineOf = new Map<string, number>()
  const events: CxEventInput[] = []
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
    const parsed = parseEvent(r.value)
    if (!parsed.ok) {
      const id = (r.value as { event_id?: unknown })?.event_id
      rejections.push({
        line: r.line,
        event_id: typeof id === 'string' ? id : null,
        reason: parsed.reason,
        errors: parsed.errors,
      })
      continue
    }
    lineOf.set(parsed.event.event_id, r.line)
    events.push(r.value as CxEventInput)
  }

  const client = createCxClient({ url: o.url, apiKey: key, batchSize: o.batchSize })
  const show = progress(command, events.length)
  let accepted = 0
  const toLine = (x: Rejection): LineRejection => ({
    line: (x.event_id && lineOf.get(x.event_id)) || 0,
    event_id: x.event_id,
    reason: x.reason,
    errors: x.errors,
  })
  let failure: string | undefined
  let sent = 0
  for (let i = 0; i < events.length; i += o.batchSize) {
    const batch = events.slice(i, i + o.batchSize)
    try {
      const result = await client.send(batch)
      accepted += result.accepted.length
      rejections.push(...result.rejected.map(toLine))
    } catch (error) {
      failure = (error as Error).message
      break
    }
    sent += batch.length
    show(sent)
  }
  show(sent, true)

  rejections.sort((a, b) => a.line - b.line)
  console.log(`accepted ${accepted}, rejected ${rejections.length}`)
  for (const r of rejections.slice(0, 20)) {
    const detail = r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')
    console.log(`  line ${r.line}: ${r.reason}${detail ? ` (${detail})` : ''}`)
  }
  if (rejections.length > 20) {
    console.log(
      `  … ${rejections.length - 20} more${o.rejectsFile ? '' : ' (--rejects-file to keep them all)'}`,
    )
  }
  if (o.rejectsFile) {
    await writeFile(
      o.rejectsFile,
      rejections.map((r) => JSON.stringify(r)).join('\n') + (rejections.length ? '\n' : ''),
    )
  }
  if (failure) {
    console.error(
      `cxpulse ${command}: stopped: ${failure}; ${events.length - sent} events not sent (run it again: ids are stable)`,
    )
    return 1
  }
  return rejections.length > 0 ? 1 : 0
}
