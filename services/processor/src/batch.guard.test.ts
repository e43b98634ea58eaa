import type { KafkaMessage } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { DEFAULT_EVENT_TIME_POLICY } from '@cxpulse/contracts'
import { guardBatch, rawInsertBody } from './batch.guard.ts'

const event = (over: Record<string, unknown> = {}) => ({
  event_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  type: 'survey.response',
  occurred_at: '2026-11-20T10:00:00.000Z',
  received_at: '2026-11-20T10:00:01.000Z',
  tenant_id: 'acme',
  schema_version: 1,
  customer_id: 'c1',
  kind: 'csat',
  score: 4,
  ...over,
})
let offset = 0
const message = (value: string | Buffer | null): KafkaMessage =>
  ({
    offset: String(offset++),
    value: typeof value === 'string' ? Buffer.from(value) : value,
    key: null,
  }) as never
const ctx = { topic: 'p.surveys.v2', domain: 'surveys' as const, policy: DEFAULT_EVENT_TIME_POLICY }

describe('guardBatch: the processor’s cheap guard', () => {
  it('passes valid events through as their own JSON lines, one record holding several', () => {
    const a = event()
    const b = event({ event_id: '1f8fad5b-d9cb-469f-a165-70867728950e' })
    const m = message(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`)
    const { events, refused } = guardBatch([m], ctx)
    expect(refused).toEqual([])
    expect(events.map((e) => [e.offset, e.index, e.line])).toEqual([
      [m.offset, 0, JSON.stringify(a)],
      [m.offset, 1, JSON.stringify(b)],
    ])
  })

  it('refuses each bad line on its own, with a reason and the field, keeping its neighbours', () => {
    const lines = [
      JSON.stringify(event()),
      '{"broken',
      JSON.stringify(event({ event_id: 'not-a-uuid' })),
      JSON.stringify(
        event({ schema_version: 2, event_id: '2f8fad5b-d9cb-469f-a165-70867728950e' }),
      ),
      JSON.stringify(
        event({ type: 'ticket.created', event_id: '3f8fad5b-d9cb-469f-a165-70867728950e' }),
      ),
      JSON.stringify(
        event({
          occurred_at: '2026-11-20 10:00',
          event_id: '4f8fad5b-d9cb-469f-a165-70867728950e',
        }),
      ),
      JSON.stringify(event({ kafka_offset: 1, event_id: '5f8fad5b-d9cb-469f-a165-70867728950e' })),
      JSON.stringify(
        event({
          occurred_at: '2026-11-20T10:10:00.000Z',
          event_id: '6f8fad5b-d9cb-469f-a165-70867728950e',
        }),
      ),
      '[1,2]',
    ]
    const { events, refused } = guardBatch([message(lines.join('\n'))], ctx)
    expect(events).toHaveLength(1)
    expect(refused.map((r) => [r.line?.index, r.reason, r.errors[0]?.path])).toEqual([
      [1, 'invalid_json', ''],
      [2, 'schema', 'event_id'],
      [3, 'schema', 'schema_version'],
      [4, 'wrong_topic', 'type'],
      [5, 'schema', 'occurred_at'],
      [6, 'schema', 'kafka_offset'],
      [7, 'too_far_in_future', 'occurred_at'],
      [8, 'schema', ''],
    ])
  })

  it('refuses undecodable and empty records whole, and keeps the first copy of an event id', () => {
    const { events, refused, duplicates } = guardBatch(
      [
        message(Buffer.from([0xff, 0xfe])),
        message(null),
        message(JSON.stringify(event())),
        message(JSON.stringify(event({ score: 1 }))),
      ],
      ctx,
    )
    expect(refused.map((r) => [r.reason, r.line])).toEqual([
      ['invalid_encoding', undefined],
      ['invalid_json', undefined],
    ])
    expect(duplicates).toBe(1)
    expect(events).toHaveLength(1)
    expect(JSON.parse(events[0]?.line ?? '{}')).toMatchObject({ score: 4 })
  })

  it('applies the late horizon from the event’s own received_at, to surveys but never to lifecycle', () => {
    const policy = { maxFutureMs: 300_000, lateHorizonMs: 86_400_000 }
    const old = { occurred_at: '2026-11-18T10:00:00.000Z' }
    expect(
      guardBatch([message(JSON.stringify(event(old)))], { ...ctx, policy }).refused[0]?.reason,
    ).toBe('too_late')
    const signup = event({ ...old, type: 'customer.signed_up' })
    expect(
      guardBatch([message(JSON.stringify(signup))], {
        topic: 'p.customers.v2',
        domain: 'customers',
        policy,
      }).events,
    ).toHaveLength(1)
  })
})

describe('rawInsertBody', () => {
  it('splices the Kafka position in front of each event’s JSON, one line each', () => {
    const { events } = guardBatch([message(JSON.stringify(event()))], ctx)
    const body = rawInsertBody(events, { topic: 'p.surveys.v2', partition: 3 }).toString()
    expect(JSON.parse(body)).toEqual({
      kafka_topic: 'p.surveys.v2',
      kafka_partition: 3,
      kafka_offset: Number(events[0]?.offset),
      kafka_index: 0,
      ...event(),
    })
  })
})
