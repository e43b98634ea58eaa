import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createClickHouse } from '@cxpulse/clickhouse'
import { TOPIC_SPECS, topicNames } from '@cxpulse/contracts'
import { ensureTopics } from '@cxpulse/kafka'
import { recordReliability, testKafka, uniqueName, waitFor } from '@cxpulse/test-support'
import {
  actualTotals,
  compareTotals,
  describeTotals,
  expectedTotals,
  generateLedger,
  produceAll,
  rawLedger,
  rng,
} from './__fixtures__/ledger.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const MAIN = join(ROOT, 'services/processor/src/main.ts')

const EVENTS = Number(process.env['CRASH_TEST_EVENTS'] ?? 100_000)
const KILLS = Number(process.env['CRASH_TEST_KILLS'] ?? 12)
const SEED = Number(process.env['CRASH_TEST_SEED'] ?? 20261123)

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

describe('processor crash safety', () => {
  const { kafka, brokers } = testKafka()
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c()
  })

  it(`counts ${EVENTS} events exactly once across ${KILLS} SIGKILLs at random moments`, async () => {
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

    const { unique, messages, resends } = generateLedger(SEED, EVENTS, 0.02)
    const r = rng(SEED + 1)
    const env = {
      KAFKA_BROKERS: brokers.join(','),
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
    // The stream keeps growing while the processor is killed, so kills land mid-work.
    const slices = KILLS + 1
    const sliceSize = Math.ceil(messages.length / slices)
    let replays = 0
    let committedBatches = 0
    const killedAfter: number[] = []
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
      // Wait until it is doing real work (a batch committed or replayed), then kill it at a
      // random moment in the next 1.5 s: mid-insert, mid-commit, mid-replay, or idle.
      await waitFor(
        `trial ${trial}: processor working`,
        async () => {
          if (child.proc.exitCode !== null) {
            throw new Error(`processor exited early:\n${child.lines.slice(-20).join('\n')}`)
          }
          return child.lines.some((l) => l.includes('"batch committed"') || l.includes('replaying'))
            ? true
            : undefined
        },
        90_000,
      )
      const delay = r.int(0, 1_500)
      const at = Date.now() + delay
      await waitFor(`trial ${trial}: kill moment`, async () =>
        Date.now() >= at ? true : undefined,
      )
      child.proc.kill('SIGKILL')
      await child.exited
      killedAfter.push(delay)
      replays += child.lines.filter((l) => l.includes('"replaying unfinished batch"')).length
      committedBatches += child.lines.filter((l) => l.includes('"batch committed"')).length
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
    replays += final.lines.filter((l) => l.includes('"replaying unfinished batch"')).length
    committedBatches += final.lines.filter((l) => l.includes('"batch committed"')).length

    const ch = createClickHouse({ dataDir, database })
    cleanups.push(() => ch.close())
    const expected = expectedTotals(unique)
    const actual = await actualTotals(ch)
    const raw = await rawLedger(ch)
    const rawRows = Object.values(raw).reduce((s, x) => s + x.rows, 0)
    console.error(
      `[crash] ${messages.length} messages (${unique.length} distinct events, ${resends} resends), ` +
        `${KILLS} SIGKILL trials (kill delays ms: ${killedAfter.join(',')}), ` +
        `${replays} unfinished batches replayed, ${committedBatches} batches committed, ` +
        `${rawRows} raw rows, ${Math.round((Date.now() - started) / 1000)} s\n` +
        describeTotals(expected, actual),
    )
    const expectedIds = new Set(unique.map((e) => String(e['event_id'])))
    const countedIds = new Set(Object.values(raw).flatMap((x) => [...x.ids]))
    const mismatches = compareTotals(expected, actual)
    const lost = [...expectedIds].filter((id) => !countedIds.has(id)).length
    await recordReliability({
      id: 'processor-sigkill',
      category: 'fault',
      fault: 'processor killed with SIGKILL under load',
      injection: `SIGKILL to the processor process at a random moment 0–1.5 s into real work, stream growing between kills (${resends} client resends mixed in)`,
      trials: killedAfter.length,
      produced: unique.length,
      counted: countedIds.size,
      lost,
      duplicated: rawRows - countedIds.size,
      verdict: mismatches.length === 0 && lost === 0 && rawRows === unique.length ? 'pass' : 'fail',
      notes: `${replays} unfinished batches replayed; every rollup total compared.`,
      test: 'services/processor/src/crash.integration.test.ts',
    })
    expect(killedAfter).toHaveLength(KILLS)
    expect(mismatches).toEqual([])
    expect(countedIds).toEqual(expectedIds)
    expect(rawRows).toBe(unique.length)
  }, 600_000)
})
