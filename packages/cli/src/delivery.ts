import { writeFile } from 'node:fs/promises'
import type { CxEventInput, FieldError } from '@cxpulse/contracts'
import { createCxClient, type Rejection } from '@cxpulse/sdk'

/** A record that was not accepted, with the input line it came from. */
export interface LineRejection {
  line: number
  event_id: string | null
  reason: string
  errors: FieldError[]
}

/** How many rejections the summary lists; the rest go to --rejects-file. */
const SHOWN_REJECTIONS = 20

/**
 * Progress on stderr: a redrawn bar with the rate on a terminal, a plain line every two
 * seconds otherwise (logs and CI keep readable lines).
 */
export function progressReporter(
  total: number,
  label: string,
  stream: { isTTY?: boolean; write(text: string): unknown } = process.stderr,
) {
  const started = Date.now()
  let last = 0
  const tty = stream.isTTY
  return (done: number, final = false) => {
    const now = Date.now()
    if (!final && now - last < (tty ? 100 : 2_000)) return
    last = now
    const rate = Math.round(done / Math.max(0.001, (now - started) / 1000))
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100)
    if (tty) {
      const bar = '#'.repeat(Math.floor(pct / 4)).padEnd(25, '.')
      stream.write(`\r[${bar}] ${pct}% ${done}/${total} events ${rate}/s${final ? '\n' : ''}`)
    } else {
      stream.write(`${label}: ${done}/${total} events (${pct}%), ${rate}/s\n`)
    }
  }
}

/** `accepted N, rejected M`, then the first rejections by line; the full list to a file. */
export async function printSummary(
  accepted: number,
  rejections: LineRejection[],
  rejectsFile: string | undefined,
  headline = `accepted ${accepted}, rejected ${rejections.length}`,
): Promise<void> {
  rejections.sort((a, b) => a.line - b.line)
  console.log(headline)
  for (const r of rejections.slice(0, SHOWN_REJECTIONS)) {
    const detail = r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')
    console.log(`  line ${r.line}: ${r.reason}${detail ? ` (${detail})` : ''}`)
  }
  if (rejections.length > SHOWN_REJECTIONS) {
    console.log(
      `  … ${rejections.length - SHOWN_REJECTIONS} more${rejectsFile ? '' : ' (--rejects-file to keep them all)'}`,
    )
  }
  if (rejectsFile) {
    await writeFile(
      rejectsFile,
      rejections.map((r) => JSON.stringify(r)).join('\n') + (rejections.length ? '\n' : ''),
    )
  }
}

/**
 * With `--rate R` events per second: how long to wait before sending the events after the
 * first `sent`, so that `sent` events took at least `sent / R` seconds since `startedAt`.
 */
export function paceDelay(sent: number, rate: number | undefined, startedAt: number, now: number) {
  if (!rate) return 0
  return Math.max(0, startedAt + (sent / rate) * 1000 - now)
}

/**
 * Requests per batch: the batch size, but under a rate limit small enough for about four
 * requests a second, so the pace is even rather than one burst and a long pause.
 */
export function pacedBatchSize(batchSize: number, rate: number | undefined): number {
  return rate ? Math.min(batchSize, Math.max(1, Math.ceil(rate / 4))) : batchSize
}

/**
 * Sends events (each with the line it came from) through the SDK in batches, adds the
 * service's rejections to `rejections`, and prints the summary. Returns the exit code: 0 when
 * everything was accepted, 1 when anything was rejected or the service could not be reached.
 */
export async function deliverEvents(options: {
  command: string
  events: { line: number; event: CxEventInput }[]
  rejections: LineRejection[]
  url: string
  apiKey: string
  batchSize: number
  /** Events per second at most (undefined: as fast as the service takes them). */
  rate?: number | undefined
  rejectsFile: string | undefined
}): Promise<number> {
  const { events, rejections, rate } = options
  const batchSize = pacedBatchSize(options.batchSize, rate)
  const lineOf = new Map(events.map((e) => [e.event.event_id.toLowerCase(), e.line]))
  const toLine = (x: Rejection): LineRejection => ({
    line: (x.event_id && lineOf.get(x.event_id.toLowerCase())) || 0,
    event_id: x.event_id,
    reason: x.reason,
    errors: x.errors,
  })
  const client = createCxClient({ url: options.url, apiKey: options.apiKey, batchSize })
  const show = progressReporter(events.length, options.command)
  let accepted = 0
  let sent = 0
  let failure: string | undefined
  const started = Date.now()
  for (let i = 0; i < events.length; i += batchSize) {
    const wait = paceDelay(sent, rate, started, Date.now())
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const batch = events.slice(i, i + batchSize).map((e) => e.event)
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
  await printSummary(accepted, rejections, options.rejectsFile)
  if (failure) {
    console.error(
      `cxpulse ${options.command}: stopped: ${failure}; ${events.length - sent} events not sent (run it again: ids are stable)`,
    )
    return 1
  }
  return rejections.length > 0 ? 1 : 0
}
