import { z } from 'zod'
import { dimensionsSchema, safeId, timestamp, uuid } from './primitives.ts'

/** The version of the enriched event written to Kafka; bump only for a breaking change. */
export const SCHEMA_VERSION = 1 as const

/** Fields every event carries, as a sender writes them. */
const inputEnvelopeShape = {
  event_id: uuid,
  occurred_at: timestamp,
  customer_id: safeId(128),
  tenant_id: safeId(64).optional(),
  dimensions: dimensionsSchema.optional(),
}

/** Fields every event carries once ingest has accepted it. */
const enrichedEnvelopeShape = {
  ...inputEnvelopeShape,
  tenant_id: safeId(64),
  received_at: timestamp,
  schema_version: z.literal(SCHEMA_VERSION, {
    error: `unsupported schema_version; this reader understands ${SCHEMA_VERSION}`,
  }),
}

export type Mode = 'input' | 'enriched'
export type EnvelopeFor<M extends Mode> = M extends 'input'
  ? typeof inputEnvelopeShape
  : typeof enrichedEnvelopeShape

export function envelopeShape<M extends Mode>(mode: M): EnvelopeFor<M> {
  return (mode === 'input' ? inputEnvelopeShape : enrichedEnvelopeShape) as EnvelopeFor<M>
}

/**
 * Input is strict (an unknown field is most likely a typo and is rejected); enriched events
 * are read leniently (unknown fields stripped) so a reader tolerates additive changes made
 * within the same schema version.
 */
export function eventObject<S extends z.core.$ZodLooseShape>(
  mode: Mode,
  shape: S,
): z.ZodObject<S, z.core.$strict> {
  // Strict and stripping objects have the same output type; only unknown-key handling differs.
  return mode === 'input' ? z.strictObject(shape) : (z.object(shape) as never)
}
