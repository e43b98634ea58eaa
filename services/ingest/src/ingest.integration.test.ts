import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { messageKey, TOPIC_PARTITIONS, topicForEvent, type EventType } from '@cxpulse/contracts'
import { partitionForKey } from '@cxpulse/kafka'
import { testKafka } from '@cxpulse/testkit'
import {
  bearer,
  keys,
  post,
  readDomainTopics,
  startTestIngest,
  validEvents,
} from './ingest.test-support.ts'

const { kafka, brokers } = testKafka()

describe('ingest against the real broker', () => {
  let ingest: Awaited<ReturnType<typeof startTestIngest>>
  /** Every event_id the service said it accepted, across all tests in this block. */
  const ledger = new Set<string>()
  const rejectedIds = new Set<string>()

  beforeAll(async () => {
    ingest = await startTestIngest(kafka, brokers, { maxBodyBytes: 64 * 1024, maxEvents: 50 })
  })
  afterAll(async () => {
    await ingest?.stop()
  })

  const acme = bearer(keys.acme.key)
  const accept = (events: { event_id: string }[]) => events.forEach((e) => ledger.add(e.event_id))

  it('accepts a batch of every event type and answers 202 only with the broker ack', async () => {
    const events = validEvents('cust-a')
    const res = await post(ingest.url, JSON.stringify({ events }), acme)
    expect(res.json).toEqual({ accepted: events.length, rejected: [] })
    expect(res.status).toBe(202)
    accept(events)
  })

  it('accepts one bare event, NDJSON, and the second (rotation) key', async () => {
    const [one] = validEvents('cust-b')
    const single = await post(ingest.url, JSON.stringify(one), bearer(keys.acmeNext.key))
    expect([single.status, single.json]).toEqual([202, { accepted: 1, rejected: [] }])
    accept([one!])

    const lines = validEvents('cust-c').slice(0, 3)
    const ndjson = `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`
    const res = await post(ingest.url, ndjson, { ...acme, 'content-type': 'application/x-ndjson' })
    expect(res.status).toBe(202)
    expect(res.json).toMatchObject({
      accepted: 3,
      rejected: [{ index: 3, reason: 'invalid_json', event_id: null }],
    })
    accept(lines)
  })

  type Case = {
    name: string
    body: string | Buffer
    headers?: Record<string, string>
    status: number
    /** Expected `error` code for whole-request failures. */
    error?: string
    /** For per-event failures: the bad event's index and a field path the error must name. */
    path?: string
    /** Whether valid neighbours go in the same batch (and must be accepted). */
    neighbours?: boolean
  }
  const ev = (fields: Record<string, unknown>) => ({
    event_id: randomUUID(),
    occurred_at: new Date(Date.now() - 1000).toISOString(),
    customer_id: 'cust-bad',
    type: 'survey.response',
    kind: 'csat',
    score: 4,
    ...fields,
  })
  const badEvents: [string, Record<string, unknown>, string][] = [
    ['wrong types', ev({ score: 'five' }), 'score'],
    ['missing required field', ev({ customer_id: undefined }), 'customer_id'],
    [
      'missing ticket_id',
      ev({ type: 'ticket.created', kind: undefined, score: undefined }),
      'ticket_id',
    ],
    ['score outside its scale', ev({ score: 6 }), 'score'],
    ['NPS on a 1–5 scale', ev({ kind: 'nps', score: 3, scale_min: 1, scale_max: 5 }), 'scale_min'],
    ['unknown event type', ev({ type: 'survey.submitted' }), 'type'],
    [
      'future timestamp',
      ev({ occurred_at: new Date(Date.now() + 3600_000).toISOString() }),
      'occurred_at',
    ],
    ['tenant mismatch', ev({ tenant_id: 'globex' }), 'tenant_id'],
    ['control character in customer_id', ev({ customer_id: 'cust\u0000x' }), 'customer_id'],
    [
      'escape sequence in ticket_id',
      ev({ type: 'ticket.created', kind: undefined, score: undefined, ticket_id: '\u001b[2J' }),
      'ticket_id',
    ],
    ['control character in comment', ev({ comment: 'hi\u0007there' }), 'comment'],
    ['lone surrogate in comment', ev({ comment: 'bad \ud83d half' }), 'comment'],
    [
      'bidi override in dimension',
      ev({ dimensions: { agent: 'evil\u202Egpj.exe' } }),
      'dimensions.agent',
    ],
    ['unknown dimension', ev({ dimensions: { mood: 'sad' } }), 'dimensions.mood'],
    ['comment over 4000 chars', ev({ comment: 'é'.repeat(4001) }), 'comment'],
  ]
  const cases: Case[] = [
    { name: 'malformed JSON', body: '{"events": [', status: 400, error: 'invalid_body' },
    { name: 'empty body', body: '', status: 400, error: 'empty_body' },
    { name: 'whitespace body', body: '  \n ', status: 400, error: 'empty_body' },
    { name: 'empty batch', body: '{"events": []}', status: 400, error: 'empty_body' },
    { name: 'events not an array', body: '{"events": {}}', status: 400, error: 'invalid_body' },
    { name: 'JSON array body', body: '[]', status: 400, error: 'invalid_body' },
    {
      name: 'invalid UTF-8',
      body: Buffer.from([0x7b, 0xff, 0x7d]),
      status: 400,
      error: 'invalid_body',
    },
    {
      name: 'oversize body',
      body: JSON.stringify({ events: [ev({ comment: 'x'.repeat(70_000) })] }),
      status: 413,
      error: 'payload_too_large',
    },
    {
      name: 'too many events',
      body: JSON.stringify({ events: Array.from({ length: 51 }, () => ev({})) }),
      status: 413,
      error: 'too_many_events',
    },
    {
      name: 'missing key',
      body: JSON.stringify(ev({})),
      headers: { authorization: '' },
      status: 401,
      error: 'missing_key',
    },
    {
      name: 'wrong key',
      body: JSON.stringify(ev({})),
      headers: bearer(`cxp_${'A'.repeat(43)}`),
      status: 401,
      error: 'unknown_key',
    },
    {
      name: 'malformed key',
      body: JSON.stringify(ev({})),
      headers: { authorization: `Basic ${keys.acme.key}` },
      status: 401,
      error: 'malformed_key',
    },
    {
      name: 'key without ingest scope',
      body: JSON.stringify(ev({})),
      headers: bearer(keys.readOnly.key),
      status: 403,
      error: 'scope',
    },
    {
      name: 'unsupported content type',
      body: 'score=5',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      error: 'unsupported_media_type',
    },
    ...badEvents.map(([name, event, path]): Case => ({
      name: `${name} (alone)`,
      body: JSON.stringify(event),
      status: 400,
      path,
    })),
    ...badEvents.map(([name, event, path]): Case => ({
      name: `${name} (with valid neighbours)`,
      body: JSON.stringify(event),
      status: 202,
      path,
      neighbours: true,
    })),
  ]

  it.each(cases)('$name → $status', async (c) => {
    const neighbours = c.neighbours
      ? [ev({ score: 5 }), ev({ customer_id: 'Ødegård 客户 😀', comment: 'multi\nline\tok' })]
      : []
    let body = c.body
    if (c.neighbours) {
      body = JSON.stringify({ events: [neighbours[0], JSON.parse(String(c.body)), neighbours[1]] })
    }
    const headers = { ...acme, ...c.headers }
    if (c.headers?.authorization === '') delete (headers as Record<string, string>).authorization
    const res = await post(ingest.url, body, headers)

    expect(res.status, JSON.stringify(res.json)).toBe(c.status)
    if (c.error) {
      expect(res.json.error).toBe(c.error)
      expect(typeof res.json.message).toBe('string')
      if (c.status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    }
    if (c.path) {
      const rejected = res.json.rejected as {
        index: number
        event_id: string | null
        errors: { path: string }[]
      }[]
      const badIndex = c.neighbours ? 1 : 0
      expect(rejected).toHaveLength(1)
      expect(rejected[0]!.index).toBe(badIndex)
      expect(rejected[0]!.errors.map((e) => e.path)).toContain(c.path)
      const sentId = (JSON.parse(String(c.body)) as { event_id: string }).event_id
      expect(rejected[0]!.event_id).toBe(sentId)
      rejectedIds.add(sentId)
      expect(res.json.accepted).toBe(neighbours.length)
      accept(neighbours)
    }
    // None of these crashes or wedges the service.
    expect((await fetch(`${ingest.url}/healthz`)).status).toBe(200)
  })

  it('never logs or echoes keys: a 401 body does not contain the presented key', async () => {
    const res = await post(ingest.url, '{}', bearer(`cxp_${'B'.repeat(43)}`))
    expect(JSON.stringify(res.json)).not.toContain('BBBB')
  })

  it('serves readiness, metrics by reason, and an OpenAPI document matching real answers', async () => {
    expect((await fetch(`${ingest.url}/readyz`)).status).toBe(200)
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text()
    expect(metrics).toMatch(/cxpulse_ingest_events_accepted_total\{type="survey.response"\} \d+/)
    expect(metrics).toMatch(/cxpulse_ingest_events_rejected_total\{reason="tenant_mismatch"\} 2/)
    expect(metrics).toMatch(/cxpulse_ingest_events_rejected_total\{reason="too_far_in_future"\} 2/)
    expect(metrics).toMatch(/cxpulse_ingest_produce_duration_seconds_count\{outcome="ok"\} \d+/)
    expect(metrics).toMatch(/cxpulse_ingest_requests_total\{route="\/v1\/events",status="413"\} 2/)

    const doc = (await (await fetch(`${ingest.url}/openapi.json`)).json()) as Record<
      string,
      unknown
    >
    expect(doc.openapi).toBe('3.1.0')
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
    ajv.addSchema(doc, 'openapi')
    const validate = (name: string) => ajv.compile({ $ref: `openapi#/components/schemas/${name}` })
    const event = validate('Event')
    for (const e of validEvents()) expect(event(e), JSON.stringify(event.errors)).toBe(true)
    expect(event(ev({ type: 'nope' }))).toBe(false)
    expect(event(ev({ kind: 'nps', scale_min: 1 }))).toBe(false)
    expect(event(ev({ customer_id: 5 }))).toBe(false)
    expect(validate('EventBatch')({ events: validEvents() })).toBe(true)

    const good = ev({})
    const bad = ev({ score: 9 })
    const partial = await post(ingest.url, JSON.stringify({ events: [good, bad] }), acme)
    accept([good])
    rejectedIds.add(bad.event_id)
    expect(validate('IngestResponse')(partial.json)).toBe(true)
    expect(partial.status).toBe(202)
    const unauth = await post(ingest.url, '{}', {})
    expect(validate('IngestError')(unauth.json)).toBe(true)
    expect(validate('IngestError')(partial.json)).toBe(false)
    const paths = doc.paths as Record<string, { post?: { responses: Record<string, unknown> } }>
    expect(Object.keys(paths['/v1/events']!.post!.responses).sort()).toEqual(
      ['202', '400', '401', '403', '413', '415', '429', '503'].sort(),
    )
  })

  it('wrote exactly the accepted events, each on its topic with its key, enriched (ledger)', async () => {
    const messages = await readDomainTopics(kafka, ingest.prefix)
    const ids = messages.map((m) => String(m.value.event_id))
    // Exactly the accepted set: nothing lost, nothing duplicated, no rejected event slipped in.
    expect(ids.length).toBe(new Set(ids).size)
    expect(new Set(ids)).toEqual(ledger)
    for (const id of rejectedIds) expect(ledger.has(id)).toBe(false)
    expect(ledger.size).toBeGreaterThan(40)

    for (const m of messages) {
      const v = m.value as {
        type: EventType
        tenant_id: string
        customer_id: string
        ticket_id?: string
      }
      expect(m.topic).toBe(topicForEvent(v.type, ingest.prefix))
      // On the partition kafkajs' own partitioner picks for the event's key (the topics were
      // created by ingest with TOPIC_PARTITIONS); the record is keyed by its first event.
      expect(m.partition).toBe(partitionForKey(messageKey(v), TOPIC_PARTITIONS.surveys))
      if (m.index === 0) expect(m.recordKey).toBe(messageKey(v))
      expect(partitionForKey(m.recordKey, TOPIC_PARTITIONS.surveys)).toBe(m.partition)
      expect(v.tenant_id).toBe('acme')
      expect(m.value).toMatchObject({ schema_version: 1, received_at: expect.stringMatching(/Z$/) })
    }
    // One key, one partition: a customer's (or ticket's) events stay in order.
    const partitionsByKey = new Map<string, Set<number>>()
    for (const m of messages) {
      const k = `${m.topic}|${messageKey(m.value as Parameters<typeof messageKey>[0])}`
      const set = partitionsByKey.get(k) ?? new Set()
      set.add(m.partition)
      partitionsByKey.set(k, set)
    }
    for (const set of partitionsByKey.values()) expect(set.size).toBe(1)
    // Defaults were filled before producing.
    const ces = messages.find((m) => m.value.kind === 'ces')
    expect(ces?.value).toMatchObject({ scale_min: 1, scale_max: 7, orientation: 'effort' })
  })
})

describe("ingest applies the pipeline's event-time policy", () => {
  it('refuses a survey older than the late horizon (too_late on occurred_at) and accepts lifecycle history of any age', async () => {
    const DAY = 86_400_000
    const ingest = await startTestIngest(kafka, brokers, {
      eventTime: { maxFutureMs: 5 * 60_000, lateHorizonMs: 30 * DAY },
    })
    try {
      const survey = {
        event_id: randomUUID(),
        type: 'survey.response',
        occurred_at: new Date(Date.now() - 60 * DAY).toISOString(),
        customer_id: 'c-old',
        kind: 'csat',
        score: 4,
      }
      const signup = {
        event_id: randomUUID(),
        type: 'customer.signed_up',
        occurred_at: new Date(Date.now() - 730 * DAY).toISOString(),
        customer_id: 'c-old',
      }
      const res = await post(
        ingest.url,
        JSON.stringify({ events: [survey, signup] }),
        bearer(keys.acme.key),
      )
      expect(res.status).toBe(202)
      expect(res.json).toMatchObject({
        accepted: 1,
        rejected: [
          {
            index: 0,
            reason: 'too_late',
            errors: [{ path: 'occurred_at', message: expect.stringMatching(/30 days/) }],
          },
        ],
      })
    } finally {
      await ingest.stop()
    }
  })
})
