import { spawn, type ChildProcess } from 'node:child_process'
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createKeyStore, generateApiKey } from '@cxpulse/auth'
import { createClickHouse } from '@cxpulse/clickhouse'
import { TOPIC_SPECS, topicNames } from '@cxpulse/contracts'
import { ensureTopics } from '@cxpulse/kafka'
import { DEFAULT_QUERY_LIMITS, createQuery } from '@cxpulse/query'
import { recordReliability, testKafka, testLogger, uniqueName, waitFor } from '@cxpulse/testkit'
import {
  actualTotals,
  compareTotals,
  describeTotals,
  expectedTotals,
  generateLedger,
  produceAll,
  projectionCoverage,
  rawLedger,
  rng,
  type Json,
} from '@cxpulse/testkit/pipeline-ledger'

const ROOT = resolve(import.meta.dirname, '../..')
const MAIN = join(ROOT, 'services/processor/src/main.ts')

const EVENTS = Number(process.env['CRASH_TEST_EVENTS'] ?? 100_000)
const KILLS = Number(process.env['CRASH_TEST_KILLS'] ?? 12)
const SEED = Number(process.env['CRASH_TEST_SEED'] ?? 20261123)
/** Set by scripts/crash-loop.ts: where each run appends its result line. */
const LOOP_OUT = process.env['CRASH_LOOP_OUT']

interface Child {
  proc: ChildProcess
  lines: string[]
  exited: Promise<number | null>
}

/**
 * The processor as its own process on its own embedded ClickHouse data directory (only one
 * process may open it), so it can be SIGKILLed for real. This test process never opens an
 * embedded engine until every child is gone.
 */
function spawnProcessor(env: Record<string, string>): Child {
  // `node --import tsx`, not the tsx launcher: the launcher runs the program in a grandchild
  // that a SIGKILL to the launcher would leave running (holding the data directory).
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  let buffered = ''
  const collect = (chunk: Buffer) => {
    buffered += chunk.toString('utf8')
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    lines.push(...parts)
  }
  proc.stdout?.on('data', collect)
  proc.stderr?.on('data', collect)
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  return { proc, lines, exited }
}

const count = (child: Child, text: string) => child.lines.filter((l) => l.includes(text)).length

/**
 * What the query API must answer for one tenant over a window holding every event, computed
 * from SPEC-metrics.md and the produced events alone.
 */
function expectedAnswers(events: readonly Json[], tenant: string) {
  const mine = events.filter((e) => e['tenant_id'] === tenant)
  const surveys = mine.filter((e) => e['type'] === 'survey.response')
  const of = (kind: string) => surveys.filter((e) => e['kind'] === kind)
  const csat = of('csat')
  const positive = csat.filter(
    (e) => Number(e['score']) >= Number(e['positive_min'] ?? Number(e['scale_max']) - 1),
  ).length
  const nps = of('nps')
  const promoters = nps.filter((e) => Number(e['score']) >= 9).length
  const detractors = nps.filter((e) => Number(e['score']) <= 6).length
  const ces = of('ces').filter((e) => e['orientation'] === 'agreement')
  const cesSum = ces.reduce((s, e) => s + Number(e['score']), 0)
  const reviews = mine.filter((e) => e['type'] === 'qa.review')
  const iqs = reviews.map((e) => {
    const c = e['criteria'] as { score: number; weight: number }[]
    return c.reduce((s, x) => s + x.score * x.weight, 0) / c.reduce((s, x) => s + x.weight, 0)
  })
  // FRT: first_response − created per ticket that has both, measured from its creation.
  const tickets = new Map<string, { created?: number; first?: number }>()
  for (const e of mine.filter((x) => String(x['type']).startsWith('ticket.'))) {
    const t = tickets.get(String(e['ticket_id'])) ?? {}
    const at = Date.parse(String(e['occurred_at']))
    if (e['type'] === 'ticket.created') t.created = Math.min(t.created ?? at, at)
    if (e['type'] === 'ticket.first_response') t.first = Math.min(t.first ?? at, at)
    tickets.set(String(e['ticket_id']), t)
  }
  const frt = [...tickets.values()]
    .filter((t) => t.created !== undefined && t.first !== undefined && t.first >= t.created)
    .map((t) => ((t.first ?? 0) - (t.created ?? 0)) / 1000)
  const mean = (xs: number[]) =>
    xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length
  return {
    csat: { n: csat.length, value: csat.length ? (positive / csat.length) * 100 : null },
    nps: {
      n: nps.length,
      value: nps.length ? ((promoters - detractors) / nps.length) * 100 : null,
    },
    ces: { n: ces.length, value: ces.length ? cesSum / ces.length : null },
    iqs: { n: iqs.length, value: mean(iqs) },
    frt: { n: frt.length, value: mean(frt) },
  }
}

describe('processor crash safety', () => {
  const { kafka, brokers } = testKafka()
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c()
  })

  it(`counts ${EVENTS} events exactly once across ${KILLS} SIGKILLs, some while the engine writes`, async () => {
    const started = Date.now()
    const dataDir = await mkdtemp(join(tmpdir(), 'cxpulse-crash-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    const prefix = uniqueName('crash')
    const group = uniqueName('crash_group')
    const database = 'cxp_crash'
    await ensureTopics(kafka, TOPIC_SPECS(prefix))
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    cleanups.push(() => producer.disconnect())
    const admin = kafka.admin()
    await admin.connect()
    cleanups.push(() => admin.disconnect())

    const now = Date.now()
    const { unique, messages, resends } = generateLedger(SEED, EVENTS, 0.02, now)
    const r = rng(SEED + 1)
    const env = {
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_REPLICATION_FACTOR: '1',
      CLICKHOUSE_DATA_DIR: dataDir,
      CLICKHOUSE_DATABASE: database,
      PROCESSOR_TOPIC_PREFIX: prefix,
      PROCESSOR_GROUP_ID: group,
      PROCESSOR_BATCH_SIZE: '500',
      PROCESSOR_BATCH_MAX_WAIT_MS: '100',
      PROCESSOR_SESSION_TIMEOUT_MS: '6000',
      PROCESSOR_PORT: '0',
      LOG_LEVEL: 'debug',
    }
    // The stream keeps growing while the processor is killed, so kills land mid-work. Odd
    // trials kill right after an insert was handed to the engine (while it writes the part and
    // its projections); even trials at a random moment (mid-insert, mid-commit, mid-replay, idle).
    const slices = KILLS + 1
    const sliceSize = Math.ceil(messages.length / slices)
    let replays = 0
    let committedBatches = 0
    let killsWhileWriting = 0
    const killedAfter: string[] = []
    let running: Child | undefined
    cleanups.push(async () => {
      if (running && running.proc.exitCode === null) {
        running.proc.kill('SIGKILL')
        await running.exited
      }
    })

    for (let trial = 0; trial < KILLS; trial++) {
      await produceAll(producer, prefix, messages.slice(trial * sliceSize, (trial + 1) * sliceSize))
      const child = spawnProcessor(env)
      running = child
      const alive = () => {
        if (child.proc.exitCode !== null) {
          throw new Error(`processor exited early:\n${child.lines.slice(-20).join('\n')}`)
        }
      }
      await waitFor(
        `trial ${trial}: processor working`,
        async () => {
          alive()
          return count(child, '"batch committed"') + count(child, 'replaying') > 0
            ? true
            : undefined
        },
        90_000,
      )
      if (trial % 2 === 1) {
        const before = count(child, '"inserting batch"')
        await waitFor(
          `trial ${trial}: an insert issued`,
          async () => {
            alive()
            return count(child, '"inserting batch"') > before ? true : undefined
          },
          60_000,
        )
        const delay = r.int(0, 25)
        await new Promise((res) => setTimeout(res, delay))
        killsWhileWriting++
        killedAfter.push(`insert+${delay}`)
      } else {
        const delay = r.int(0, 1_500)
        const at = Date.now() + delay
        await waitFor(`trial ${trial}: kill moment`, async () =>
          Date.now() >= at ? true : undefined,
        )
        killedAfter.push(String(delay))
      }
      child.proc.kill('SIGKILL')
      await child.exited
      replays += count(child, '"replaying unfinished batch"')
      committedBatches += count(child, '"batch committed"')
    }

    // The rest of the stream, then a final run to the end and a clean stop.
    await produceAll(producer, prefix, messages.slice(KILLS * sliceSize))
    const final = spawnProcessor(env)
    running = final
    const names = topicNames(prefix)
    const inputTopics = [names.surveys, names.tickets, names.customers, names.qa]
    await waitFor(
      'committed offsets at the end of every partition',
      async () => {
        if (final.proc.exitCode !== null) {
          throw new Error(`processor exited:\n${final.lines.slice(-20).join('\n')}`)
        }
        const committed = await admin.fetchOffsets({ groupId: group, topics: inputTopics })
        for (const topic of inputTopics) {
          const ends = await admin.fetchTopicOffsets(topic)
          const t = committed.find((c) => c.topic === topic)
          for (const end of ends) {
            const c = t?.partitions.find((p) => p.partition === end.partition)
            if (!c || BigInt(c.offset) < BigInt(end.high)) return undefined
          }
        }
        return true
      },
      240_000,
    )
    final.proc.kill('SIGTERM')
    expect(await final.exited).toBe(0)
    replays += count(final, '"replaying unfinished batch"')
    committedBatches += count(final, '"batch committed"')

    // Every check runs and reports before anything fails: raw rows, every projection of every
    // raw table (read alone), the projections' coverage of every part, and the query API.
    const ch = createClickHouse({ dataDir, database })
    cleanups.push(() => ch.close())
    const problems: string[] = []
    const expected = expectedTotals(unique)
    const actual = await actualTotals(ch)
    problems.push(...compareTotals(expected, actual))
    problems.push(...(await projectionCoverage(ch)))
    const raw = await rawLedger(ch)
    const rawRows = Object.values(raw).reduce((s, x) => s + x.rows, 0)
    const expectedIds = new Set(unique.map((e) => String(e['event_id'])))
    const countedIds = new Set(Object.values(raw).flatMap((x) => [...x.ids]))
    const lost = [...expectedIds].filter((id) => !countedIds.has(id))
    const unexpected = [...countedIds].filter((id) => !expectedIds.has(id))
    if (lost.length > 0) problems.push(`raw: ${lost.length} events lost, e.g. ${lost.slice(0, 3)}`)
    if (unexpected.length > 0) problems.push(`raw: ${unexpected.length} unexpected ids`)
    if (rawRows !== countedIds.size) problems.push(`raw: ${rawRows - countedIds.size} rows twice`)

    const keys = { acme: generateApiKey(), globex: generateApiKey() }
    const query = await createQuery(
      {
        host: '127.0.0.1',
        port: 0,
        apiKeys: {},
        shutdownTimeoutMs: 5000,
        clickhouse: { database, dataDir: '' },
        logLevel: 'silent',
        ...DEFAULT_QUERY_LIMITS,
      },
      {
        clickhouse: ch,
        keys: createKeyStore(
          Object.entries(keys).map(([tenant, k]) => ({
            id: `${tenant}-crash`,
            tenant_id: tenant,
            hash: k.hash,
            scopes: ['query' as const],
          })),
        ),
        logger: testLogger,
      },
    ).start()
    cleanups.push(() => query.stop())
    const DAY = 86_400_000
    const windows = {
      // Day-aligned edges: answered from the day projections.
      aligned: [Math.floor(now / DAY) * DAY - 4 * DAY, Math.floor(now / DAY) * DAY + DAY],
      // Edges inside a second: answered from the raw rows.
      unaligned: [now - 3 * DAY - 3_600_017, now + 1_003],
    } as const
    let answers = 0
    for (const [tenant, key] of Object.entries(keys)) {
      const want = expectedAnswers(unique, tenant)
      for (const [windowName, [from, to]] of Object.entries(windows)) {
        for (const [metric, exp] of Object.entries(want)) {
          const params = new URLSearchParams({
            from: new Date(from).toISOString(),
            to: new Date(to).toISOString(),
            ...(metric === 'ces' ? { orientation: 'agreement' } : {}),
          })
          const res = await fetch(
            `http://127.0.0.1:${query.port}/v1/metrics/${metric}?${params.toString()}`,
            { headers: { authorization: `Bearer ${key.key}` } },
          )
          const body = (await res.json()) as { value: number | null; n: number }
          answers++
          const close =
            exp.value === null
              ? body.value === null
              : body.value !== null && Math.abs(body.value - exp.value) <= 5e-5
          if (res.status !== 200 || body.n !== exp.n || !close) {
            problems.push(
              `API ${tenant} ${metric} ${windowName}: expected n=${exp.n} value=${exp.value}, ` +
                `got ${res.status} n=${body.n} value=${body.value}`,
            )
          }
        }
      }
    }

    const seconds = Math.round((Date.now() - started) / 1000)
    console.error(
      `[crash] seed ${SEED}: ${messages.length} messages (${unique.length} distinct events, ${resends} resends), ` +
        `${KILLS} SIGKILLs (${killsWhileWriting} right after an insert was issued; kill delays ms: ${killedAfter.join(',')}), ` +
        `${replays} unfinished batches replayed, ${committedBatches} batches committed, ` +
        `${rawRows} raw rows, ${answers} API answers compared, ${seconds} s\n` +
        describeTotals(expected, actual) +
        (problems.length > 0
          ? `\nPROBLEMS (${problems.length}):\n${problems.slice(0, 200).join('\n')}`
          : ''),
    )
    const verdict = problems.length === 0 ? 'pass' : 'fail'
    await recordReliability({
      id: 'processor-sigkill',
      category: 'fault',
      fault: 'processor killed with SIGKILL under load',
      injection:
        `SIGKILL to the processor process, alternately right after an insert was issued (${killsWhileWriting}×, while ` +
        `the engine writes the part and its projections) and at a random moment 0–1.5 s into real work; ` +
        `stream growing between kills (${resends} client resends mixed in)`,
      trials: killedAfter.length,
      produced: unique.length,
      counted: countedIds.size,
      lost: lost.length,
      duplicated: rawRows - countedIds.size,
      verdict,
      notes:
        `${replays} unfinished batches replayed; raw rows, every projection (1m/1h/1d surveys, ` +
        `1h/1d tickets and QA, per-ticket state) and ${answers} query-API answers compared; ` +
        `${problems.length} mismatches. Repeated by \`pnpm test:crash-loop\` (below).`,
      test: 'test/reliability/processor-crash.integration.test.ts',
    })
    if (LOOP_OUT) {
      await mkdir(dirname(LOOP_OUT), { recursive: true })
      await appendFile(
        LOOP_OUT,
        `${JSON.stringify({
          seed: SEED,
          events: unique.length,
          resends,
          kills: killedAfter.length,
          killsWhileWriting,
          replays,
          rawRows,
          counted: countedIds.size,
          lost: lost.length,
          duplicated: rawRows - countedIds.size,
          aggregateMismatches: problems.filter((p) => !p.startsWith('API') && !p.startsWith('raw'))
            .length,
          apiAnswers: answers,
          apiMismatches: problems.filter((p) => p.startsWith('API')).length,
          seconds,
          verdict,
          at: new Date().toISOString(),
        })}\n`,
      )
    }
    expect(killedAfter).toHaveLength(KILLS)
    expect(problems).toEqual([])
  }, 900_000)
})
