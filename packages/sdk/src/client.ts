import {
  ingestErrorSchema,
  ingestResponseSchema,
  parseEvent,
  type CxEventInput,
  type FieldError,
} from '@cxpulse/contracts'

export interface Rejection {
  event: CxEventInput
  event_id: string | null
  /** `schema`, `too_far_in_future`, `tenant_mismatch`, …; `local_schema` when the SDK refused it before sending. */
  reason: string
  errors: FieldError[]
}

export interface SendResult {
  /** event_ids the service accepted (written to Kafka). */
  accepted: string[]
  rejected: Rejection[]
}

/** A failure that is not about individual events: bad key, or still failing after every retry. */
export class CxSendError extends Error {
  override name = 'CxSendError'
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | undefined,
    /** The events that were not delivered; resend them as they are (same event_ids). */
    readonly events: CxEventInput[],
  ) {
    super(message)
  }
}

export interface CxClientOptions {
  /** Base URL of the ingest service, e.g. `https://cx.example.com`. */
  url: string
  apiKey: string
  /** Events per request (≤ the service's limit). */
  batchSize?: number
  /** Buffered events are sent at least this often. */
  flushIntervalMs?: number
  /** Retries per request on 429, 503, other 5xx and network errors. */
  maxRetries?: number
  initialBackoffMs?: number
  maxBackoffMs?: number
  requestTimeoutMs?: number
  /** Validate events locally with the contract before sending (default true). */
  validate?: boolean
  /** Called with every rejection (local or from the service), also for buffered sends. */
  onRejected?: (rejections: Rejection[]) => void
  /** Called when a buffered flush fails as a whole (after retries). */
  onError?: (error: CxSendError) => void
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504])

/** Seconds or an HTTP date, as servers write Retry-After. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export function createCxClient(options: CxClientOptions) {
  const o = {
    batchSize: 500,
    flushIntervalMs: 1000,
    maxRetries: 8,
    initialBackoffMs: 200,
    maxBackoffMs: 30_000,
    requestTimeoutMs: 15_000,
    validate: true,
    fetch: globalThis.fetch.bind(globalThis),
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    ...options,
  }
  const endpoint = `${o.url.replace(/\/+$/, '')}/v1/events`
  let buffer: CxEventInput[] = []
  let timer: NodeJS.Timeout | undefined
  let pending: Promise<unknown> = Promise.resolve()

  function report(rejections: Rejection[]) {
    if (rejections.length > 0) o.onRejected?.(rejections)
  }

  /** One request with retries; the body is serialised once so every attempt carries the same event_ids. */
  async function postBatch(batch: CxEventInput[]): Promise<SendResult> {
    const body = JSON.stringify({ events: batch })
    for (let attempt = 0; ; attempt++) {
      let status: number | undefined
      let waitMs: number | undefined
      let reason: string
      try {
        const res = await o.fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` },
          body,
          signal: AbortSignal.timeout(o.requestTimeoutMs),
        })
        status = res.status
        const text = await res.text()
        const json: unknown = text ? JSON.parse(text) : {}
        const outcome = ingestResponseSchema.safeParse(json)
        if ((status === 202 || status === 400) && outcome.success) {
          const rejectedIdx = new Set(outcome.data.rejected.map((r) => r.index))
          return {
            accepted: batch.filter((_, i) => !rejectedIdx.has(i)).map((e) => e.event_id),
            rejected: outcome.data.rejected.map((r) => ({
              event: batch[r.index]!,
              event_id: r.event_id,
              reason: r.reason,
              errors: r.errors,
            })),
          }
        }
        if (status === 413 && batch.length > 1) {
          // Too big for the service's limits: halve until it fits (same events, same ids).
          const mid = Math.ceil(batch.length / 2)
          const [a, b] = [await postBatch(batch.slice(0, mid)), await postBatch(batch.slice(mid))]
          return {
            accepted: [...a.accepted, ...b.accepted],
            rejected: [...a.rejected, ...b.rejected],
          }
        }
        const err = ingestErrorSchema.safeParse(json)
        reason = err.success ? `${err.data.error}: ${err.data.message}` : `HTTP ${status}`
        if (!RETRY_STATUSES.has(status)) {
          if (status === 400 || status === 413 || status === 415) {
            const errors =
              err.success && err.data.errors ? err.data.errors : [{ path: '', message: reason }]
            return {
              accepted: [],
              rejected: batch.map((event) => ({
                event,
                event_id: event.event_id,
                reason: err.success ? err.data.error : 'invalid_body',
                errors,
              })),
            }
          }
          throw new CxSendError(`ingest refused the request (${reason})`, false, status, batch)
        }
        waitMs = parseRetryAfter(res.headers.get('retry-after'))
      } catch (error) {
        if (error instanceof CxSendError) throw error
        reason = `network: ${(error as Error).message}`
      }
      if (attempt >= o.maxRetries) {
        throw new CxSendError(
          `gave up after ${attempt + 1} attempts (${reason})`,
          true,
          status,
          batch,
        )
      }
      // Full jitter, but never sooner than the server asked.
      const backoff = Math.random() * Math.min(o.maxBackoffMs, o.initialBackoffMs * 2 ** attempt)
      await o.sleep(Math.max(waitMs ?? 0, backoff))
    }
  }

  /** Sends now (in batches of `batchSize`) and resolves with what was accepted and rejected. */
  async function send(input: CxEventInput | CxEventInput[]): Promise<SendResult> {
    const list = Array.isArray(input) ? input : [input]
    const result: SendResult = { accepted: [], rejected: [] }
    let toSend = list
    if (o.validate) {
      toSend = []
      for (const event of list) {
        const parsed = parseEvent(event, { maxFutureMs: Number.MAX_SAFE_INTEGER })
        if (parsed.ok) toSend.push(event)
        else {
          const id = (event as { event_id?: unknown }).event_id
          result.rejected.push({
            event,
            event_id: typeof id === 'string' ? id : null,
            reason: 'local_schema',
            errors: parsed.errors,
          })
        }
      }
    }
    for (let i = 0; i < toSend.length; i += o.batchSize) {
      const r = await postBatch(toSend.slice(i, i + o.batchSize))
      result.accepted.push(...r.accepted)
      result.rejected.push(...r.rejected)
    }
    report(result.rejected)
    return result
  }

  /** Buffers an event; it is sent with the next full batch or at the next flush interval. */
  function enqueue(event: CxEventInput) {
    buffer.push(event)
    if (buffer.length >= o.batchSize) void flush().catch(() => {})
    else timer ??= setTimeout(() => void flush().catch(() => {}), o.flushIntervalMs)
  }

  /** Sends everything buffered so far; flushes run one after another, in order. */
  function flush(): Promise<SendResult> {
    if (timer) clearTimeout(timer)
    timer = undefined
    const batch = buffer
    buffer = []
    const run = pending.then(async () => {
      if (batch.length === 0) return { accepted: [], rejected: [] }
      try {
        return await send(batch)
      } catch (error) {
        if (error instanceof CxSendError) o.onError?.(error)
        throw error
      }
    })
    pending = run.catch(() => {})
    return run
  }

  async function close() {
    await flush().catch(() => {})
    await pending
  }

  return {
    send,
    enqueue,
    flush,
    close,
    get buffered() {
      return buffer.length
    },
  }
}
export type CxClient = ReturnType<typeof createCxClient>
