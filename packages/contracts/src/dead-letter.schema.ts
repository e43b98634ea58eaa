import { z } from 'zod'

/** Reasons known today; the schema accepts any snake_case code so new ones are additive. */
export const DEAD_LETTER_REASONS = [
  'invalid_json',
  'invalid_encoding',
  'schema',
  'too_far_in_future',
  'too_late',
  'wrong_topic',
  'unknown_topic',
  'processing_failed',
] as const
export type KnownDeadLetterReason = (typeof DEAD_LETTER_REASONS)[number]

export const deadLetterSchema = z.object({
  reason: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'must be a snake_case code' }),
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
  topic: z.string().min(1),
  partition: z.number().int().min(0),
  /** Kafka offsets are 64-bit; kept as a decimal string like kafkajs does. */
  offset: z.string().regex(/^\d+$/),
  /** Position of the event in its record (topic format v2 holds several per record). */
  index: z.number().int().min(0).optional(),
  /** The original message value, UTF-8 text when it decodes, otherwise base64. */
  raw: z.string(),
  raw_encoding: z.enum(['utf8', 'base64']),
  /** The original message key, if any (same encoding rule as raw). */
  key: z.string().nullable().optional(),
  at: z.iso.datetime({ offset: true }),
})
export type DeadLetter = z.output<typeof deadLetterSchema>

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

export function encodeRaw(bytes: Uint8Array | string | null): {
  raw: string
  raw_encoding: 'utf8' | 'base64'
} {
  if (bytes === null) return { raw: '', raw_encoding: 'utf8' }
  if (typeof bytes === 'string') return { raw: bytes, raw_encoding: 'utf8' }
  try {
    return { raw: strictUtf8.decode(bytes), raw_encoding: 'utf8' }
  } catch {
    return { raw: Buffer.from(bytes).toString('base64'), raw_encoding: 'base64' }
  }
}

/** Builds a validated dead-letter record from the message that could not be processed. */
export function buildDeadLetter(input: {
  reason: KnownDeadLetterReason | (string & {})
  errors: { path: string; message: string }[]
  topic: string
  partition: number
  offset: string
  index?: number
  value: Uint8Array | string | null
  key?: Uint8Array | null
  at?: Date
}): DeadLetter {
  const { raw, raw_encoding } = encodeRaw(input.value)
  return deadLetterSchema.parse({
    reason: input.reason,
    errors: input.errors,
    topic: input.topic,
    partition: input.partition,
    offset: input.offset,
    ...(input.index !== undefined ? { index: input.index } : {}),
    raw,
    raw_encoding,
    ...(input.key !== undefined
      ? { key: input.key === null ? null : Buffer.from(input.key).toString('utf8') }
      : {}),
    at: (input.at ?? new Date()).toISOString(),
  })
}
