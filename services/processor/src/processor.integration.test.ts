import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  RAW_TABLE,
  RAW_TABLES,
  queryRows,
  runMigrations,
  type ClickHouse,
} from '@cxpulse/clickhouse'
import { deadLetterSchema, TOPIC_SPECS, topicNames, type DeadLetter } from '@cxpulse/contracts'
import { ensureTopics } from '@cxpulse/kafka'
import {
  recordReliability,
  testClickHouse,
  testKafka,
  testLogger,
  uniqueName,
  waitFor,
} from '@cxpulse/testkit'
import type { ProcessorConfig } from './config.ts'
import { createProcessor, type ProcessorHandle } from './processor.ts'
import {
  actualTotals,
  compareTotals,
  describeTotals,
  expectedTotals,
  generateLedger,
  produceAll,
  rawLedger,
  type Json,
} from '@cxpulse/testkit/pipeline-ledger'

const { kafka, brokers } = testKafka()

function config(prefix: string, group: string, ch: ClickHouse): ProcessorConfig {
  return {
    brokers,
    clientId: uniqueName('processor'),
    clickhouse: { database: ch.database, dataDir: '' },
    logLevel: 'silent',
    topicPrefix: prefix,
    groupId: group,
    batchSize: 500,
    batchMaxWaitMs: 200,
    concurrency: 3,
    eventTime: { maxFutureMs: 5 * 60_000, lateHorizonMs: 90 * 86_400_000 },
    retryMaxMs: 2_000,
    sessionTimeoutMs: 6_000,
    stopTimeoutMs: 20_000,
    port: 0,
    host: '127.0.0.1',
  }
}

const countRow = z.object({ n: z.coerce.number() })
async function rawRows(ch: ClickHouse): Promise<number> {
  let total = 0
  for (const t of RAW_TABLES) {
    const [row] = await queryRows(ch, {
      name: 'count',
      sql: `SELECT count() AS n FROM ${ch.table(t)}`,
      row: countRow,
    })
    total += row?.n ?? 0
  }
  return total
}

async function readDeadLetters(topic: string, expected: number): Promise<DeadLetter[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader') })
  const seen: DeadLetter[] = []
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push(deadLetterSchema.parse(JSON.parse(String(message.value))))
    },
  })
  try {
    await waitFor(`${expected} dead letters`, async () =>
      seen.length >= expected ? true : undefined,
    )
    return seen
  } finally {
    await consumer.disconnect()
  }
}

function enriched(overrides: Json): Json {
  const now = Date.now()
  return {
    event_id: randomUUID(),
    occurred_at: new Date(now - 60_000).toISOString(),
    received_at: new Date(now).toISOString(),
    customer_id: 'c1',
    tenant_id: 'acme',
    schema_version: 1,
    type: 'survey.response',
    kind: 'csat',
    score: 5,
    scale_min: 1,
    scale_max: 5,
    ...overrides,
  }
}

describe('processor against the real broker and ClickHouse', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  async function setup() {
    const ch = await testClickHouse()
    cleanups.push(() => ch.drop())
    await runMigrations(ch)
    const prefix = uniqueName('cxp')
    await ensureTopics(kafka, TOPIC_SPECS(prefix))
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    cleanups.push(() => producer.disconnect())
    return { ch, prefix, topics: topicNames(prefix), producer, group: uniqueName('group') }
  }

  async function start(cfg: ProcessorConfig, ch: ClickHouse): Promise<ProcessorHandle> {
    const handle = await createProcessor(cfg, { kafka, clickhouse: ch, logger: testLogger }).start()
    cleanups.push(() => handle.stop())
    return handle
  }

  it('dead-letters what a foreign producer writes wrongly, and counts the valid neighbours', async () => {
    const { ch, prefix, topics, producer, group } = await setup()
    const valid = [
      enriched({ score: 4 }),
      enriched({ score: 2 }),
      enriched({ kind: 'nps', score: 9, scale_min: 0, scale_max: 10 }),
    ]
    const sixMonthsAgo = new Date(Date.now() - 200 * 24 * 3_600_000).toISOString()
    // A different client: raw kafkajs, one partition, no contracts code involved.
    const bad: { value: Buffer | string | null; reason: string }[] = [
      { value: Buffer.from([0xff, 0xfe, 0x00, 0x41]), reason: 'invalid_encoding' },
      { value: '{"event_id": "x", oops', reason: 'invalid_json' },
      { value: JSON.stringify({ hello: 'world' }), reason: 'schema' },
      { value: JSON.stringify(enriched({ score: 9 })), reason: 'schema' }, // outside 1–5
      { value: JSON.stringify(enriched({ tenant_id: undefined })), reason: 'schema' },
      {
        value: JSON.stringify(
          enriched({ type: 'ticket.created', ticket_id: 't1', kind: undefined }),
        ),
        reason: 'wrong_topic',
      },
      { value: JSON.stringify(enriched({ occurred_at: sixMonthsAgo })), reason: 'too_late' },
      { value: null, reason: 'invalid_json' },
    ]
    const sequence = [
      { value: JSON.stringify(valid[0]) },
      ...bad.slice(0, 4).map((b) => ({ value: b.value })),
      { value: JSON.stringify(valid[1]) },
      ...bad.slice(4).map((b) => ({ value: b.value })),
      { value: JSON.stringify(valid[2]) },
    ]
    await producer.send({
      topic: topics.surveys,
      acks: -1,
      messages: sequence.map((m) => ({ key: 'k', partition: 2, value: m.value })),
    })
    const handle = await start(config(prefix, group, ch), ch)

    const letters = await readDeadLetters(topics.deadLetter, bad.length)
    const byOffset = letters
      .map((l) => ({
        offset: Number(l.offset),
        reason: l.reason,
        topic: l.topic,
        partition: l.partition,
      }))
      .sort((a, b) => a.offset - b.offset)
    const expectedOffsets = [1, 2, 3, 4, 6, 7, 8, 9]
    expect(byOffset).toEqual(
      bad.map((b, i) => ({
        offset: expectedOffsets[i],
        reason: b.reason,
        topic: topics.surveys,
        partition: 2,
      })),
    )
    // The raw bytes survive: invalid UTF-8 as base64, the rest as text; errors name a field.
    const garbage = letters.find((l) => l.offset === '1')
    expect(garbage?.raw_encoding).toBe('base64')
    expect(Buffer.from(garbage?.raw ?? '', 'base64')).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x41]))
    expect(letters.find((l) => l.offset === '4')?.errors.map((e) => e.path)).toContain('score')

    const ids = await waitFor('valid events counted', async () => {
      const rows = await queryRows(ch, {
        name: 'ids',
        sql: `SELECT toString(event_id) AS id FROM ${ch.table(RAW_TABLE.surveys)} ORDER BY kafka_offset`,
        row: z.object({ id: z.string() }),
      })
      return rows.length >= 3 ? rows.map((r) => r.id) : undefined
    })
    expect(ids).toEqual(valid.map((v) => v['event_id']))
    const metrics = await handle.metricsText()
    expect(metrics).toMatch(/cxpulse_processor_dead_lettered_total\{reason="schema"\} 3/)
    expect(metrics).toMatch(/cxpulse_processor_dead_lettered_total\{reason="too_late"\} 1/)
    const res = await fetch(`http://127.0.0.1:${handle.port}/readyz`)
    expect(res.status).toBe(200)
  })

  it('puts an event that happened last week into last week’s buckets (read from the day and minute projections)', async () => {
    const { ch, prefix, topics, producer, group } = await setup()
    const weekAgo = new Date(Date.now() - 7 * 24 * 3_600_000)
    weekAgo.setUTCHours(9, 41, 17, 0)
    const late = enriched({ occurred_at: weekAgo.toISOString(), score: 5 })
    const fresh = enriched({ score: 1 })
    await producer.send({
      topic: topics.surveys,
      acks: -1,
      messages: [late, fresh].map((e) => ({ key: 'acme:c1', value: JSON.stringify(e) })),
    })
    await start(config(prefix, group, ch), ch)
    const buckets = await waitFor('both events in the day rollup', async () => {
      const rows = await queryRows(ch, {
        name: 'day_buckets',
        sql: `SELECT toString(toStartOfDay(occurred_at)) AS bucket, count() AS n, sum(is_positive) AS positive
              FROM ${ch.table(RAW_TABLE.surveys)} WHERE tenant_id = 'acme'
              GROUP BY toStartOfDay(occurred_at) ORDER BY bucket
              SETTINGS force_optimize_projection_name = 'p_1d'`,
        row: z.object({ bucket: z.string(), n: z.coerce.number(), positive: z.coerce.number() }),
      })
      return rows.reduce((s, r) => s + r.n, 0) >= 2 ? rows : undefined
    })
    const day = (iso: string) => `${iso.slice(0, 10)} 00:00:00`
    expect(buckets).toEqual(
      [
        { bucket: day(weekAgo.toISOString()), n: 1, positive: 1 },
        { bucket: day(String(fresh['occurred_at'])), n: 1, positive: 0 },
      ].sort((a, b) => a.bucket.localeCompare(b.bucket)),
    )
    const [minute] = await queryRows(ch, {
      name: 'late_minute',
      sql: `SELECT toString(toStartOfMinute(occurred_at)) AS minute, count() AS n FROM ${ch.table(RAW_TABLE.surveys)}
            WHERE tenant_id = 'acme' AND toStartOfMinute(occurred_at) < now() - INTERVAL 1 DAY
            GROUP BY toStartOfMinute(occurred_at) SETTINGS force_optimize_projection_name = 'p_1m'`,
      row: z.object({ minute: z.string(), n: z.coerce.number() }),
    })
    expect(minute).toEqual({
      minute: `${weekAgo.toISOString().slice(0, 10)} 09:41:00`,
      n: 1,
    })
  })

  it('counts every event exactly once while instances join and leave the group', async () => {
    const { ch, prefix, producer, group } = await setup()
    const started = Date.now()
    const { unique, messages, resends } = generateLedger(4242, 30_000, 0.03)
    const third = Math.ceil(messages.length / 3)
    const cfg = config(prefix, group, ch)

    const a = await start(cfg, ch)
    const b = await start(cfg, ch)
    await produceAll(producer, prefix, messages.slice(0, third))
    await waitFor('first third partly counted', async () =>
      (await rawRows(ch)) > third / 4 ? true : undefined,
    )
    const c = await start(cfg, ch) // joins mid-stream
    await produceAll(producer, prefix, messages.slice(third, 2 * third))
    await waitFor(
      'second third partly counted',
      async () => ((await rawRows(ch)) > third * 1.2 ? true : undefined),
      60_000,
    )
    await a.stop() // leaves mid-stream
    await produceAll(producer, prefix, messages.slice(2 * third))

    await waitFor(
      'every distinct event counted',
      async () => {
        const n = await rawRows(ch)
        if (process.env['DEBUG_PROGRESS'])
          console.error(`[rebalance] ${Date.now() - started} ms: ${n}`)
        return n >= unique.length ? true : undefined
      },
      120_000,
    )
    await b.stop()
    await c.stop()

    const expected = expectedTotals(unique)
    const actual = await actualTotals(ch)
    console.error(
      `[rebalance] ${messages.length} messages (${unique.length} distinct, ${resends} resends), ` +
        `3 instances (+1 joined, −1 left), ${Math.round((Date.now() - started) / 1000)} s\n` +
        describeTotals(expected, actual),
    )
    const mismatches = compareTotals(expected, actual)
    const raw = await rawLedger(ch)
    const expectedIds = new Set(unique.map((e) => String(e['event_id'])))
    const allIds = new Set(Object.values(raw).flatMap((r) => [...r.ids]))
    const rows = Object.values(raw).reduce((s, r) => s + r.rows, 0)
    const lost = [...expectedIds].filter((id) => !allIds.has(id)).length
    await recordReliability({
      id: 'consumer-rebalance',
      category: 'fault',
      fault: 'consumer-group rebalances while inserting',
      injection: 'two processor instances, a third joins mid-stream, then one leaves mid-stream',
      trials: 2,
      produced: unique.length,
      counted: allIds.size,
      lost,
      duplicated: rows - allIds.size,
      verdict: mismatches.length === 0 && lost === 0 && rows === unique.length ? 'pass' : 'fail',
      notes: `${resends} client resends mixed in; every rollup total compared.`,
      test: 'services/processor/src/processor.integration.test.ts',
    })
    expect(mismatches).toEqual([])
    expect(allIds).toEqual(expectedIds)
    expect(rows).toBe(unique.length)
  })
})
