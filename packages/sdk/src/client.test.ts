import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parseEvent } from '@cxpulse/contracts'
import { buildEvent, events } from './builders.ts'
import { createCxClient, CxSendError, parseRetryAfter, type Rejection } from './client.ts'

/** A scripted HTTP server: answers requests in order from `script`, records every body. */
let server: Server
let url: string
let script: ((
  body: { events: { event_id: string }[] },
  req: IncomingMessage,
) => [number, unknown, Record<string, string>?] | 'drop')[]
let bodies: { events: { event_id: string }[] }[]
let auths: string[]

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        events: { event_id: string }[]
      }
      bodies.push(body)
      auths.push(String(req.headers.authorization))
      const step = script.shift() ?? (() => [202, { accepted: body.events.length, rejected: [] }])
      const out = step(body, req)
      if (out === 'drop') return void req.socket.destroy()
      const [status, json, headers] = out
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(json))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
beforeEach(() => {
  script = []
  bodies = []
  auths = []
})

const sleeps: number[] = []
const client = (extra: Partial<Parameters<typeof createCxClient>[0]> = {}) =>
  createCxClient({
    url,
    apiKey: 'cxp_test',
    sleep: async (ms) => void sleeps.push(ms),
    ...extra,
  })
const sample = () => [
  events.csat({ customer_id: 'c1', score: 5, dimensions: { channel: 'email' } }),
  events.nps({ customer_id: 'c2', score: 10 }),
  events.ticket('ticket.agent_replied', { customer_id: 'c3', ticket_id: 'T1' }),
  events.customer('customer.purchase', { customer_id: 'c4', amount: '10.00', currency: 'EUR' }),
]

describe('event builders', () => {
  it('build contract-valid events with a fresh UUID and time unless given', () => {
    for (const e of sample()) expect(parseEvent(e).ok).toBe(true)
    const [a, b] = sample()
    expect(a!.event_id).not.toBe(b!.event_id)
    const fixed = buildEvent('customer.churned', {
      customer_id: 'c9',
      event_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
      occurred_at: new Date('2026-01-02T03:04:05Z'),
    })
    expect(fixed).toEqual({
      type: 'customer.churned',
      customer_id: 'c9',
      event_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
      occurred_at: '2026-01-02T03:04:05.000Z',
    })
    expect(events.ces({ customer_id: 'x', score: 3, orientation: 'effort' }).kind).toBe('ces')
  })
})

describe('client', () => {
  it('retries 429, 503 and dropped connections with the same event_ids, honouring Retry-After', async () => {
    sleeps.length = 0
    script = [
      () => [429, { error: 'rate_limited', message: 'slow down' }, { 'retry-after': '2' }],
      () => 'drop',
      () => [503, { error: 'overloaded', message: 'busy' }, { 'retry-after': '1' }],
    ]
    const batch = sample()
    const result = await client().send(batch)
    expect(result).toEqual({ accepted: batch.map((e) => e.event_id), rejected: [] })
    expect(bodies).toHaveLength(4)
    for (const b of bodies)
      expect(b.events.map((e) => e.event_id)).toEqual(batch.map((e) => e.event_id))
    expect(auths.every((a) => a === 'Bearer cxp_test')).toBe(true)
    expect(sleeps[0]).toBeGreaterThanOrEqual(2000)
    expect(sleeps[2]).toBeGreaterThanOrEqual(1000)
  })

  it('reports rejections from the service with the original event and keeps the accepted ones', async () => {
    const batch = sample()
    script = [
      () => [
        202,
        {
          accepted: 3,
          rejected: [
            {
              index: 1,
              event_id: batch[1]!.event_id,
              reason: 'tenant_mismatch',
              errors: [{ path: 'tenant_id', message: 'no' }],
            },
          ],
        },
      ],
    ]
    const seen: Rejection[] = []
    const r = await client({ onRejected: (x) => seen.push(...x) }).send(batch)
    expect(r.accepted).toEqual([batch[0]!.event_id, batch[2]!.event_id, batch[3]!.event_id])
    expect(seen).toEqual([
      {
        event: batch[1],
        event_id: batch[1]!.event_id,
        reason: 'tenant_mismatch',
        errors: [{ path: 'tenant_id', message: 'no' }],
      },
    ])
  })

  it('refuses invalid events locally without sending them', async () => {
    const bad = { ...events.csat({ customer_id: 'c', score: 3 }), score: 9 }
    const good = events.csat({ customer_id: 'c', score: 3 })
    const r = await client().send([bad, good])
    expect(r.accepted).toEqual([good.event_id])
    expect(r.rejected).toMatchObject([
      { reason: 'local_schema', event_id: bad.event_id, errors: [{ path: 'score' }] },
    ])
    expect(bodies.map((b) => b.events.length)).toEqual([1])
  })

  it('halves a batch the service finds too large', async () => {
    script = [() => [413, { error: 'too_many_events', message: 'at most 2' }]]
    const batch = sample()
    const r = await client().send(batch)
    expect(r.accepted).toEqual(batch.map((e) => e.event_id))
    expect(bodies.map((b) => b.events.length)).toEqual([4, 2, 2])
  })

  it('does not retry a bad key and gives up after maxRetries with the undelivered events', async () => {
    script = [() => [401, { error: 'unknown_key', message: 'no' }]]
    const err = await client()
      .send(sample())
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CxSendError)
    expect(err).toMatchObject({ retryable: false, status: 401 })
    expect(bodies).toHaveLength(1)

    bodies = []
    script = Array.from(
      { length: 3 },
      () => () => [503, { error: 'unavailable', message: 'down' }] as [number, unknown],
    )
    const batch = sample()
    const gaveUp = (await client({ maxRetries: 2 })
      .send(batch)
      .catch((e: unknown) => e)) as CxSendError
    expect(gaveUp.retryable).toBe(true)
    expect(gaveUp.events.map((e) => e.event_id)).toEqual(batch.map((e) => e.event_id))
    expect(bodies).toHaveLength(3)
  })

  it('batches enqueued events by size and flushes the rest on close', async () => {
    const c = client({ batchSize: 2, flushIntervalMs: 60_000 })
    const batch = [...sample(), events.nps({ customer_id: 'c5', score: 1 })]
    for (const e of batch) c.enqueue(e)
    await c.close()
    expect(bodies.map((b) => b.events.length)).toEqual([2, 2, 1])
    expect(bodies.flatMap((b) => b.events.map((e) => e.event_id))).toEqual(
      batch.map((e) => e.event_id),
    )
  })

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000)
    expect(parseRetryAfter('soon')).toBeUndefined()
  })
})
