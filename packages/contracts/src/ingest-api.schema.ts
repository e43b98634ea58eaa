import { z } from 'zod'

/** The HTTP contract between senders (the SDK, curl) and the ingest service. */

export const fieldErrorSchema = z.object({
  path: z.string().meta({
    description: 'field path, e.g. `score`, `dimensions.channel`; empty = the whole body',
  }),
  message: z.string().meta({ description: 'the rule that was broken' }),
})

export const rejectedEventSchema = z.object({
  index: z
    .number()
    .int()
    .min(0)
    .meta({ description: 'position in the batch (or NDJSON line number − 1)' }),
  event_id: z
    .string()
    .nullable()
    .meta({ description: 'the event_id as sent, when it was a string' }),
  reason: z.string().meta({
    description:
      'machine-readable: schema, too_far_in_future, tenant_mismatch, duplicate_in_request, invalid_json',
  }),
  errors: z.array(fieldErrorSchema).min(1),
})

/** 202 (some or all accepted) and 400 with every event rejected. */
export const ingestResponseSchema = z.object({
  accepted: z
    .number()
    .int()
    .min(0)
    .meta({ description: 'events written to Kafka (broker-acknowledged)' }),
  rejected: z.array(rejectedEventSchema),
})
export type IngestResponse = z.output<typeof ingestResponseSchema>
export type RejectedEvent = z.output<typeof rejectedEventSchema>

/** Every other error (malformed body, keys, size, rate limit, overload). */
export const ingestErrorSchema = z.object({
  error: z.string().meta({
    description:
      'machine-readable: invalid_body, empty_body, missing_key, malformed_key, unknown_key, scope, payload_too_large, too_many_events, rate_limited, overloaded, unavailable, unsupported_media_type, not_found, method_not_allowed',
  }),
  message: z.string(),
  errors: z.array(fieldErrorSchema).optional(),
})
export type IngestError = z.output<typeof ingestErrorSchema>
