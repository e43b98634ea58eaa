import { describe, expect, expectTypeOf, it } from 'vitest'
import type { TopicSpec } from '@cxpulse/kafka'
import {
  messageKey,
  TOPIC_SPECS,
  topicForEvent,
  topicNames,
  type ContractTopicSpec,
} from './topics.ts'
import { EVENT_TYPES } from './event.schema.ts'
import { MAX_RECORD_BYTES } from './records.ts'
import { buildDeadLetter, deadLetterSchema } from './dead-letter.schema.ts'

describe('topics', () => {
  it('names versioned topics under a configurable prefix', () => {
    expect(topicNames()).toEqual({
      surveys: 'cxpulse.surveys.v2',
      tickets: 'cxpulse.tickets.v2',
      customers: 'cxpulse.customers.v2',
      qa: 'cxpulse.qa.v2',
      deadLetter: 'cxpulse.dead-letter.v1',
      alerts: 'cxpulse.alerts.v1',
    })
    expect(topicNames('t_ab12').surveys).toBe('t_ab12.surveys.v2')
    expect(() => topicNames('bad prefix')).toThrow(/invalid topic prefix/)
  })

  it('routes every event type to its domain topic', () => {
    const routes = Object.fromEntries(EVENT_TYPES.map((t) => [t, topicForEvent(t, 'p')]))
    expect(routes).toEqual({
      'survey.response': 'p.surveys.v2',
      'survey.sent': 'p.surveys.v2',
      'ticket.created': 'p.tickets.v2',
      'ticket.first_response': 'p.tickets.v2',
      'ticket.agent_replied': 'p.tickets.v2',
      'ticket.customer_replied': 'p.tickets.v2',
      'ticket.resolved': 'p.tickets.v2',
      'ticket.reopened': 'p.tickets.v2',
      'ticket.escalated': 'p.tickets.v2',
      'customer.signed_up': 'p.customers.v2',
      'customer.churned': 'p.customers.v2',
      'customer.reactivated': 'p.customers.v2',
      'customer.purchase': 'p.customers.v2',
      'customer.referred': 'p.customers.v2',
      'qa.review': 'p.qa.v2',
    })
  })

  it('specs every topic with its partition count, in the shape ensureTopics takes', () => {
    const specs = TOPIC_SPECS('x')
    expect(specs.map((s) => [s.topic, s.numPartitions])).toEqual([
      ['x.surveys.v2', 6],
      ['x.tickets.v2', 6],
      ['x.customers.v2', 6],
      ['x.qa.v2', 6],
      ['x.dead-letter.v1', 3],
      ['x.alerts.v1', 1],
    ])
    expectTypeOf<ContractTopicSpec>().toExtend<TopicSpec>()
    // Without options: the broker's min.insync.replicas, and RF 1 from ensureTopics.
    expect(specs.map((s) => s.replicationFactor)).toEqual(Array(6).fill(undefined))
    expect(specs.map((s) => s.configEntries ?? [])).toEqual([
      ...Array(4).fill([{ name: 'max.message.bytes', value: String(2 * MAX_RECORD_BYTES) }]),
      [
        { name: 'retention.ms', value: String(30 * 86_400_000) },
        { name: 'max.message.bytes', value: String(8 * 2 ** 20) },
      ],
      [],
    ])
    // A dead letter can hold a whole refused record as base64, plus its errors.
    expect((2 * MAX_RECORD_BYTES * 4) / 3 + 64 * 1024).toBeLessThan(8 * 2 ** 20)
  })

  it('carries the replication factor and min.insync.replicas to every topic', () => {
    const specs = TOPIC_SPECS('x', { replicationFactor: 3, minInsyncReplicas: 2 })
    expect(specs.every((s) => s.replicationFactor === 3)).toBe(true)
    for (const s of specs) {
      expect(s.configEntries).toContainEqual({ name: 'min.insync.replicas', value: '2' })
    }
    expect(specs.find((s) => s.topic === 'x.dead-letter.v1')?.configEntries).toEqual([
      { name: 'min.insync.replicas', value: '2' },
      { name: 'retention.ms', value: String(30 * 86_400_000) },
      { name: 'max.message.bytes', value: String(8 * 2 ** 20) },
    ])
    expect(specs.find((s) => s.topic === 'x.surveys.v2')?.configEntries).toEqual([
      { name: 'min.insync.replicas', value: '2' },
      { name: 'max.message.bytes', value: String(2 * MAX_RECORD_BYTES) },
    ])
  })

  it('keys by tenant and customer, ticket events by tenant and ticket', () => {
    const common = { tenant_id: 'acme', customer_id: 'c1' }
    expect(messageKey({ ...common, type: 'survey.response' })).toBe('acme:c1')
    expect(messageKey({ ...common, type: 'customer.purchase', ticket_id: 'ignored' })).toBe(
      'acme:c1',
    )
    expect(messageKey({ ...common, type: 'ticket.resolved', ticket_id: 'T-7' })).toBe(
      'acme:ticket:T-7',
    )
    expect(() => messageKey({ ...common, type: 'ticket.created' })).toThrow(/ticket_id/)
  })
})

describe('dead letters', () => {
  it('keeps UTF-8 payloads as text and others as base64', () => {
    const common = {
      reason: 'schema',
      errors: [{ path: 'score', message: 'bad' }],
      topic: 't',
      partition: 2,
      offset: '41',
    }
    const text = buildDeadLetter({ ...common, value: Buffer.from('{"a":"é"}'), at: new Date(0) })
    expect(text).toEqual({
      ...common,
      raw: '{"a":"é"}',
      raw_encoding: 'utf8',
      at: '1970-01-01T00:00:00.000Z',
    })
    const bin = buildDeadLetter({
      ...common,
      reason: 'invalid_encoding',
      value: Buffer.from([0xff, 0x00]),
    })
    expect([bin.raw, bin.raw_encoding]).toEqual(['/wA=', 'base64'])
    expect(() => buildDeadLetter({ ...common, reason: 'Not A Code', value: null })).toThrow()
    expect(deadLetterSchema.safeParse({ ...text, offset: '-1' }).success).toBe(false)
  })
})
