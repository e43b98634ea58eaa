import { describe, expect, it } from 'vitest'
import { enrichEvent, parseEnrichedEvent, parseEvent } from './parse.ts'
import { deterministicUuid } from './ids.ts'
import type { FieldError } from './errors.ts'

const NOW = Date.parse('2026-11-20T10:00:00.000Z')
const base = {
  event_id: '0F8FAD5B-D9CB-469F-A165-70867728950E',
  occurred_at: '2026-11-20T11:00:00.000+02:00',
  customer_id: 'cust-1',
}
const parse = (v: unknown) => parseEvent(v, { now: NOW })
const errorsOf = (v: unknown): FieldError[] => {
  const r = parse(v)
  if (r.ok) throw new Error(`expected rejection of ${JSON.stringify(v)}`)
  return r.errors
}

describe('parseEvent: valid events and defaults', () => {
  it('fills survey defaults per kind and normalises ids and timestamps', () => {
    const csat = parse({ ...base, type: 'survey.response', kind: 'csat', score: 4 })
    expect(csat).toEqual({
      ok: true,
      event: {
        ...base,
        event_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
        occurred_at: '2026-11-20T09:00:00.000Z',
        type: 'survey.response',
        kind: 'csat',
        score: 4,
        scale_min: 1,
        scale_max: 5,
      },
    })
    const nps = parse({ ...base, type: 'survey.response', kind: 'nps', score: 0 })
    expect(nps.ok && nps.event).toMatchObject({ scale_min: 0, scale_max: 10 })
    const ces = parse({ ...base, type: 'survey.response', kind: 'ces', score: 7 })
    expect(ces.ok && ces.event).toMatchObject({
      scale_min: 1,
      scale_max: 7,
      orientation: 'agreement',
    })
  })

  it.each([
    [
      {
        type: 'survey.response',
        kind: 'csat',
        score: 10,
        scale_min: 1,
        scale_max: 10,
        positive_min: 8,
      },
    ],
    [
      {
        type: 'survey.response',
        kind: 'ces',
        score: 2,
        orientation: 'effort',
        comment: 'Line 1\n\tok 😀',
      },
    ],
    [{ type: 'ticket.created', ticket_id: 'T-1', complaint: true, queue_wait_seconds: 0 }],
    [{ type: 'ticket.agent_replied', ticket_id: 'T-1', feedback_event_id: base.event_id }],
    [{ type: 'customer.purchase', amount: '49.90', currency: 'EUR', gross_margin: 0.4 }],
    [{ type: 'customer.purchase', amount_minor: 4990, currency: 'USD' }],
    [{ type: 'customer.referred', referred_customer_id: 'c-2' }],
    [{ type: 'qa.review', criteria: [{ name: 'tone', score: 90, weight: 2 }] }],
    [
      {
        type: 'customer.signed_up',
        customer_id: 'Ødegård-客户-😀',
        dimensions: { channel: 'chat', locale: 'nb-NO' },
      },
    ],
  ])('accepts %j', (fields) => {
    const r = parse({ ...base, ...fields })
    expect(r.ok ? 'ok' : r.errors).toBe('ok')
  })

  it('accepts occurred_at exactly at the future limit and rejects one millisecond past it', () => {
    const at = (ms: number) => new Date(NOW + ms).toISOString()
    const ev = (ms: number) => ({ ...base, type: 'customer.churned', occurred_at: at(ms) })
    expect(parseEvent(ev(300_000), { now: NOW }).ok).toBe(true)
    expect(parseEvent(ev(300_001), { now: NOW })).toMatchObject({
      ok: false,
      reason: 'too_far_in_future',
    })
    expect(parseEvent(ev(60_000), { now: NOW, maxFutureMs: 1000 }).ok).toBe(false)
  })
})

describe('parseEvent: every rejection names the field and the rule', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['not an object', [], '', /object/],
    [
      'unknown type',
      { ...base, type: 'survey.submitted' },
      'type',
      /unknown type "survey.submitted"/,
    ],
    ['missing type', { ...base }, 'type', /required/],
    [
      'missing customer_id',
      { ...base, customer_id: undefined, type: 'customer.churned' },
      'customer_id',
      /required/,
    ],
    [
      'wrong type',
      { ...base, type: 'survey.response', kind: 'csat', score: '5' },
      'score',
      /number/,
    ],
    [
      'non-integer score',
      { ...base, type: 'survey.response', kind: 'csat', score: 4.5 },
      'score',
      /integer/,
    ],
    [
      'score outside scale',
      { ...base, type: 'survey.response', kind: 'csat', score: 6 },
      'score',
      /outside its scale 1–5/,
    ],
    [
      'score below scale',
      { ...base, type: 'survey.response', kind: 'ces', score: 0 },
      'score',
      /outside its scale 1–7/,
    ],
    [
      'NPS on 1–5',
      { ...base, type: 'survey.response', kind: 'nps', score: 3, scale_min: 1, scale_max: 5 },
      'scale_min',
      /NPS is defined only on the 0–10 scale/,
    ],
    [
      'CSAT on 0–9',
      { ...base, type: 'survey.response', kind: 'csat', score: 3, scale_min: 0, scale_max: 9 },
      'scale_max',
      /not allowed/,
    ],
    [
      'positive_min outside scale',
      { ...base, type: 'survey.response', kind: 'csat', score: 3, positive_min: 6 },
      'positive_min',
      /outside the scale/,
    ],
    [
      'orientation on CSAT',
      { ...base, type: 'survey.response', kind: 'csat', score: 3, orientation: 'effort' },
      'orientation',
      /unknown field/,
    ],
    [
      'unknown kind',
      { ...base, type: 'survey.response', kind: 'ces2', score: 3 },
      'kind',
      /unknown kind/,
    ],
    [
      'comment too long',
      { ...base, type: 'survey.response', kind: 'csat', score: 3, comment: 'x'.repeat(4001) },
      'comment',
      /at most 4000/,
    ],
    [
      'NUL in comment',
      { ...base, type: 'survey.response', kind: 'csat', score: 3, comment: 'a\u0000b' },
      'comment',
      /control characters/,
    ],
    [
      'lone surrogate in comment',
      { ...base, type: 'survey.response', kind: 'csat', score: 3, comment: 'a\ud800b' },
      'comment',
      /lone surrogate/,
    ],
    [
      'control char in customer_id',
      { ...base, customer_id: 'c\u001b[31m', type: 'customer.churned' },
      'customer_id',
      /control characters/,
    ],
    [
      'newline in ticket_id',
      { ...base, type: 'ticket.created', ticket_id: 'T\n1' },
      'ticket_id',
      /control characters/,
    ],
    [
      'bidi override in id',
      { ...base, customer_id: 'abc\u202Efed', type: 'customer.churned' },
      'customer_id',
      /bidirectional/,
    ],
    [
      'blank customer_id',
      { ...base, customer_id: '   ', type: 'customer.churned' },
      'customer_id',
      /blank/,
    ],
    [
      'customer_id too long',
      { ...base, customer_id: 'c'.repeat(129), type: 'customer.churned' },
      'customer_id',
      /at most 128/,
    ],
    [
      'bad event_id',
      { ...base, event_id: 'not-a-uuid', type: 'customer.churned' },
      'event_id',
      /UUID/,
    ],
    [
      'timestamp without offset',
      { ...base, occurred_at: '2026-11-20T10:00:00', type: 'customer.churned' },
      'occurred_at',
      /RFC 3339/,
    ],
    [
      'future timestamp',
      { ...base, occurred_at: '2026-11-20T10:06:00Z', type: 'customer.churned' },
      'occurred_at',
      /future/,
    ],
    [
      'ancient timestamp',
      { ...base, occurred_at: '1999-12-31T23:59:59Z', type: 'customer.churned' },
      'occurred_at',
      /2000/,
    ],
    [
      'unknown dimension',
      { ...base, type: 'customer.churned', dimensions: { colour: 'red' } },
      'dimensions.colour',
      /unknown field/,
    ],
    [
      'dimension too long',
      { ...base, type: 'customer.churned', dimensions: { agent: 'a'.repeat(65) } },
      'dimensions.agent',
      /at most 64/,
    ],
    [
      'unknown top-level field',
      { ...base, type: 'customer.churned', scroe: 5 },
      'scroe',
      /unknown field/,
    ],
    [
      'feedback_event_id on resolved',
      { ...base, type: 'ticket.resolved', ticket_id: 'T', feedback_event_id: base.event_id },
      'feedback_event_id',
      /unknown field/,
    ],
    [
      'negative queue wait',
      { ...base, type: 'ticket.created', ticket_id: 'T', queue_wait_seconds: -1 },
      'queue_wait_seconds',
      />= 0/,
    ],
    [
      'queue wait over 30 days',
      { ...base, type: 'ticket.created', ticket_id: 'T', queue_wait_seconds: 2592001 },
      'queue_wait_seconds',
      /30 days/,
    ],
    [
      'both amounts',
      { ...base, type: 'customer.purchase', amount: '1.00', amount_minor: 100, currency: 'EUR' },
      'amount',
      /exactly one/,
    ],
    ['no amount', { ...base, type: 'customer.purchase', currency: 'EUR' }, 'amount', /exactly one/],
    [
      'five decimals',
      { ...base, type: 'customer.purchase', amount: '1.00001', currency: 'EUR' },
      'amount',
      /at most 4 decimals/,
    ],
    [
      'zero amount',
      { ...base, type: 'customer.purchase', amount: '0.00', currency: 'EUR' },
      'amount',
      /positive/,
    ],
    [
      'lower-case currency',
      { ...base, type: 'customer.purchase', amount: '1', currency: 'eur' },
      'currency',
      /ISO 4217/,
    ],
    [
      'margin above 1',
      { ...base, type: 'customer.purchase', amount: '1', currency: 'EUR', gross_margin: 1.5 },
      'gross_margin',
      /between 0 and 1/,
    ],
    ['no criteria', { ...base, type: 'qa.review', criteria: [] }, 'criteria', /at least 1/],
    [
      '51 criteria',
      {
        ...base,
        type: 'qa.review',
        criteria: Array.from({ length: 51 }, (_, i) => ({ name: `c${i}`, score: 1, weight: 1 })),
      },
      'criteria',
      /at most 50/,
    ],
    [
      'zero weight',
      { ...base, type: 'qa.review', criteria: [{ name: 'a', score: 1, weight: 0 }] },
      'criteria[0].weight',
      /> 0/,
    ],
  ]
  it.each(cases)('%s', (_name, input, path, rule) => {
    const errors = errorsOf(input)
    const hit = errors.find((e) => e.path === path)
    expect(hit, JSON.stringify(errors)).toBeDefined()
    expect(hit?.message).toMatch(rule)
  })
})

describe('enriched events', () => {
  const parsed = parse({ ...base, type: 'ticket.created', ticket_id: 'T-9' })
  if (!parsed.ok) throw new Error('fixture invalid')
  const enriched = enrichEvent(parsed.event, { tenantId: 'acme', receivedAt: new Date(NOW) })

  it('round-trips through bytes and tolerates fields added later in the same version', () => {
    const bytes = Buffer.from(JSON.stringify({ ...enriched, added_later: true }))
    expect(parseEnrichedEvent(bytes)).toEqual({ ok: true, event: enriched })
    expect(enriched).toMatchObject({
      tenant_id: 'acme',
      received_at: '2026-11-20T10:00:00.000Z',
      schema_version: 1,
    })
  })

  it('gives machine-readable reasons', () => {
    expect(parseEnrichedEvent(Buffer.from([0xff, 0xfe]))).toMatchObject({
      ok: false,
      reason: 'invalid_encoding',
    })
    expect(parseEnrichedEvent('{"event_id":')).toMatchObject({ ok: false, reason: 'invalid_json' })
    const noTenant = { ...enriched, tenant_id: undefined }
    expect(parseEnrichedEvent(JSON.stringify(noTenant))).toMatchObject({
      ok: false,
      reason: 'schema',
      errors: [{ path: 'tenant_id', message: 'required' }],
    })
    expect(parseEnrichedEvent({ ...enriched, schema_version: 2 })).toMatchObject({
      ok: false,
      errors: [{ path: 'schema_version' }],
    })
  })
})

describe('deterministicUuid', () => {
  it('derives the same UUID-shaped id from the same parts, another from other parts', () => {
    const a = deterministicUuid('file.csv', '2', 'row')
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(deterministicUuid('file.csv', '2', 'row')).toBe(a)
    expect(deterministicUuid('file.csv', '3', 'row')).not.toBe(a)
  })
})
