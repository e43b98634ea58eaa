import { randomUUID } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import { createKeyStore, generateApiKey } from '@cxpulse/auth'
import { topicNames } from '@cxpulse/contracts'
import { readWholeTopicEvents, testLogger, uniqueName } from '@cxpulse/testkit'
import { DEFAULT_INGEST_CONFIG, type IngestConfig } from './config.ts'
import { startIngest, type IngestHandle } from './ingest.ts'

export const keys = {
  acme: generateApiKey(),
  acmeNext: generateApiKey(),
  globex: generateApiKey(),
  readOnly: generateApiKey(),
}
const keyStore = createKeyStore([
  { id: 'acme-1', tenant_id: 'acme', hash: keys.acme.hash, scopes: ['ingest'] },
  { id: 'acme-2', tenant_id: 'acme', hash: keys.acmeNext.hash, scopes: ['ingest'] },
  { id: 'globex-1', tenant_id: 'globex', hash: keys.globex.hash, scopes: ['ingest'] },
  { id: 'globex-ro', tenant_id: 'globex', hash: keys.readOnly.hash, scopes: ['query'] },
])

/** Starts ingest on a free port with its own topics (a fresh prefix) against the test broker. */
export async function startTestIngest(
  kafka: Kafka,
  brokers: string[],
  overrides: Partial<IngestConfig> = {},
): Promise<IngestHandle & { prefix: string; config: IngestConfig }> {
  const prefix = uniqueName('ing')
  const config: IngestConfig = {
    ...DEFAULT_INGEST_CONFIG,
    host: '127.0.0.1',
    port: 0,
    topicPrefix: prefix,
    apiKeys: {},
    kafka: { brokers, clientId: uniqueName('ingest') },
    logLevel: 'silent',
    shutdownTimeoutMs: 20_000,
    ...overrides,
  }
  const handle = await startIngest(config, { kafka, keys: keyStore, logger: testLogger })
  return { ...handle, prefix, config }
}

export interface ReadMessage {
  topic: string
  partition: number
  /** The key of the record the event came in (the key of its first event). */
  recordKey: string
  /** Position of the event in its record (topic format v2). */
  index: number
  value: Record<string, unknown>
}

/**
 * Reads every event on the four domain topics of `prefix`, one entry per event (a v2 record
 * holds one or more): waits until the consumer has seen exactly as many records as the topics
 * hold (high watermarks), so the result is the full content, not "at least N".
 */
export async function readDomainTopics(kafka: Kafka, prefix: string): Promise<ReadMessage[]> {
  const names = topicNames(prefix)
  const events = await readWholeTopicEvents(kafka, [
    names.surveys,
    names.tickets,
    names.customers,
    names.qa,
  ])
  return events.map((m) => ({ ...m, value: JSON.parse(m.value) as Record<string, unknown> }))
}

const BASE_TIME = () => new Date(Date.now() - 60_000).toISOString()

/** A valid event of each kind, each with a fresh event_id. */
export function validEvents(customer = 'cust-1') {
  const common = () => ({ event_id: randomUUID(), occurred_at: BASE_TIME(), customer_id: customer })
  return [
    {
      ...common(),
      type: 'survey.response',
      kind: 'csat',
      score: 5,
      comment: 'Très bien 👍',
      dimensions: { channel: 'chat' },
    },
    { ...common(), type: 'survey.response', kind: 'nps', score: 9 },
    {
      ...common(),
      type: 'survey.response',
      kind: 'ces',
      score: 2,
      orientation: 'effort',
      scale_min: 1,
      scale_max: 7,
    },
    {
      ...common(),
      type: 'ticket.created',
      ticket_id: 'T-100',
      complaint: true,
      queue_wait_seconds: 30,
    },
    {
      ...common(),
      type: 'ticket.agent_replied',
      ticket_id: 'T-100',
      feedback_event_id: randomUUID(),
    },
    { ...common(), type: 'ticket.resolved', ticket_id: 'T-101' },
    { ...common(), type: 'customer.signed_up' },
    { ...common(), type: 'customer.purchase', amount: '49.90', currency: 'EUR', gross_margin: 0.3 },
    { ...common(), type: 'customer.purchase', amount_minor: 1999, currency: 'USD' },
    { ...common(), type: 'customer.referred', referred_customer_id: 'cust-2' },
    {
      ...common(),
      type: 'qa.review',
      ticket_id: 'T-100',
      criteria: [{ name: 'tone', score: 80, weight: 2 }],
    },
  ]
}

export async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  }
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
