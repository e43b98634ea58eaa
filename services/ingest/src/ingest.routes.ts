import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TopicMessages } from 'kafkajs'
import type { KeyStore } from '@cxpulse/auth'
import {
  enrichEvent,
  groupRecords,
  messageKey,
  parseEvent,
  topicForEvent,
  type IngestError,
  type IngestResponse,
  type RecordEvent,
  type RejectedEvent,
  type EventTimePolicy,
  type TopicNames,
} from '@cxpulse/contracts'
import { partitionForKey } from '@cxpulse/kafka'
import { HttpError, readBody, sendJson } from '@cxpulse/http'
import type { Logger } from '@cxpulse/logger'
import { bodyFormat, parseBody } from './body.ts'
import type { IngestMetrics } from './ingest.metrics.ts'
import { ProduceError, type BoundedProducer } from './producer.ts'
import type { RateLimiter } from './rate-limit.ts'

export interface EventsRouteDeps {
  keys: KeyStore
  producer: BoundedProducer
  limiter: RateLimiter
  /** Per API key, checked before the tenant's bucket. */
  keyLimiter?: RateLimiter
  metrics: IngestMetrics
  topics: TopicNames
  /** The partition count of a domain topic, as the broker last reported it (partitions.ts). */
  partitions: (topic: string) => number
  limits: { maxBodyBytes: number; maxEvents: number; eventTime: EventTimePolicy }
  clock: () => Date
  /** True once shutdown began: new work is refused so in-flight produces can drain. */
  stopping: () => boolean
  log: Logger
}

export interface Outcome {
  status: number
  tenant?: string
  keyId?: string
  events?: number
  accepted?: number
  rejected?: number
  bytes?: number
  error?: string
}

function fail(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  extra: { errors?: IngestError['errors']; headers?: Record<string, string> } = {},
): Outcome {
  const body: IngestError = { error, message, ...(extra.errors ? { errors: extra.errors } : {}) }
  sendJson(res, status, body, extra.headers)
  return { status, error }
}

const AUTH_MESSAGES = {
  missing_key: 'send Authorization: Bearer <api key>',
  malformed_key: 'the Authorization header does not hold a cxpulse API key',
  unknown_key: 'the API key is not valid (revoked, rotated out or mistyped)',
  scope: 'this API key may not ingest events',
} as const

/** POST /v1/events. Never throws: every outcome is an HTTP answer. */
export async function handleEvents(
  req: IncomingMessage,
  res: ServerResponse,
  deps: EventsRouteDeps,
): Promise<Outcome> {
  if (deps.stopping()) {
    return fail(res, 503, 'unavailable', 'shutting down', {
      headers: { 'retry-after': '1', connection: 'close' },
    })
  }
  const auth = deps.keys.authenticateHeader(req.headers.authorization, 'ingest')
  if (!auth.ok) {
    const headers: Record<string, string> =
      auth.status === 401 ? { 'www-authenticate': 'Bearer realm="cxpulse"' } : {}
    return fail(res, auth.status, auth.reason, AUTH_MESSAGES[auth.reason], { headers })
  }
  const who = { tenant: auth.tenantId, keyId: auth.keyId }

  // Refuse early, before reading the body, when the producer is already full or the broker down.
  const declared = Number(req.headers['content-length']) || 0
  if (!deps.producer.hasRoom(Math.min(declared, deps.limits.maxBodyBytes))) {
    deps.metrics.rejected.inc({ reason: 'overloaded' })
    return {
      ...fail(res, 503, 'overloaded', 'too much work waiting for the broker; retry later', {
        headers: { 'retry-after': '1' },
      }),
      ...who,
    }
  }
  if (deps.producer.lastFailureAt > Date.now() - 1000) {
    return {
      ...fail(res, 503, 'unavailable', 'Kafka is not reachable; retry later', {
        headers: { 'retry-after': '1' },
      }),
      ...who,
    }
  }

  let items
  let bytes = 0
  try {
    const format = bodyFormat(req.headers['content-type'])
    const body = await readBody(req, deps.limits.maxBodyBytes)
    bytes = body.length
    items = parseBody(body, format, deps.limits.maxEvents)
  } catch (error) {
    if (error instanceof HttpError) {
      return {
        ...fail(res, error.status, error.code, error.message, {
          ...(error.errors ? { errors: [...error.errors] } : {}),
        }),
        ...who,
        bytes,
      }
    }
    throw error
  }

  // The key's own bucket first (one noisy or leaked key cannot drain its tenant's), then the
  // tenant's; a request the tenant's bucket refuses costs the key nothing.
  const keyLimited = deps.keyLimiter?.take(auth.keyId, items.length) ?? { ok: true }
  const limited = keyLimited.ok ? deps.limiter.take(auth.tenantId, items.length) : keyLimited
  if (keyLimited.ok && !limited.ok) deps.keyLimiter?.refund(auth.keyId, items.length)
  if (!limited.ok) {
    deps.metrics.rejected.inc({ reason: 'rate_limited' }, items.length)
    const which = keyLimited.ok ? 'tenant' : 'API key'
    return {
      ...fail(res, 429, 'rate_limited', `${which} rate limit exceeded`, {
        headers: { 'retry-after': String(limited.retryAfterSec) },
      }),
      ...who,
      bytes,
      events: items.length,
    }
  }

  const now = deps.clock()
  const rejected: RejectedEvent[] = []
  const byTopic = new Map<string, RecordEvent[]>()
  const acceptedTypes: string[] = []
  const seen = new Set<string>()
  let payloadBytes = 0
  items.forEach((item, index) => {
    const rawId =
      'value' in item ? (item.value as { event_id?: unknown } | null)?.event_id : undefined
    const event_id = typeof rawId === 'string' ? rawId.slice(0, 128) : null
    const reject = (reason: string, errors: RejectedEvent['errors']) => {
      rejected.push({ index, event_id, reason, errors })
      deps.metrics.rejected.inc({ reason })
    }
    if ('error' in item) return reject('invalid_json', [item.error])
    const parsed = parseEvent(item.value, { now, policy: deps.limits.eventTime })
    if (!parsed.ok) return reject(parsed.reason, parsed.errors)
    const event = parsed.event
    if (event.tenant_id !== undefined && event.tenant_id !== auth.tenantId) {
      return reject('tenant_mismatch', [
        { path: 'tenant_id', message: "does not match the API key's tenant" },
      ])
    }
    if (seen.has(event.event_id)) {
      return reject('duplicate_in_request', [
        { path: 'event_id', message: 'appears more than once in this request' },
      ])
    }
    seen.add(event.event_id)
    const enriched = enrichEvent(event, { tenantId: auth.tenantId, receivedAt: now })
    const value = JSON.stringify(enriched)
    const key = messageKey(enriched)
    const valueBytes = Buffer.byteLength(value)
    payloadBytes += valueBytes + Buffer.byteLength(key)
    const topic = topicForEvent(event.type, deps.topics)
    let list = byTopic.get(topic)
    if (!list) byTopic.set(topic, (list = []))
    list.push({ key, value, bytes: valueBytes })
    acceptedTypes.push(event.type)
  })

  const outcome = { ...who, bytes, events: items.length, rejected: rejected.length }
  if (acceptedTypes.length === 0) {
    sendJson(res, 400, { accepted: 0, rejected } satisfies IngestResponse)
    return { ...outcome, status: 400, accepted: 0 }
  }

  // Topic format v2 (contracts/records.ts): one record per topic and partition of this request,
  // split only to stay under MAX_RECORD_BYTES. Per-message costs in kafkajs and the broker were
  // most of ingest's CPU per event. Each event goes to the partition kafkajs would have chosen
  // for its own key, so a resent event still meets its first copy there (the processor
  // deduplicates per partition). No per-event headers: a record holds several events.
  const topicMessages: TopicMessages[] = []
  for (const [topic, events] of byTopic) {
    const partitions = deps.partitions(topic)
    const records = groupRecords(events, (key) => partitionForKey(key, partitions))
    topicMessages.push({
      topic,
      messages: records.map(({ key, value, partition, headers }) => ({
        key,
        value,
        partition,
        headers,
      })),
    })
  }

  try {
    const sent = await deps.producer.send(topicMessages, payloadBytes)
    if (sent === 'no_room') {
      deps.metrics.rejected.inc({ reason: 'overloaded' }, items.length)
      return {
        ...fail(res, 503, 'overloaded', 'too much work waiting for the broker; retry later', {
          headers: { 'retry-after': '1' },
        }),
        ...outcome,
      }
    }
  } catch (error) {
    if (!(error instanceof ProduceError)) throw error
    deps.log.warn({ err: error.message, code: error.code, tenant: auth.tenantId }, 'produce failed')
    deps.metrics.rejected.inc({ reason: 'unavailable' }, acceptedTypes.length)
    // Some messages may have been written; a retry with the same event_ids is deduplicated downstream.
    return {
      ...fail(
        res,
        503,
        'unavailable',
        'Kafka did not acknowledge the events; retry with the same event_ids',
        {
          headers: { 'retry-after': '1' },
        },
      ),
      ...outcome,
    }
  }
  for (const type of acceptedTypes) deps.metrics.accepted.inc({ type })
  sendJson(res, 202, { accepted: acceptedTypes.length, rejected } satisfies IngestResponse)
  return { ...outcome, status: 202, accepted: acceptedTypes.length }
}
