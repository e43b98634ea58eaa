import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { RAW_TABLES, createClickHouse, queryRows } from '@cxpulse/clickhouse'
import { topicNames } from '@cxpulse/contracts'
import { Kafka, logLevel } from 'kafkajs'
import { stopLocalKafka } from '@cxpulse/local-kafka'
import { createCxClient } from '@cxpulse/sdk'
import { createSimulator } from '@cxpulse/simulator'
import { compareLedger, recordReliability, waitFor, waitForGroupCaughtUp } from '@cxpulse/testkit'
import { spawnCli, type CliProcess } from '../cli/run-cli.ts'

/**
 * `cxpulse start` (local broker + embedded ClickHouse in one data dir) SIGKILLed while an SDK
 * streams into it, then started again on the same data dir: nothing counted before is lost,
 * the SDK's retries deliver the rest, nothing is counted twice. This file never opens the
 * suite's embedded engine: one process may open only one data dir, and it opens the
 * all-in-one's own after the last run stopped.
 */
const KILLS = Number(process.env['CXPULSE_ALL_IN_ONE_KILLS'] ?? 2)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => done(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

function startAllInOne(dataDir: string, ingestPort: number, queryPort: number): CliProcess {
  // `node --import tsx` (spawnCli's default) so a SIGKILL hits the process that holds the data
  // dir, not a launcher.
  return spawnCli(
    [
      'start',
      '--no-simulate',
      '--data-dir',
      dataDir,
      '--ingest-port',
      String(ingestPort),
      '--query-port',
      String(queryPort),
    ],
    { env: { ...process.env, KAFKA_BROKERS: '', CLICKHOUSE_URL: '', LOG_LEVEL: 'warn' } },
  )
}

async function untilReady(run: CliProcess): Promise<string> {
  const [, key] = await run.waitForOutput(
    'cxpulse start ready',
    /API key \(tenant "demo"\): (\S+)/,
    120_000,
  )
  return key!
}

describe('reliability: the all-in-one process killed and restarted', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })

  it(`keeps every event across ${KILLS} SIGKILLs of cxpulse start`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cxpulse-all-in-one-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    cleanups.push(() => stopLocalKafka(join(dataDir, 'kafka')))
    const [ingestPort, queryPort] = [await freePort(), await freePort()]
    let run = startAllInOne(dataDir, ingestPort, queryPort)
    cleanups.push(async () => {
      if (run.proc.exitCode === null) run.proc.kill('SIGKILL')
    })
    const key = await untilReady(run)

    const client = createCxClient({
      url: `http://127.0.0.1:${ingestPort}`,
      apiKey: key,
      batchSize: 100,
      maxRetries: 500,
      initialBackoffMs: 200,
      maxBackoffMs: 1_000,
      requestTimeoutMs: 15_000,
    })
    const now = Date.now()
    const events = createSimulator({ seed: 77, responsesPerMinute: 20, customers: 300 })
      .eventsBetween(new Date(now - 2 * 86_400_000), new Date(now - 60_000))
      .slice(0, 40_000)
    const accepted: string[] = []
    const problems: string[] = []
    const sends: Promise<void>[] = []
    let next = 0
    let sending = true
    const stream = (async () => {
      while (sending && next < events.length) {
        const batch = events.slice(next, next + 100)
        next += batch.length
        sends.push(
          client.send(batch).then(
            (r) => {
              accepted.push(...r.accepted)
              problems.push(...r.rejected.map((x) => x.reason))
            },
            (e: Error) => {
              problems.push(e.message)
            },
          ),
        )
        await sleep(100)
      }
    })()

    const restartsMs: number[] = []
    for (let kill = 0; kill < KILLS; kill++) {
      const before = accepted.length
      await waitFor('events accepted', async () =>
        accepted.length > before + 1500 ? true : undefined,
      )
      run.proc.kill('SIGKILL')
      await run.exited
      const restarted = Date.now()
      run = startAllInOne(dataDir, ingestPort, queryPort)
      expect(await untilReady(run)).toBe(key)
      restartsMs.push(Date.now() - restarted)
    }
    await sleep(2_000)
    sending = false
    await stream
    await Promise.all(sends)

    // Wait until the query API counts every accepted survey response (the simulator's CES
    // is all agreement-style), then stop cleanly and read the data dir for the exact ledger.
    const acceptedSet = new Set(accepted)
    const surveysAccepted = events.filter(
      (e) => e.type === 'survey.response' && acceptedSet.has(e.event_id),
    ).length
    const counted = async () => {
      let n = 0
      for (const metric of ['csat', 'nps', 'ces']) {
        const qs = new URLSearchParams({
          from: new Date(now - 3 * 86_400_000).toISOString(),
          to: new Date(now + 3_600_000).toISOString(),
        })
        const res = await fetch(`http://127.0.0.1:${queryPort}/v1/metrics/${metric}?${qs}`, {
          headers: { authorization: `Bearer ${key}` },
        })
        n += z.object({ n: z.number() }).parse(await res.json()).n
      }
      return n
    }
    await waitFor(
      'every accepted survey response counted',
      async () => ((await counted()) >= surveysAccepted ? true : undefined),
      180_000,
    )
    // And the processor's committed offsets at the end of every input partition.
    const brokers = /kafka: +(\S+) \(local broker\)/.exec(run.output())?.[1]
    expect(brokers).toBeDefined()
    const kafka = new Kafka({ brokers: [brokers ?? ''], logLevel: logLevel.NOTHING })
    const names = topicNames('cxpulse')
    const inputs = [names.surveys, names.tickets, names.customers, names.qa]
    await waitForGroupCaughtUp(kafka, 'cxpulse-processor', inputs, 180_000)
    run.proc.kill('SIGTERM')
    expect(await run.exited).toBe(0)

    const ch = createClickHouse({ dataDir: join(dataDir, 'clickhouse'), database: 'cxpulse' })
    cleanups.push(() => ch.close())
    const ids: string[] = []
    for (const t of RAW_TABLES) {
      const rows = await queryRows(ch, {
        name: 'ids',
        sql: `SELECT toString(event_id) AS id FROM ${ch.table(t)} WHERE tenant_id = 'demo'`,
        row: z.object({ id: z.string() }),
      })
      ids.push(...rows.map((r) => r.id))
    }
    const ledger = compareLedger(accepted, ids)
    const typeOf = new Map(events.map((e) => [e.event_id, e.type]))
    const lostByType: Record<string, number> = {}
    for (const id of ledger.lost)
      lostByType[typeOf.get(id) ?? '?'] = (lostByType[typeOf.get(id) ?? '?'] ?? 0) + 1
    console.error(
      `[all-in-one] lost by type ${JSON.stringify(lostByType)}; surveys accepted ${surveysAccepted}`,
    )
    console.error(
      `[all-in-one] ${ledger.produced} accepted, ${ledger.counted} counted, ${ledger.lost.length} lost, ` +
        `${ledger.duplicated.length} double-counted, restarts took ${restartsMs.join(', ')} ms`,
    )
    const pass =
      problems.length === 0 &&
      ledger.lost.length === 0 &&
      ledger.duplicated.length === 0 &&
      ledger.unexpected.length === 0
    await recordReliability({
      id: 'all-in-one-restart',
      category: 'fault',
      fault: 'the all-in-one process (`cxpulse start`) killed and restarted',
      injection: `SIGKILL to \`cxpulse start\` (local broker + embedded ClickHouse) while the SDK streamed 100 events every 100 ms; restarted on the same data dir and ports`,
      trials: KILLS,
      produced: ledger.produced,
      counted: ledger.counted,
      lost: ledger.lost.length,
      duplicated: ledger.duplicated.length,
      verdict: pass ? 'pass' : 'fail',
      notes: `restart to ready took ${restartsMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}; ${problems.length} SDK sends failed or were rejected.`,
      test: 'test/reliability/all-in-one-restart.integration.test.ts',
    })
    expect(problems).toEqual([])
    expect(ledger.lost).toEqual([])
    expect(ledger.duplicated).toEqual([])
    expect(ledger.unexpected).toEqual([])
  }, 600_000)
})
