import type { KafkaMessage } from 'kafkajs'
import {
  EVENT_TYPES,
  SCHEMA_VERSION,
  checkEventTime,
  domainForEvent,
  recordLines,
  type Domain,
  type EventTimePolicy,
  type EventType,
  type FieldError,
} from '@cxpulse/contracts'

/**
 * The processor's cheap guard (ARCHITECTURE.md, "Where per-event work belongs"). Ingest
 * validated every event fully; what is checked here is only what a foreign producer's bytes
 * could break before the engine sees them — encoding, JSON, the envelope (schema version,
 * tenant, id, timestamps, the type belonging on this topic) and the event-time policy. The
 * engine parses the rest and its table constraints refuse what is still wrong.
 */

/** One event that passed the guard, as the line of its record it came from. */
export interface GuardedEvent {
  offset: string
  index: number
  /** The event's JSON object text, trimmed. */
  line: string
  eventId: string
  tenantId: string
  occurredMs: number
}

/** Something the guard refused, ready to become a dead letter. */
export interface Refused {
  message: KafkaMessage
  /** Set when the record held several events: which line, and its text. */
  line?: { index: number; value: string }
  reason: string
  errors: FieldError[]
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)$/
const TYPES = new Set<string>(EVENT_TYPES)
/** Columns the processor writes itself; an event that carries one is not ours. */
const RESERVED = ['kafka_topic', 'kafka_partition', 'kafka_offset', 'kafka_index', 'inserted_at']

function envelopeProblem(
  value: unknown,
  domain: Domain,
  topic: string,
): { reason: string; errors: FieldError[] } | undefined {
  const schema = (path: string, message: string) => ({
    reason: 'schema',
    errors: [{ path, message }],
  })
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return schema('', 'must be a JSON object')
  }
  const e = value as Record<string, unknown>
  if (e['schema_version'] !== SCHEMA_VERSION) {
    return schema('schema_version', `unsupported; this reader understands ${SCHEMA_VERSION}`)
  }
  if (typeof e['tenant_id'] !== 'string' || e['tenant_id'].trim() === '') {
    return schema('tenant_id', 'must be a non-empty string')
  }
  if (typeof e['event_id'] !== 'string' || !UUID.test(e['event_id'])) {
    return schema('event_id', 'must be a UUID')
  }
  if (typeof e['type'] !== 'string' || !TYPES.has(e['type'])) {
    return schema('type', 'must be a known event type')
  }
  for (const field of ['occurred_at', 'received_at']) {
    const at = e[field]
    if (typeof at !== 'string' || !RFC3339.test(at) || Number.isNaN(Date.parse(at))) {
      return schema(field, 'must be an RFC 3339 timestamp with offset')
    }
  }
  for (const field of RESERVED) {
    if (field in e) return schema(field, 'is set by the processor, not by events')
  }
  if (domainForEvent(e['type'] as EventType) !== domain) {
    return {
      reason: 'wrong_topic',
      errors: [{ path: 'type', message: `${e['type']} events do not belong on ${topic}` }],
    }
  }
  return undefined
}

/**
 * Splits one partition's records into the events worth handing to ClickHouse and the ones
 * refused. Deterministic for the same messages (times are checked against each event's own
 * received_at), so a replayed batch rebuilds exactly its first content. The first copy of an
 * event_id in the batch wins.
 */
export function guardBatch(
  messages: readonly KafkaMessage[],
  ctx: { topic: string; domain: Domain; policy: EventTimePolicy },
): { events: GuardedEvent[]; refused: Refused[]; duplicates: number } {
  const events: GuardedEvent[] = []
  const refused: Refused[] = []
  const seen = new Set<string>()
  let duplicates = 0
  for (const message of messages) {
    let lines: string[]
    try {
      lines = recordLines(utf8.decode(message.value ?? new Uint8Array()))
    } catch {
      refused.push({
        message,
        reason: 'invalid_encoding',
        errors: [{ path: '', message: 'not valid UTF-8' }],
      })
      continue
    }
    if (lines.length === 0) {
      refused.push({ message, reason: 'invalid_json', errors: [{ path: '', message: 'empty' }] })
      continue
    }
    for (let index = 0; index < lines.length; index++) {
      const text = (lines[index] ?? '').trim()
      const line = lines.length > 1 ? { index, value: text } : undefined
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        refused.push({
          message,
          ...(line ? { line } : {}),
          reason: 'invalid_json',
          errors: [{ path: '', message: `not valid JSON: ${(error as Error).message}` }],
        })
        continue
      }
      const problem = envelopeProblem(value, ctx.domain, ctx.topic)
      if (problem) {
        refused.push({ message, ...(line ? { line } : {}), ...problem })
        continue
      }
      const e = value as {
        event_id: string
        tenant_id: string
        type: EventType
        occurred_at: string
        received_at: string
      }
      const occurredMs = Date.parse(e.occurred_at)
      const late = checkEventTime(e.type, occurredMs, Date.parse(e.received_at), ctx.policy)
      if (late) {
        refused.push({ message, ...(line ? { line } : {}), ...late })
        continue
      }
      const eventId = e.event_id.toLowerCase()
      if (seen.has(eventId)) {
        duplicates++
        continue
      }
      seen.add(eventId)
      events.push({
        offset: message.offset,
        index,
        line: text,
        eventId,
        tenantId: e.tenant_id,
        occurredMs,
      })
    }
  }
  return { events, refused, duplicates }
}

/**
 * The JSONEachRow body for a raw insert: each event's own JSON with where it came from
 * spliced in front (the guard made sure it is an object without those keys).
 */
export function rawInsertBody(
  events: readonly GuardedEvent[],
  origin: { topic: string; partition: number },
): Buffer {
  const prefix = `{"kafka_topic":${JSON.stringify(origin.topic)},"kafka_partition":${origin.partition},`
  const parts: string[] = new Array<string>(events.length)
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as GuardedEvent
    parts[i] = `${prefix}"kafka_offset":${e.offset},"kafka_index":${e.index},${e.line.slice(1)}`
  }
  return Buffer.from(parts.join('\n'))
}

/** `offset:index`, how positionsPresent names an event's place in its partition. */
export const positionOf = (e: Pick<GuardedEvent, 'offset' | 'index'>) => `${e.offset}:${e.index}`
