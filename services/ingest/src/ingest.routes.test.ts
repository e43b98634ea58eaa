import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import type { TopicMessages } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyStore, generateApiKey } from '@cxpulse/auth'
import {
  messageKey,
  parseEnrichedEvent,
  RECORD_FORMAT,
  RECORD_FORMAT_HEADER,
  recordLines,
  topicNames,
} from '@cxpulse/contracts'
import { partitionForKey } from '@cxpulse/kafka'
import { testLogger } from '@cxpulse/testkit'
import { createIngestMetrics } from './ingest.metrics.ts'
import { handleEvents, type EventsRouteDeps } from './ingest.routes.ts'
import type { BoundedProducer } from './producer.ts'
import { RateLimiter } from './rate-limit.ts'

/** handleEvents over HTTP with a producer that only records what it was given. */
const key = generateApiKey()
const topics = topicNames('unit')
const PARTITIONS: Record<string, number> = {
  [topics.surveys]: 6,
  [topics.tickets]: 4,
  [topics.customers]: 3,
  [topics.qa]: 1,
}
const sent: { topicMessages: TopicMessages[]; bytes: number }[] = []
const metrics = createIngestMetrics()
const producer = {
  hasRoom: () => true,
  lastFailureAt: 0,
  send: async (topicMessages: TopicMessages[], bytes: number) => {
    sent.push({ topicMessages, bytes })
    return 'sent' as const
  },
} as unknown as BoundedProducer
const deps: EventsRouteDeps = {
  keys: createKeyStore([{ id: 'k1', tenant_id: 'acme', hash: key.hash, scopes: ['ingest'] }]),
  producer,
  limiter: new RateLimiter(1e9, 1e9),
  metrics,
  topics,
  partitions: (topic) => PARTITIONS[topic]!,
  limits: {
    maxBodyBytes: 16 * 2 ** 20,
    maxEvents: 100_000,
    eventTime: { maxFutureMs: 300_000, lateHorizonMs: null },
  },
  clock: () => new Date(),
  stopping: () => false,
  log: testLogger,
}

let server: Server
let url: string
beforeAll(async () => {
  server = createServer((req, res) => void handleEvents(req, res, deps))
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((ok) => server.close(() => ok())))

async function post(events: unknown[]) {
  sent.length = 0
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  })
  const json = (await res.json()) as { accepted: number }
  return { status: res.status, json }
}

const at = () => new Date(Date.now() - 60_000).toISOString()
const survey = (customer: string, comment = '') => ({
  event_id: randomUUID(),
  type: 'survey.response',
  occurred_at: at(),
  customer_id: customer,
  kind: 'csat',
  score: 4,
  ...(comment ? { comment } : {}),
})
const ticket = (id: string) => ({
  event_id: randomUUID(),
  type: 'ticket.resolved',
  occurred_at: at(),
  customer_id: 'c',
  ticket_id: id,
})

describe('POST /v1/events records', () => {
  it('writes one v2 record per topic and partition, each event on its own key’s partition', async () => {
    const events = [
      ...Array.from({ length: 40 }, (_, i) => survey(`cust-${i % 13}`)),
      ...Array.from({ length: 10 }, (_, i) => ticket(`T-${i}`)),
    ]
    const { status, json } = await post(events)
    expect(status).toBe(202)
    expect(json.accepted).toBe(50)
    expect(sent).toHaveLength(1)
    const seen: string[] = []
    for (const { topic, messages } of sent[0]!.topicMessages) {
      const partitions = messages.map((m) => m.partition)
      // One record per partition (small request: no split), partitions distinct.
      expect(new Set(partitions).size).toBe(messages.length)
      for (const m of messages) {
        expect(m.headers).toEqual({ [RECORD_FORMAT_HEADER]: RECORD_FORMAT })
        const lines = recordLines(String(m.value))
        expect(lines.length).toBeGreaterThan(0)
        const first = parseEnrichedEvent(lines[0]!)
        expect(first.ok && m.key === messageKey(first.event)).toBe(true)
        for (const line of lines) {
          const parsed = parseEnrichedEvent(line)
          if (!parsed.ok) throw new Error(`invalid line ${line}`)
          expect(parsed.event.tenant_id).toBe('acme')
          expect(m.partition).toBe(partitionForKey(messageKey(parsed.event), PARTITIONS[topic]!))
          seen.push(parsed.event.event_id)
        }
      }
    }
    // Every accepted event exactly once, in request order per topic and partition.
    expect(seen.sort()).toEqual(events.map((e) => e.event_id).sort())
    // Backpressure still counts event bytes (values and keys), not records.
    const expectedBytes = sent[0]!.topicMessages
      .flatMap((tm) => tm.messages)
      .flatMap((m) => recordLines(String(m.value)))
      .reduce((n, line) => {
        const parsed = parseEnrichedEvent(line)
        return parsed.ok
          ? n + Buffer.byteLength(line) + Buffer.byteLength(messageKey(parsed.event))
          : n
      }, 0)
    expect(sent[0]!.bytes).toBe(expectedBytes)
  })

  it('keeps the order of one customer’s events and splits a large request into ≤ 512 KiB records', async () => {
    const comment = 'é'.repeat(1500)
    const events = Array.from({ length: 600 }, () => survey('one-customer', comment))
    const { status } = await post(events)
    expect(status).toBe(202)
    const [tm] = sent[0]!.topicMessages
    expect(sent[0]!.topicMessages).toHaveLength(1)
    expect(tm!.messages.length).toBeGreaterThan(1)
    const partition = partitionForKey('acme:one-customer', 6)
    const ids: string[] = []
    for (const m of tm!.messages) {
      expect(m.partition).toBe(partition)
      expect(Buffer.byteLength(String(m.value))).toBeLessThanOrEqual(512 * 1024)
      for (const line of recordLines(String(m.value))) {
        ids.push((JSON.parse(line) as { event_id: string }).event_id)
      }
    }
    expect(ids).toEqual(events.map((e) => e.event_id))
  })

  it('counts accepted events per type, not per record', async () => {
    // prom-client hands out its live value objects: read the numbers right away.
    const count = async (type: string) =>
      (await metrics.accepted.get()).values.find((x) => x.labels.type === type)?.value ?? 0
    const surveys = await count('survey.response')
    const tickets = await count('ticket.resolved')
    await post([survey('a'), survey('a'), survey('b'), ticket('T-9')])
    expect(sent[0]!.topicMessages.flatMap((tm) => tm.messages)).toHaveLength(3)
    expect((await count('survey.response')) - surveys).toBe(3)
    expect((await count('ticket.resolved')) - tickets).toBe(1)
  })
})
