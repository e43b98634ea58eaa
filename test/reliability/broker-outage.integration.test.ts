import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { generateApiKey } from '@cxpulse/auth'
import { RAW_TABLES, queryRows } from '@cxpulse/clickhouse'
import { startLocalKafka, stopLocalKafka } from '@cxpulse/local-kafka'
import { createCxClient } from '@cxpulse/sdk'
import { createSimulator } from '@cxpulse/simulator'
import { compareLedger, recordReliability, waitFor } from '@cxpulse/testkit'
import { startTestPipeline } from '../harness/pipeline.ts'
import { capturingLogger } from './security.support.ts'

/**
 * The broker stopped for 30 s mid-stream and restarted on the same data directory: ingest
 * answers 503 + Retry-After meanwhile and recovers by itself, the SDK's retries deliver every
 * event, and the processor counts each exactly once. This test runs its own broker (the
 * suite's shared broker must stay up for the other files).
 */
const OUTAGE_MS = Number(process.env['CXPULSE_BROKER_OUTAGE_MS'] ?? 30_000)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// The pipeline's log (info and up), written to .test-results/broker-outage.log when the test
// fails, so a failure seen only under a loaded suite can be read.
const { logger: pipelineLogger, lines: logLines } = capturingLogger('outage', 'info')
async function saveLog(): Promise<string> {
  const dir = join(import.meta.dirname, '../../.test-results')
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'broker-outage.log')
  await writeFile(file, logLines.join(''))
  return file
}

describe('reliability: Kafka broker stopped and restarted mid-stream', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })

  it(`delivers every event across a ${OUTAGE_MS / 1000} s broker outage, counted once`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cxpulse-outage-kafka-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    const broker = await startLocalKafka({ dataDir, fresh: true })
    cleanups.push(() => stopLocalKafka(dataDir))
    const key = generateApiKey()
    const running = await startTestPipeline(
      'outage',
      [{ id: 'k1', tenant_id: 'acme', hash: key.hash, scopes: ['ingest', 'query'] }],
      { brokers: [broker.brokers], logger: pipelineLogger, sessionTimeoutMs: 10_000 },
    )
    cleanups.push(() => running.stop())
    const { ch, pipeline } = running

    const client = createCxClient({
      url: pipeline.ingest.url,
      apiKey: key.key,
      batchSize: 200,
      maxRetries: 200,
      initialBackoffMs: 200,
      maxBackoffMs: 2_000,
      requestTimeoutMs: 15_000,
    })
    const now = Date.now()
    const events = createSimulator({
      seed: 31,
      responsesPerMinute: 30,
      customers: 400,
    }).eventsBetween(new Date(now - 3 * 86_400_000), new Date(now - 60_000))
    // A steady stream: one SDK batch every 250 ms, sends overlapping the outage.
    const accepted: string[] = []
    const rejected: string[] = []
    const failed: string[] = []
    const sends: Promise<void>[] = []
    let sending = true
    let next = 0
    const stream = (async () => {
      while (sending && next < events.length) {
        const batch = events.slice(next, next + 200)
        next += batch.length
        sends.push(
          client.send(batch).then(
            (r) => {
              accepted.push(...r.accepted)
              rejected.push(...r.rejected.map((x) => x.reason))
            },
            (error: Error) => {
              failed.push(error.message)
            },
          ),
        )
        await sleep(250)
      }
    })()

    await waitFor('events flowing', async () => (accepted.length > 1000 ? true : undefined))
    const stopped = Date.now()
    await stopLocalKafka(dataDir)

    // While the broker is down, ingest refuses with 503 + Retry-After (it does not hang or 5xx otherwise).
    const statuses = new Map<number, number>()
    let retryAfter: string | null = null
    const probe = async () => {
      const res = await fetch(`${pipeline.ingest.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(events[next] ?? events[0]),
        signal: AbortSignal.timeout(20_000),
      })
      await res.text()
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      if (res.status === 503) retryAfter = res.headers.get('retry-after')
    }
    while (Date.now() - stopped < OUTAGE_MS) {
      await probe().catch(() => undefined)
      await sleep(1_000)
    }
    const acceptedBeforeRestart = accepted.length
    await startLocalKafka({ dataDir })
    const restartedAt = Date.now()

    // Ingest recovers by itself: a probe gets 202 again.
    await waitFor(
      'ingest accepting again',
      async () => {
        await probe().catch(() => undefined)
        return (statuses.get(202) ?? 0) > 0 ? true : undefined
      },
      180_000,
    )
    const recoveredMs = Date.now() - restartedAt
    await sleep(3_000)
    sending = false
    await stream
    await Promise.all(sends)

    // The probes' events are part of the stream's events (same ids), so the ledger is `accepted`.
    const counted = z.object({ event_id: z.string() })
    let countedSoFar = 0
    await waitFor(
      'every accepted event counted',
      async () => {
        countedSoFar = new Set(await rawIds()).size
        return countedSoFar >= new Set(accepted).size ? true : undefined
      },
      120_000,
    ).catch(async (error: Error) => {
      // Say where the processor stood: how far it got, its retries and its lag.
      const metrics = (await pipeline.processor.metricsText())
        .split('\n')
        .filter((l) => /^cxpulse_processor_(retries|consumer_lag|batches_replayed)/.test(l))
      throw new Error(
        `${error.message}; counted ${countedSoFar} of ${new Set(accepted).size}; ready ${pipeline.processor.isReady()}; ${metrics.join('; ')}; pipeline log: ${await saveLog()}`,
      )
    })
    async function rawIds(): Promise<string[]> {
      const ids: string[] = []
      for (const t of RAW_TABLES) {
        const rows = await queryRows(ch, {
          name: 'ids',
          sql: `SELECT toString(event_id) AS event_id FROM ${ch.table(t)}`,
          row: counted,
        })
        ids.push(...rows.map((r) => r.event_id))
      }
      return ids
    }
    const sentIds = new Set(events.slice(0, next).map((e) => e.event_id))
    const ledger = compareLedger(accepted, await rawIds())
    // Probes resend ids of the stream: anything counted must be an id that was sent.
    const foreign = ledger.unexpected.filter((id) => !sentIds.has(id))
    const status503 = statuses.get(503) ?? 0
    console.error(
      `[broker-outage] ${accepted.length} accepted (${acceptedBeforeRestart} before restart), ` +
        `${failed.length} SDK sends failed, probes ${JSON.stringify([...statuses])}, ` +
        `ingest recovered ${recoveredMs} ms after restart`,
    )
    const pass =
      failed.length === 0 &&
      rejected.length === 0 &&
      ledger.lost.length === 0 &&
      ledger.duplicated.length === 0 &&
      foreign.length === 0 &&
      status503 > 0 &&
      retryAfter !== null
    await recordReliability({
      id: 'broker-outage',
      category: 'fault',
      fault: `Kafka broker stopped for ${OUTAGE_MS / 1000} s mid-stream, then restarted`,
      injection:
        'the local broker process stopped by pid while the SDK streamed a batch of 200 every 250 ms; restarted on the same data dir and ports',
      trials: 1,
      produced: new Set(accepted).size,
      counted: ledger.counted - ledger.unexpected.length,
      lost: ledger.lost.length,
      duplicated: ledger.duplicated.length,
      verdict: pass ? 'pass' : 'fail',
      notes: `ingest answered ${status503}× 503 with Retry-After during the outage and accepted again ${Math.round(recoveredMs / 100) / 10} s after the restart; ${failed.length} SDK sends gave up.`,
      test: 'test/reliability/broker-outage.integration.test.ts',
    })
    expect(failed).toEqual([])
    expect(rejected).toEqual([])
    expect(status503).toBeGreaterThan(0)
    expect(retryAfter).not.toBeNull()
    expect([...statuses.keys()].every((s) => s === 202 || s === 503)).toBe(true)
    expect(ledger.lost).toEqual([])
    expect(ledger.duplicated).toEqual([])
    expect(foreign).toEqual([])
  }, 400_000)
})
