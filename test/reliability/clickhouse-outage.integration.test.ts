import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { RAW_TABLES, queryRows, runMigrations, type ClickHouse } from '@cxpulse/clickhouse'
import { TOPIC_SPECS } from '@cxpulse/contracts'
import { ensureTopics } from '@cxpulse/kafka'
import { createProcessor } from '@cxpulse/processor'
import {
  recordReliability,
  testClickHouse,
  testKafka,
  testLogger,
  uniqueName,
  waitFor,
} from '@cxpulse/testkit'
import {
  actualTotals,
  compareTotals,
  expectedTotals,
  generateLedger,
  produceAll,
  rawLedger,
} from '@cxpulse/testkit/pipeline-ledger'

/**
 * ClickHouse failing for a while, injected at the client boundary (the embedded engine cannot
 * be stopped on its own): first every call fails before reaching the engine (a server that is
 * down), then every write reaches the engine but its answer is lost (a timeout after the
 * server applied it). The processor must pause, retry and end with every event counted once.
 */
type Outage = 'none' | 'unreachable' | 'lost-acks'

function flaky(ch: ClickHouse) {
  let outage: Outage = 'none'
  let failures = 0
  let lostInsertAcks = 0
  const fail = (what: string) => {
    failures++
    return new Error(`injected ClickHouse failure (${outage}) in ${what}: connect ECONNREFUSED`)
  }
  const client = new Proxy(ch.client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      if (!['insert', 'command', 'query', 'exec', 'ping'].includes(String(prop))) {
        return value.bind(target)
      }
      return async (...args: unknown[]) => {
        if (outage === 'unreachable') throw fail(String(prop))
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(
          target,
          args,
        )
        if (outage === 'lost-acks' && (prop === 'insert' || prop === 'command')) {
          throw fail(String(prop))
        }
        return result
      }
    },
  })
  // Raw batches go through ch.insertJson (chdb's own insert in embedded mode), not ch.client.
  const failing =
    <A extends unknown[]>(write: (...args: A) => Promise<void>, what: string) =>
    async (...args: A) => {
      if (outage === 'unreachable') throw fail(what)
      await write(...args)
      if (outage === 'lost-acks') {
        lostInsertAcks++
        throw fail(what)
      }
    }
  const insert: ClickHouse['insert'] = failing(ch.insert, 'insert')
  const insertJson: ClickHouse['insertJson'] = failing(ch.insertJson, 'insertJson')
  return {
    ch: { ...ch, client, insert, insertJson } as ClickHouse,
    set(next: Outage) {
      outage = next
    },
    failures: () => failures,
    lostInsertAcks: () => lostInsertAcks,
  }
}

const { kafka, brokers } = testKafka()
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('reliability: ClickHouse failing inserts for a while', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('pauses, retries and recovers; every event counted exactly once', async () => {
    const ch = await testClickHouse()
    cleanups.push(() => ch.drop())
    await runMigrations(ch)
    const prefix = uniqueName('chfail')
    await ensureTopics(kafka, TOPIC_SPECS(prefix))
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    cleanups.push(() => producer.disconnect())

    const { unique, messages, resends } = generateLedger(777, 24_000, 0.03)
    const third = Math.ceil(messages.length / 3)
    const injected = flaky(ch)
    const processor = await createProcessor(
      {
        brokers,
        clientId: uniqueName('processor'),
        clickhouse: { database: ch.database, dataDir: '' },
        logLevel: 'silent',
        topicPrefix: prefix,
        groupId: uniqueName('group'),
        batchSize: 500,
        batchMaxWaitMs: 100,
        concurrency: 3,
        eventTime: { maxFutureMs: 5 * 60_000, lateHorizonMs: 90 * 86_400_000 },
        retryMaxMs: 1_000,
        sessionTimeoutMs: 10_000,
        stopTimeoutMs: 20_000,
        port: 0,
        host: '127.0.0.1',
      },
      { kafka, clickhouse: injected.ch, logger: testLogger },
    ).start()
    cleanups.push(() => processor.stop())

    await produceAll(producer, prefix, messages.slice(0, third))
    await waitFor('first third partly counted', async () =>
      (await rawRows(ch)) > third / 5 ? true : undefined,
    )

    // Outage 1: ClickHouse unreachable for 8 s while the stream goes on.
    injected.set('unreachable')
    const beforeOutage = await rawRows(ch)
    await produceAll(producer, prefix, messages.slice(third, 2 * third))
    await sleep(8_000)
    const duringOutage = await rawRows(ch)
    const notReady = !processor.isReady()
    injected.set('none')
    await waitFor('progress after outage 1', async () =>
      (await rawRows(ch)) > duringOutage + 500 ? true : undefined,
    )

    // Outage 2: writes applied but their answers lost, for 8 s.
    injected.set('lost-acks')
    await produceAll(producer, prefix, messages.slice(2 * third))
    await sleep(8_000)
    injected.set('none')

    await waitFor(
      'every distinct event counted',
      async () => ((await rawRows(ch)) >= unique.length ? true : undefined),
      120_000,
    )
    await processor.stop()

    const mismatches = compareTotals(expectedTotals(unique), await actualTotals(ch))
    const raw = await rawLedger(ch)
    const ids = new Set(Object.values(raw).flatMap((r) => [...r.ids]))
    const rows = Object.values(raw).reduce((s, r) => s + r.rows, 0)
    const lost = unique.filter((e) => !ids.has(String(e['event_id']))).length
    console.error(
      `[clickhouse-outage] ${messages.length} messages (${unique.length} distinct, ${resends} resends), ` +
        `${injected.failures()} injected failures; rows before/after outage 1: ${beforeOutage}/${duringOutage}`,
    )
    await recordReliability({
      id: 'clickhouse-failing',
      category: 'fault',
      fault: 'ClickHouse failing inserts for a while',
      injection:
        'embedded mode, at the client boundary: 8 s of every call failing (unreachable), then 8 s of writes applied with their answers lost',
      trials: 2,
      produced: unique.length,
      counted: ids.size,
      lost,
      duplicated: rows - ids.size,
      verdict:
        mismatches.length === 0 && lost === 0 && rows === unique.length && injected.failures() > 0
          ? 'pass'
          : 'fail',
      notes: `${injected.failures()} calls failed by injection (${injected.lostInsertAcks()} raw inserts applied with their answer lost); no rows landed while unreachable (${beforeOutage}→${duringOutage}); processor reported not ready: ${notReady}.`,
      test: 'test/reliability/clickhouse-outage.integration.test.ts',
    })
    expect(injected.failures()).toBeGreaterThan(0)
    // Raw batches were applied and their answers lost: each replay had to be deduplicated.
    expect(injected.lostInsertAcks()).toBeGreaterThan(0)
    expect(duringOutage).toBe(beforeOutage)
    expect(mismatches).toEqual([])
    expect(lost).toBe(0)
    expect(rows).toBe(unique.length)
  }, 300_000)
})
