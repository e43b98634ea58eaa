import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateApiKey } from '@cxpulse/auth'
import { RAW_TABLE, insertRawRows, runMigrations } from '@cxpulse/clickhouse'
import { topicNames } from '@cxpulse/contracts'
import { ensureTopics } from '@cxpulse/kafka'
import { testClickHouse, testKafka, uniqueName, waitFor } from '@cxpulse/testkit'
import type { ProcessorLagConfig } from './config.ts'
import type { QueryHandle } from './query.ts'
import { startTestQuery } from './query.test-support.ts'

/** GET /v1/status against the suite's real broker: committed offsets vs end offsets. */
describe('GET /v1/status', () => {
  const { kafka, brokers } = testKafka()
  const prefix = uniqueName('status')
  const groupId = uniqueName('status-group')
  const topics = topicNames(prefix)
  const key = generateApiKey()
  const quietKey = generateApiKey()
  let ch: Awaited<ReturnType<typeof testClickHouse>>
  const handles: QueryHandle[] = []

  async function startQuery(processorLag?: ProcessorLagConfig) {
    const handle = await startTestQuery(
      ch,
      [
        { id: 'k', tenant_id: 'tenant-a', hash: key.hash, scopes: ['query'] },
        { id: 'q', tenant_id: 'tenant-q', hash: quietKey.hash, scopes: ['query'] },
      ],
      processorLag ? { processorLag } : {},
    )
    handles.push(handle)
    return handle
  }

  interface Status {
    newest_event_at: string | null
    processor: {
      waiting: number
      waiting_by_domain: Record<string, number>
      catching_up: boolean
    } | null
    processor_error?: string
  }
  async function status(handle: QueryHandle, apiKey = key.key): Promise<Status> {
    const res = await fetch(`${handle.url}/v1/status`, {
      headers: { authorization: `Bearer ${apiKey}` },
    })
    expect(res.status).toBe(200)
    return (await res.json()) as Status
  }

  const lagConfig = (): ProcessorLagConfig => ({
    brokers,
    clientId: uniqueName('status-query'),
    topicPrefix: prefix,
    groupId,
    catchingUpLag: 5,
  })

  beforeAll(async () => {
    ch = await testClickHouse()
    await runMigrations(ch)
    await ensureTopics(kafka, [
      { topic: topics.surveys, numPartitions: 2 },
      { topic: topics.tickets, numPartitions: 1 },
      { topic: topics.customers, numPartitions: 1 },
      { topic: topics.qa, numPartitions: 1 },
    ])
    const producer = kafka.producer()
    await producer.connect()
    const m = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `m${i}` }))
    await producer.sendBatch({
      topicMessages: [
        { topic: topics.surveys, messages: m(4).map((x) => ({ ...x, partition: 0 })) },
        { topic: topics.surveys, messages: m(2).map((x) => ({ ...x, partition: 1 })) },
        { topic: topics.tickets, messages: m(1) },
      ],
    })
    await producer.disconnect()
    const at = (ms: number) => new Date(ms).toISOString()
    const base = Date.UTC(2026, 0, 10, 12, 0, 0)
    await insertRawRows(
      ch,
      RAW_TABLE.surveys,
      [base, base + 61_000].map((t) => ({
        tenant_id: 'tenant-a',
        event_id: randomUUID(),
        type: 'survey.response',
        occurred_at: at(t),
        received_at: at(t),
        customer_id: 'c',
        kind: 'csat',
        score: 5,
        scale_min: 1,
        scale_max: 5,
        orientation: '',
        dimensions: {},
      })),
    )
    await insertRawRows(ch, RAW_TABLE.tickets, [
      {
        tenant_id: 'tenant-a',
        event_id: randomUUID(),
        type: 'ticket.created',
        occurred_at: at(base + 30_000),
        received_at: at(base + 30_000),
        ticket_id: 't1',
        customer_id: 'c',
        dimensions: {},
      },
    ])
  })

  afterAll(async () => {
    for (const h of handles) await h.stop()
    await ch?.drop()
  })

  it('counts what the group has not committed, per domain, and the tenant’s newest event', async () => {
    const handle = await startQuery(lagConfig())
    const first = await status(handle)
    expect(first.newest_event_at).toBe('2026-01-10T12:01:01.000Z')
    // Nothing committed yet: every message waits.
    expect(first.processor).toEqual({
      waiting: 7,
      waiting_by_domain: { surveys: 6, tickets: 1, customers: 0, qa: 0 },
      catching_up: true,
    })
    expect(first.processor_error).toBeUndefined()
    // Another tenant sees its own freshness (none) and the same group lag.
    expect((await status(handle, quietKey.key)).newest_event_at).toBeNull()

    // The processor's group commits part of the work: surveys p0 up to 3, tickets all.
    const admin = kafka.admin()
    await admin.connect()
    await admin.setOffsets({
      groupId,
      topic: topics.surveys,
      partitions: [{ partition: 0, offset: '3' }],
    })
    await admin.setOffsets({
      groupId,
      topic: topics.tickets,
      partitions: [{ partition: 0, offset: '1' }],
    })
    await admin.disconnect()
    const later = await waitFor(
      'status with the committed offsets',
      async () => {
        const s = await status(handle)
        return s.processor?.waiting === 3 ? s : undefined
      },
      20_000,
    )
    expect(later.processor).toEqual({
      waiting: 3,
      waiting_by_domain: { surveys: 3, tickets: 0, customers: 0, qa: 0 },
      catching_up: false,
    })
  })

  it('needs a query key', async () => {
    const handle = await startQuery()
    expect((await fetch(`${handle.url}/v1/status`)).status).toBe(401)
  })

  it('still answers freshness without brokers, or when the broker does not answer', async () => {
    const none = await status(await startQuery())
    expect(none.newest_event_at).toBe('2026-01-10T12:01:01.000Z')
    expect(none.processor).toBeNull()
    expect(none.processor_error).toMatch(/no Kafka brokers configured/)

    const started = Date.now()
    const dead = await status(await startQuery({ ...lagConfig(), brokers: ['127.0.0.1:1'] }))
    expect(dead.processor).toBeNull()
    expect(dead.processor_error).toMatch(/could not be read from Kafka/)
    expect(dead.newest_event_at).toBe('2026-01-10T12:01:01.000Z')
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
