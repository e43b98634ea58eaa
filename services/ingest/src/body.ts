import type { IncomingMessage } from 'node:http'
import type { FieldError } from '@cxpulse/contracts'

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message)
  }
}

const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
])

export type BodyFormat = 'json' | 'ndjson'

/** Decides the body format from Content-Type; a missing type is taken as JSON. */
export function bodyFormat(contentType: string | undefined): BodyFormat {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/json' || type === '') return 'json'
  if (NDJSON_TYPES.has(type)) return 'ndjson'
  throw new BodyError(415, 'unsupported_media_type', 'use application/json or application/x-ndjson')
}

/** Reads at most `maxBytes`; a larger body is refused as soon as it is known to be larger. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new BodyError(413, 'payload_too_large', `body is larger than ${maxBytes} bytes`)
  }
  if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity') {
    throw new BodyError(415, 'unsupported_media_type', 'compressed bodies are not supported')
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        // Answer now; keep reading and discarding the rest so the client can read the answer
        // (closing mid-upload makes most clients report a reset instead of the 413).
        req.off('data', onData)
        req.resume()
        reject(new BodyError(413, 'payload_too_large', `body is larger than ${maxBytes} bytes`))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks, size)))
    // The client hung up mid-upload: its fault, not the server's (a 4xx outcome, not a 500 in
    // the logs and metrics); nobody is left to read the answer.
    req.once('error', () =>
      reject(
        new BodyError(
          400,
          'incomplete_body',
          'the connection closed before the whole body arrived',
        ),
      ),
    )
  })
}

/** One item of a batch: a decoded value, or (NDJSON only) the reason its line did not decode. */
export type BodyItem = { value: unknown } | { error: FieldError }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Splits a body into events: one event object, `{"events": [...]}`, or NDJSON (one event per
 * non-blank line; a line that is not JSON rejects that line only).
 */
export function parseBody(body: Buffer, format: BodyFormat, maxEvents: number): BodyItem[] {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new BodyError(400, 'invalid_body', 'body is not valid UTF-8')
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (text.trim() === '') throw new BodyError(400, 'empty_body', 'body is empty')

  let items: BodyItem[]
  if (format === 'ndjson') {
    const lines = text.split('\n').filter((l) => l.trim() !== '')
    tooMany(lines.length, maxEvents)
    items = lines.map((line) => {
      try {
        return { value: JSON.parse(line) as unknown }
      } catch (error) {
        return {
          error: { path: '', message: `line is not valid JSON: ${(error as Error).message}` },
        }
      }
    })
  } else {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      throw new BodyError(
        400,
        'invalid_body',
        `body is not valid JSON: ${(error as Error).message}`,
      )
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new BodyError(400, 'invalid_body', 'expected one event object or {"events": [...]}', [
        { path: '', message: 'must be an object' },
      ])
    }
    if ('events' in value) {
      const { events, ...rest } = value as { events: unknown }
      const extra = Object.keys(rest)
      if (extra.length > 0) {
        throw new BodyError(
          400,
          'invalid_body',
          'a batch has only the "events" field',
          extra.map((k) => ({ path: k, message: 'unknown field (not in the contract)' })),
        )
      }
      if (!Array.isArray(events)) {
        throw new BodyError(400, 'invalid_body', '"events" must be an array', [
          { path: 'events', message: 'must be an array' },
        ])
      }
      tooMany(events.length, maxEvents)
      items = events.map((v: unknown) => ({ value: v }))
    } else {
      items = [{ value }]
    }
  }
  if (items.length === 0) {
    throw new BodyError(400, 'empty_body', 'no events in the body', [
      { path: 'events', message: 'must contain at least 1 event' },
    ])
  }
  return items
}

function tooMany(count: number, maxEvents: number) {
  if (count > maxEvents) {
    throw new BodyError(413, 'too_many_events', `at most ${maxEvents} events per request`, [
      { path: 'events', message: `must contain at most ${maxEvents} events, got ${count}` },
    ])
  }
}
