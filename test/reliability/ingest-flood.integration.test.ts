import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { generateApiKey } from '@cxpulse/auth'
import { recordLines, topicNames } from '@cxpulse/contracts'
import { compareLedger, recordReliability, testKafka, uniqueName, waitFor } from '@cxpulse/testkit'

/**
 * Ingest (its own process, as in production) flooded far beyond what it can pass to Kafka:
 * 200 connections each posting 500-event batches back to back for FLOOD_MS. It must answer
 * 503 + Retry-After (or 429) instead of queueing without bound, keep its memory bounded,
 * stay up, and every event it answered 202 for must be in Kafka.
 */
const ROOT = resolve(import.meta.dirname, '../..')
const MAIN = join(ROOT, 'services/ingest/src/main.ts')
const FLOOD_MS = Number(process.env['CXPULSE_FLOOD_MS'] ?? 15_000)
const CONNECTIONS = 200
const RSS_LIMIT_MB = 512
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

function survey(i: number) {
  return {
    event_id: randomUUID(),
    type: 'survey.response',
    occurred_at: new Date(Date.now() - 60_000).toISOString(),
    customer_id: `c${i % 5000}`,
    dimensions: { channel: ['email', 'chat', 'phone'][i % 3] },
    kind: 'csat',
    score: 1 + (i % 5),
    comment: 'x'.repeat(200),
  }
}

describe('reliability: ingest flooded beyond its capacity', () => {
  const { kafka, brokers } = testKafka()
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })

  it('answers 503/429 instead of growing, stays up, and loses no accepted event', async () => {
    const prefix = uniqueName('flood')
    const key = generateApiKey()
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers.join(','),
        // The suite's broker is a single node (the production default is 3 replicas, 2 in sync).
        KAFKA_REPLICATION_FACTOR: '1',
        TOPIC_PREFIX: prefix,
        INGEST_HOST: '127.0.0.1',
        INGEST_PORT: '0',
        INGEST_API_KEYS: JSON.stringify([
          { id: 'flood', tenant_id: 'flood', hash: key.hash, scopes: ['ingest'] },
        ]),
        INGEST_RATE_PER_SEC: '1000000',
        INGEST_RATE_BURST: '10000000',
        // Small bounds, so the flood exceeds them however the CPU is shared with other tests.
        INGEST_MAX_INFLIGHT_REQUESTS: '4',
        INGEST_MAX_INFLIGHT_BYTES: String(2 * 1024 * 1024),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const output: string[] = []
    child.stdout.on('data', (c: Buffer) => output.push(c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => output.push(c.toString('utf8')))
    const exited = new Promise<number | null>((done) => child.once('exit', done))
    cleanups.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await exited
      }
    })
    const url = await waitFor('ingest listening', async () => {
      if (child.exitCode !== null) throw new Error(`ingest exited:\n${output.join('')}`)
      const port = /"port":(\d+)/.exec(output.join(''))?.[1]
      return port ? `http://127.0.0.1:${port}` : undefined
    })
    await waitFor('ingest ready', async () =>
      (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
    )

    const baselineMb = await rssMb(child.pid ?? 0)
    let peakMb = baselineMb
    const statuses = new Map<number, number>()
    const accepted: string[] = []
    const sent: string[] = []
    let networkErrors = 0
    let missingRetryAfter = 0
    let counter = 0
    const deadline = Date.now() + FLOOD_MS
    const sampler = setInterval(() => {
      rssMb(child.pid ?? 0).then(
        (mb) => (peakMb = Math.max(peakMb, mb)),
        () => undefined,
      )
    }, 100)
    const worker = async () => {
      while (Date.now() < deadline) {
        const events = Array.from({ length: 500 }, () => survey(counter++))
        sent.push(...events.map((e) => e.event_id))
        try {
          const res = await fetch(`${url}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ events }),
          })
          await res.text()
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          if (res.status === 202) accepted.push(...events.map((e) => e.event_id))
          if ((res.status === 503 || res.status === 429) && !res.headers.get('retry-after'))
            missingRetryAfter++
          if (res.status === 503 || res.status === 429) await sleep(50)
        } catch {
          networkErrors++
          await sleep(50)
        }
      }
    }
    await Promise.all(Array.from({ length: CONNECTIONS }, worker))
    clearInterval(sampler)
    const health = await fetch(`${url}/healthz`)
    const alive = child.exitCode === null && health.status === 200

    // Every 202 event must be in Kafka: read the surveys topic to its end.
    const topic = topicNames(prefix).surveys
    const found: string[] = []
    const consumer = kafka.consumer({ groupId: uniqueName('flood-ledger') })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const idOf = z.object({ event_id: z.string() })
    await consumer.run({
      eachBatchAutoResolve: true,
      eachMessage: async ({ message }) => {
        // Topic format v2: one record per request and partition, one NDJSON line per event.
        for (const line of recordLines(String(message.value))) {
          found.push(idOf.parse(JSON.parse(line)).event_id)
        }
      },
    })
    await waitFor(
      'every accepted event in Kafka',
      async () => (found.length >= accepted.length ? true : undefined),
      120_000,
    )
    await sleep(1_000)
    await consumer.disconnect()
    const sentSet = new Set(sent)
    const ledger = compareLedger(accepted, found)
    // Events of a 503 may have partly reached Kafka (they are retried with the same ids), so
    // "unexpected" ids are fine as long as they were sent.
    const foreign = ledger.unexpected.filter((id) => !sentSet.has(id))
    const refused = (statuses.get(503) ?? 0) + (statuses.get(429) ?? 0)
    const otherStatuses = [...statuses.keys()].filter((s) => ![202, 429, 503].includes(s))
    console.error(
      `[flood] ${CONNECTIONS} connections for ${FLOOD_MS / 1000} s: statuses ${JSON.stringify([...statuses])}, ` +
        `${networkErrors} network errors, RSS ${baselineMb.toFixed(0)} → peak ${peakMb.toFixed(0)} MB, ` +
        `${accepted.length} events accepted, ${found.length} messages in Kafka`,
    )
    const pass =
      alive &&
      refused > 0 &&
      otherStatuses.length === 0 &&
      networkErrors === 0 &&
      missingRetryAfter === 0 &&
      peakMb < RSS_LIMIT_MB &&
      ledger.lost.length === 0 &&
      foreign.length === 0
    await recordReliability({
      id: 'ingest-flood',
      category: 'fault',
      fault: 'ingest flooded beyond its capacity',
      injection: `${CONNECTIONS} connections posting 500-event batches back to back for ${FLOOD_MS / 1000} s at an ingest process with 4 in-flight requests / 2 MiB allowed`,
      trials: [...statuses.values()].reduce((a, b) => a + b, 0),
      produced: ledger.produced,
      counted: ledger.produced - ledger.lost.length,
      lost: ledger.lost.length,
      duplicated: ledger.duplicated.length,
      verdict: pass ? 'pass' : 'fail',
      notes: `answers ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')}; peak RSS ${peakMb.toFixed(0)} MB (limit ${RSS_LIMIT_MB}); stayed up: ${alive}. Counted = accepted events found in Kafka.`,
      test: 'test/reliability/ingest-flood.integration.test.ts',
    })
    expect(alive).toBe(true)
    expect(otherStatuses).toEqual([])
    expect(networkErrors).toBe(0)
    expect(refused).toBeGreaterThan(0)
    expect(missingRetryAfter).toBe(0)
    expect(peakMb).toBeLessThan(RSS_LIMIT_MB)
    expect(ledger.lost).toEqual([])
    expect(foreign).toEqual([])
  }, 300_000)
})
