import { describe, expect, it } from 'vitest'
import { createCxClient, events, type Rejection } from '@cxpulse/sdk'
import { testKafka, waitFor } from '@cxpulse/testkit'
import {
  bearer,
  keys,
  post,
  readDomainTopics,
  startTestIngest,
  validEvents,
} from './ingest.test-support.ts'

const { kafka, brokers } = testKafka()
const ids = (list: { event_id: string }[]) => list.map((e) => e.event_id)

describe('ingest limits, SDK retries and shutdown against the real broker', () => {
  it('answers 429 with Retry-After per tenant; other tenants are unaffected', async () => {
    const ingest = await startTestIngest(kafka, brokers, { ratePerSec: 1, rateBurst: 12 })
    try {
      const first = validEvents('r1')
      expect(
        (await post(ingest.url, JSON.stringify({ events: first }), bearer(keys.acme.key))).status,
      ).toBe(202)
      const limited = await post(
        ingest.url,
        JSON.stringify({ events: validEvents('r2').slice(0, 5) }),
        bearer(keys.acme.key),
      )
      expect(limited.status).toBe(429)
      expect(limited.json.error).toBe('rate_limited')
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      const other = validEvents('r3')
      expect(
        (await post(ingest.url, JSON.stringify({ events: other }), bearer(keys.globex.key))).status,
      ).toBe(202)
      const written = await readDomainTopics(kafka, ingest.prefix)
      expect(new Set(written.map((m) => String(m.value.event_id)))).toEqual(
        new Set(ids([...first, ...other])),
      )
    } finally {
      await ingest.stop()
    }
  })

  it('the SDK rides through rate limiting: every event lands exactly once (ledger)', async () => {
    const ingest = await startTestIngest(kafka, brokers, { ratePerSec: 40, rateBurst: 20 })
    try {
      const statuses: number[] = []
      const rejected: Rejection[] = []
      const client = createCxClient({
        url: ingest.url,
        apiKey: keys.acme.key,
        batchSize: 10,
        initialBackoffMs: 20,
        maxRetries: 30,
        onRejected: (r) => rejected.push(...r),
        fetch: async (input, init) => {
          const res = await fetch(input, init)
          statuses.push(res.status)
          return res
        },
      })
      const sent = Array.from({ length: 120 }, (_, i) =>
        i % 3 === 0
          ? events.csat({ customer_id: `sdk-${i % 7}`, score: 1 + (i % 5) })
          : i % 3 === 1
            ? events.ticket('ticket.created', { customer_id: `sdk-${i % 7}`, ticket_id: `T-${i}` })
            : events.customer('customer.signed_up', { customer_id: `sdk-${i}` }),
      )
      const bad = events.nps({ customer_id: 'sdk-x', score: 5, tenant_id: 'globex' })
      const result = await client.send([...sent.slice(0, 60), bad, ...sent.slice(60)])
      expect(statuses).toContain(429)
      expect(result.accepted.sort()).toEqual(ids(sent).sort())
      expect(rejected).toMatchObject([{ event_id: bad.event_id, reason: 'tenant_mismatch' }])

      const written = await readDomainTopics(kafka, ingest.prefix)
      const got = written.map((m) => String(m.value.event_id))
      expect(got.length).toBe(sent.length)
      expect(new Set(got)).toEqual(new Set(ids(sent)))
    } finally {
      await ingest.stop()
    }
  })

  it('answers 503 with Retry-After when in-flight produces are at their bound; 202s are all in Kafka', async () => {
    const ingest = await startTestIngest(kafka, brokers, { maxInflightRequests: 1 })
    try {
      const batches = Array.from({ length: 24 }, (_, i) => validEvents(`bp-${i}`))
      const answers = await Promise.all(
        batches.map((b) => post(ingest.url, JSON.stringify({ events: b }), bearer(keys.acme.key))),
      )
      const statuses = answers.map((a) => a.status)
      expect(statuses.every((s) => s === 202 || s === 503)).toBe(true)
      expect(statuses).toContain(503)
      expect(statuses).toContain(202)
      for (const a of answers.filter((x) => x.status === 503)) {
        expect(a.headers.get('retry-after')).toBe('1')
        expect(a.json.error).toBe('overloaded')
      }
      const acceptedIds = batches.flatMap((b, i) => (answers[i]!.status === 202 ? ids(b) : []))
      const written = await readDomainTopics(kafka, ingest.prefix)
      expect(new Set(written.map((m) => String(m.value.event_id)))).toEqual(new Set(acceptedIds))
      expect(written.length).toBe(acceptedIds.length)

      const tiny = await startTestIngest(kafka, brokers, { maxInflightBytes: 1024 })
      try {
        const big = await post(
          tiny.url,
          JSON.stringify({ events: validEvents('big') }),
          bearer(keys.acme.key),
        )
        expect([big.status, big.json.error]).toEqual([503, 'overloaded'])
      } finally {
        await tiny.stop()
      }
    } finally {
      await ingest.stop()
    }
  })

  it('stops gracefully: not ready, in-flight requests finish with their acks, stop() twice is safe', async () => {
    const ingest = await startTestIngest(kafka, brokers)
    const batches = Array.from({ length: 8 }, (_, i) => validEvents(`sd-${i}`))
    let answered = 0
    const inflight = batches.map((b) =>
      post(ingest.url, JSON.stringify({ events: b }), bearer(keys.acme.key)).then(
        (r) => {
          answered += 1
          return r
        },
        () => undefined,
      ),
    )
    // Stop once the first answer is back, while the others are still being handled.
    await waitFor('a first answer', async () => (answered > 0 ? true : undefined))
    const [s1, s2] = [ingest.stop(), ingest.stop()]
    expect(s1).toBe(s2)
    await s1
    const answers = await Promise.all(inflight)
    const acceptedIds = batches.flatMap((b, i) => (answers[i]?.status === 202 ? ids(b) : []))
    for (const a of answers) if (a) expect([202, 503]).toContain(a.status)
    expect(acceptedIds.length).toBeGreaterThan(0)
    const written = await readDomainTopics(kafka, ingest.prefix)
    expect(new Set(written.map((m) => String(m.value.event_id)))).toEqual(new Set(acceptedIds))
    await expect(fetch(`${ingest.url}/healthz`)).rejects.toThrow()
  })
})
