import { z } from 'zod'

/** C0/C1 control characters (includes DEL). Tabs and newlines are allowed only in free text. */
const CONTROL = /\p{Cc}/u
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/
/** Bidirectional overrides/isolates let an id render differently from its bytes. */
const BIDI = /[\u202A-\u202E\u2066-\u2069]/
/** A lone UTF-16 surrogate (JSON `"\ud800"`) cannot be encoded as UTF-8 for Kafka. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * An identifier chosen by a sender (customer, ticket, agent…): any Unicode text without
 * control characters, bidi overrides or lone surrogates, not blank.
 */
export function safeId(max: number) {
  return z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((s) => !CONTROL.test(s), { error: 'must not contain control characters' })
    .refine((s) => !BIDI.test(s), { error: 'must not contain bidirectional override characters' })
    .refine((s) => !LONE_SURROGATE.test(s), { error: 'must be valid Unicode (lone surrogate)' })
    .refine((s) => s.trim().length > 0, { error: 'must not be blank' })
}

/** Free text (comments): tabs and line breaks allowed, other control characters are not. */
export function safeText(max: number) {
  return z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .refine((s) => !CONTROL_EXCEPT_WHITESPACE.test(s), {
      error: 'must not contain control characters other than tab and line breaks',
    })
    .refine((s) => !LONE_SURROGATE.test(s), { error: 'must be valid Unicode (lone surrogate)' })
}

/** UUIDs are idempotency keys, so two spellings of one UUID must compare equal: lower-cased. */
export const uuid = z
  .uuid({ error: 'must be a UUID (e.g. 0f8fad5b-d9cb-469f-a165-70867728950e)' })
  .transform((s) => s.toLowerCase())

/** Earliest instant accepted anywhere (ClickHouse DateTime64 and sane data). */
export const MIN_TIMESTAMP_MS = Date.UTC(2000, 0, 1)

/**
 * RFC 3339 with an explicit offset (`Z` or `±hh:mm`). Normalised to UTC with millisecond
 * precision so every consumer buckets the same instant the same way.
 */
export const timestamp = z.iso
  .datetime({
    offset: true,
    error: 'must be an RFC 3339 timestamp with offset, e.g. 2026-11-20T10:00:00.000Z',
  })
  .refine((s) => Date.parse(s) >= MIN_TIMESTAMP_MS, { error: 'must not be before 2000-01-01' })
  .transform((s) => new Date(s).toISOString())

export const DIMENSION_KEYS = [
  'channel',
  'agent',
  'team',
  'product',
  'region',
  'segment',
  'locale',
] as const
export type DimensionKey = (typeof DIMENSION_KEYS)[number]

export const dimensionsSchema = z.strictObject(
  Object.fromEntries(DIMENSION_KEYS.map((k) => [k, safeId(64).optional()])) as Record<
    DimensionKey,
    z.ZodOptional<ReturnType<typeof safeId>>
  >,
)
export type Dimensions = z.output<typeof dimensionsSchema>
