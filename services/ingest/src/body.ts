import type { FieldError } from '@cxpulse/contracts'
import { HttpError, decodeUtf8 } from '@cxpulse/http'

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
  throw new HttpError(415, 'unsupported_media_type', 'use application/json or application/x-ndjson')
}

/** One item of a batch: a decoded value, or (NDJSON only) the reason its line did not decode. */
export type BodyItem = { value: unknown } | { error: FieldError }

/**
 * Splits a body into events: one event object, `{"events": [...]}`, or NDJSON (one event per
 * non-blank line; a line that is not JSON rejects that line only).
 */
export function parseBody(body: Buffer, format: BodyFormat, maxEvents: number): BodyItem[] {
  let text = decodeUtf8(body)
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (text.trim() === '') throw new HttpError(400, 'empty_body', 'body is empty')

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
      throw new HttpError(
        400,
        'invalid_body',
        `body is not valid JSON: ${(error as Error).message}`,
      )
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new HttpError(400, 'invalid_body', 'expected one event object or {"events": [...]}', [
        { path: '', message: 'must be an object' },
      ])
    }
    if ('events' in value) {
      const { events, ...rest } = value as { events: unknown }
      const extra = Object.keys(rest)
      if (extra.length > 0) {
        throw new HttpError(
          400,
          'invalid_body',
          'a batch has only the "events" field',
          extra.map((k) => ({ path: k, message: 'unknown field (not in the contract)' })),
        )
      }
      if (!Array.isArray(events)) {
        throw new HttpError(400, 'invalid_body', '"events" must be an array', [
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
    throw new HttpError(400, 'empty_body', 'no events in the body', [
      { path: 'events', message: 'must contain at least 1 event' },
    ])
  }
  return items
}

function tooMany(count: number, maxEvents: number) {
  if (count > maxEvents) {
    throw new HttpError(413, 'too_many_events', `at most ${maxEvents} events per request`, [
      { path: 'events', message: `must contain at most ${maxEvents} events, got ${count}` },
    ])
  }
}
