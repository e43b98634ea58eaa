import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigResourceTypes } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { generateApiKey } from '@cxpulse/auth'
import { RAW_TABLE, queryRows } from '@cxpulse/clickhouse'
import { topicNames } from '@cxpulse/contracts'
import { createKafka } from '@cxpulse/kafka'
import { startLocalKafkaCluster } from '@cxpulse/local-kafka'
import { createCxClient, events } from '@cxpulse/sdk'
import {
  compareLedger,
  readWholeTopics,
  recordReliability,
  testLogger,
  uniqueName,
  waitFor,
} from '@cxpulse/testkit'
import { startTestPipeline } from '../harness/pipeline.ts'
import { capturingLogger } from './security.support.ts'

/**
 * The pipeline on a real three-node KRaft cluster (its own; the suite's single broker stays up
 * for the other files) with cxpulse's topics at RF 3 and min.insync.replicas 2. Under a steady
 * SDK load: one node SIGKILLed and brought back; the leader of a partition the processor has
 * uncommitted messages on stopped; then two of three stopped, so no in-sync quorum exists.
 * Every ingest answer is logged with the cluster's state when the request started and ended:
 * 503 (with Retry-After) must appear only while no in-sync quorum exists, and the raw table
 * must hold every accepted event_id exactly once.
 */
const SURVEY_TABLE = RAW_TABLE.surveys // the raw table the ledger reads
const REPLICATION = { replicationFactor: 3, minInsyncReplicas: 2 }
const BATCH = 100
const PACE_MS = 200
/** Events accepted under each fault before the next step: the fault is seen under load. */
const UNDER_LOAD = 1_500

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const { logger: pipelineLogger, lines: logLines } = capturingLogger('kafka-cluster', 'info')
async function saveLog(): Promise<string> {
  const dir = join(import.meta.dirname, '../../.test-results')
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'kafka-cluster.log')
  await writeFile(file, logLines.join(''))
  return file
}

type Quorum = 'quorum' | 'no-quorum' | 'recovering'
interface Answer {
  /** Indexes into `phases` when the request was sent and when it was answered. */
  from: number
  to: number
  status: number
  retryAfter: string | null
}

describe('reliability: three-broker Kafka cluster (RF 3, min.insync.replicas 2)', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })

  it('loses and double counts nothing across a SIGKILLed broker, a stopped leader and a lost quorum; 503 only without quorum', async () => {
    const began = Date.now()
    const dataDir = await mkdtemp(join(tmpdir(), 'cxpulse-kafka-cluster-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    const cluster = await startLocalKafkaCluster({ dataDir, brokers: 3, fresh: true })
    cleanups.push(() => cluster.stop())
    const clusterStartMs = Date.now() - began

    const key = generateApiKey()
    const running = await startTestPipeline(
      'kcluster',
      [{ id: 'k1', tenant_id: 'acme', hash: key.hash, scopes: ['ingest', 'query'] }],
      {
        brokers: cluster.brokers,
        topicReplication: REPLICATION,
        logger: pipelineLogger,
        sessionTimeoutMs: 10_000,
        alertIntervalMs: 0,
      },
    )
    cleanups.push(() => running.stop())
    const { ch, pipeline, groupId } = running
    const topics = topicNames(running.topicPrefix)
    const kafka = createKafka(
      { brokers: cluster.brokers, clientId: uniqueName('kcluster-admin') },
      testLogger,
    )
    const admin = kafka.admin()
    await admin.connect()
    cleanups.push(() => admin.disconnect())

    // cxpulse created its topics as configured: three replicas everywhere, two in sync to write.
    const ours = [topics.surveys, topics.tickets, topics.customers, topics.qa, topics.deadLetter]
    const created = await admin.fetchTopicMetadata({ topics: [...ours, topics.alerts] })
    for (const t of created.topics) {
      for (const p of t.partitions) expect(p.replicas, `${t.name}/${p.partitionId}`).toHaveLength(3)
    }
    const configs = await admin.describeConfigs({
      resources: [...ours, topics.alerts].map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
      })),
      includeSynonyms: false,
    })
    expect(
      configs.resources.map(
        (r) => r.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue,
      ),
    ).toEqual(Array(6).fill('2'))

    // Every ingest answer, with the phase the cluster was in when it was sent and answered.
    const phases: { name: string; quorum: Quorum; at: number }[] = []
    const enter = (name: string, quorum: Quorum) => {
      phases.push({ name, quorum, at: Date.now() })
    }
    enter('three nodes up', 'quorum')
    const answers: Answer[] = []
    const recordingFetch: typeof fetch = async (input, init) => {
      const from = phases.length - 1
      try {
        const res = await fetch(input, init)
        answers.push({
          from,
          to: phases.length - 1,
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
        })
        return res
      } catch (error) {
        answers.push({ from, to: phases.length - 1, status: 0, retryAfter: null })
        throw error
      }
    }
    const client = createCxClient({
      url: pipeline.ingest.url,
      apiKey: key.key,
      batchSize: BATCH,
      maxRetries: 500,
      initialBackoffMs: 200,
      maxBackoffMs: 2_000,
      requestTimeoutMs: 30_000,
      fetch: recordingFetch,
    })

    // A steady stream of CSAT responses from the last hour: one request of 100 every 200 ms.
    const accepted: string[] = []
    /** The phase each event was accepted in, to place a lost one. */
    const acceptedIn = new Map<string, number>()
    const rejected: string[] = []
    const failed: string[] = []
    const sends: Promise<void>[] = []
    let sending = true
    let made = 0
    const t0 = Date.now()
    const stream = (async () => {
      while (sending) {
        const batch = Array.from({ length: BATCH }, () => {
          const i = made++
          return events.csat({
            customer_id: `c-${i % 997}`,
            score: 1 + (i % 5),
            occurred_at: new Date(t0 - 60_000 - (i % 3_000) * 1_000),
          })
        })
        sends.push(
          client.send(batch).then(
            (r) => {
              accepted.push(...r.accepted)
              for (const id of r.accepted) acceptedIn.set(id, phases.length - 1)
              rejected.push(...r.rejected.map((x) => x.reason))
            },
            (error: Error) => void failed.push(error.message),
          ),
        )
        await sleep(PACE_MS)
      }
    })()
    const acceptedAtLeast = (n: number, what: string) =>
      waitFor(what, async () => (accepted.length >= n ? true : undefined), 120_000)

    const surveyPartitions = async () =>
      (await admin.fetchTopicMetadata({ topics: [topics.surveys] })).topics[0]?.partitions ?? []
    const waitForIsr = (min: number, what: string) =>
      waitFor(
        what,
        async () => {
          const ps = await surveyPartitions()
          return ps.length > 0 && ps.every((p) => p.isr.length >= min && p.leader >= 0)
            ? true
            : undefined
        },
        120_000,
      )
    const waitForLeadersOff = async (nodeId: number) => {
      const since = Date.now()
      await waitFor(
        `every surveys partition led by a node other than ${nodeId}`,
        async () => {
          const ps = await surveyPartitions()
          return ps.every((p) => p.leader >= 0 && p.leader !== nodeId) ? true : undefined
        },
        60_000,
      )
      return Date.now() - since
    }

    await acceptedAtLeast(UNDER_LOAD, 'events flowing on three nodes')

    // 1. SIGKILL the node leading surveys partition 0, under load; then bring it back.
    const killed = (await surveyPartitions()).find((p) => p.partitionId === 0)?.leader ?? 1
    enter(`node ${killed} SIGKILLed`, 'quorum')
    const beforeKill = accepted.length
    await cluster.kill(killed)
    const killFailoverMs = await waitForLeadersOff(killed)
    await acceptedAtLeast(beforeKill + UNDER_LOAD, 'events accepted with a node killed')
    enter(`node ${killed} restarting`, 'quorum')
    const restartedAt = Date.now()
    await cluster.restart(killed)
    await waitForIsr(3, `node ${killed} back in sync on every surveys partition`)
    const killCatchUpMs = Date.now() - restartedAt

    // 2. Stop the leader of a partition the processor holds uncommitted messages on, i.e. while
    //    a batch of it is being fetched or written; the batch must finish on the new leader.
    const inBatch = await waitFor(
      'a surveys partition with uncommitted messages',
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topics.surveys] })
        const high = await admin.fetchTopicOffsets(topics.surveys)
        const lags = high.map((h) => {
          const c = Number(
            committed?.partitions.find((p) => p.partition === h.partition)?.offset ?? -1,
          )
          return { partition: h.partition, high: Number(h.high), lag: Number(h.high) - c }
        })
        const top = lags.sort((a, b) => b.lag - a.lag)[0]
        return top && top.lag > 0 ? top : undefined
      },
      60_000,
    )
    const leader = (await surveyPartitions()).find(
      (p) => p.partitionId === inBatch.partition,
    )?.leader
    if (leader === undefined || leader < 0) throw new Error('no leader for the chosen partition')
    enter(`node ${leader} (leader of partition ${inBatch.partition}) stopped`, 'quorum')
    const beforeLeaderStop = accepted.length
    const stoppingAt = Date.now()
    await cluster.stopNode(leader)
    const leaderStopMs = Date.now() - stoppingAt
    // A controlled shutdown hands its leaderships over before the process exits.
    const leaderFailoverMs = leaderStopMs + (await waitForLeadersOff(leader))
    // The processor commits past where the partition stood when its leader went away.
    await waitFor(
      `processor committed partition ${inBatch.partition} past offset ${inBatch.high}`,
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topics.surveys] })
        const c = committed?.partitions.find((p) => p.partition === inBatch.partition)?.offset
        return Number(c ?? -1) >= inBatch.high ? true : undefined
      },
      120_000,
    )
    await acceptedAtLeast(beforeLeaderStop + UNDER_LOAD, 'events accepted with the leader stopped')
    enter(`node ${leader} restarting`, 'quorum')
    await cluster.restart(leader)
    await waitForIsr(3, `node ${leader} back in sync`)

    // 3. Stop two of three nodes: with one replica left no write reaches min.insync.replicas.
    const [first, second] = [1, 2, 3].filter((n) => n !== killed).slice(0, 2) as [number, number]
    enter(`node ${first} stopped (two of three up)`, 'quorum')
    await cluster.stopNode(first)
    enter(`nodes ${first} and ${second} stopped (one of three up)`, 'no-quorum')
    const noQuorumPhase = phases.length - 1
    const noQuorumAt = Date.now()
    await cluster.stopNode(second)
    await waitFor(
      'ingest answering 503 without an in-sync quorum',
      async () =>
        answers.filter((a) => a.from >= noQuorumPhase && a.status === 503).length >= 10
          ? true
          : undefined,
      60_000,
    )
    enter(`nodes ${first} and ${second} restarting`, 'no-quorum')
    await Promise.all([cluster.restart(first), cluster.restart(second)])
    await waitForIsr(2, 'an in-sync quorum on every surveys partition')
    const quorumBackAt = Date.now()
    const noQuorumMs = quorumBackAt - noQuorumAt
    enter('in-sync quorum back, until ingest accepts', 'recovering')
    const recoveringPhase = phases.length - 1
    await waitFor(
      'ingest accepting again',
      async () =>
        answers.some((a) => a.from >= recoveringPhase && a.status === 202) ? true : undefined,
      60_000,
    )
    const ingestRecoveredMs = Date.now() - quorumBackAt
    enter('three nodes up again', 'quorum')
    await waitForIsr(3, 'every node back in sync')
    const beforeEnd = accepted.length
    await acceptedAtLeast(beforeEnd + UNDER_LOAD, 'events accepted after the recovery')

    sending = false
    await stream
    await Promise.all(sends)
    const streamMs = Date.now() - t0

    const idRow = z.object({ event_id: z.string() })
    const rawIds = async () =>
      (
        await queryRows(ch, {
          name: 'kafka_cluster_ledger_ids',
          sql: `SELECT toString(event_id) AS event_id FROM ${ch.table(SURVEY_TABLE)} WHERE tenant_id = {tenant:String}`,
          params: { tenant: 'acme' },
          row: idRow,
        })
      ).map((r) => r.event_id)
    const produced = new Set(accepted)
    let countedSoFar = 0
    await waitFor(
      'every accepted event in the raw table',
      async () => {
        countedSoFar = new Set(await rawIds()).size
        return countedSoFar >= produced.size ? true : undefined
      },
      120_000,
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}; ${countedSoFar} of ${produced.size}; ${await whereAreTheLost(await rawIds())}; pipeline log: ${await saveLog()}`,
      )
    })
    const ledger = compareLedger(produced, await rawIds())

    /** For a failure message: which lost events Kafka holds (the processor's loss) and which not. */
    async function whereAreTheLost(counted: string[]): Promise<string> {
      const lost = compareLedger(produced, counted).lost
      const onTopics = new Map<string, string>()
      for (const m of await readWholeTopics(kafka, [topics.surveys, topics.deadLetter])) {
        for (const id of lost) {
          if (m.value.includes(id)) onTopics.set(id, `${m.topic}/${m.partition}`)
        }
      }
      const phaseOf = (id: string) => phases[acceptedIn.get(id) ?? -1]?.name ?? '?'
      const notInKafka = lost.filter((id) => !onTopics.has(id))
      return (
        `${lost.length} lost: ${onTopics.size} in Kafka (${[...new Set(onTopics.values())].join(', ')}), ` +
        `${notInKafka.length} not in Kafka, accepted during ${[...new Set(lost.map(phaseOf))].join(' / ')}`
      )
    }

    // The aggregate the query API answers from counts the same events once each.
    const qs = new URLSearchParams({
      from: new Date(t0 - 2 * 3_600_000).toISOString(),
      to: new Date(Date.now() + 3_600_000).toISOString(),
    })
    const res = await fetch(`${pipeline.query.url}/v1/metrics/csat?${qs}`, {
      headers: { authorization: `Bearer ${key.key}` },
    })
    const apiN = z.object({ n: z.number() }).parse(await res.json()).n

    // 503 only while no in-sync quorum existed: an answer whose request was sent and answered
    // while every phase in between had a quorum must not be a 503.
    const withQuorum = (a: Answer) =>
      phases.slice(a.from, a.to + 1).every((p) => p.quorum === 'quorum')
    const touchesNoQuorum = (a: Answer) =>
      phases.slice(a.from, a.to + 1).some((p) => p.quorum === 'no-quorum')
    const unavailableWithQuorum = answers.filter((a) => a.status === 503 && withQuorum(a))
    const unavailableWithoutQuorum = answers.filter((a) => a.status === 503 && touchesNoQuorum(a))
    const unavailableRecovering = answers.filter(
      (a) => a.status === 503 && !withQuorum(a) && !touchesNoQuorum(a),
    )
    const without503RetryAfter = answers.filter((a) => a.status === 503 && !a.retryAfter)
    const statuses = [...new Set(answers.map((a) => a.status))].sort()
    const byPhase = phases.map((p, i) => ({
      phase: p.name,
      answers: answers.filter((a) => a.to === i).length,
      unavailable: answers.filter((a) => a.to === i && a.status === 503).length,
    }))
    const totalMs = Date.now() - began
    const figures =
      `cluster started in ${(clusterStartMs / 1000).toFixed(1)} s; ` +
      `SIGKILL: leaders moved within ${(killFailoverMs / 1000).toFixed(1)} s, the node restarted and back in sync within ${(killCatchUpMs / 1000).toFixed(1)} s; ` +
      `stopped leader (partition ${inBatch.partition}, ${inBatch.lag} messages not yet committed by the processor): leaders moved within ${(leaderFailoverMs / 1000).toFixed(1)} s; ` +
      `no quorum for ${(noQuorumMs / 1000).toFixed(1)} s, ingest accepting ${(ingestRecoveredMs / 1000).toFixed(1)} s after the quorum was back; ` +
      `503s: ${unavailableWithoutQuorum.length} without quorum, ${unavailableRecovering.length} while recovering, ${unavailableWithQuorum.length} with quorum (of ${answers.length} answers); ` +
      `query API n ${apiN}; stream ${(streamMs / 1000).toFixed(0)} s, case ${(totalMs / 1000).toFixed(0)} s`
    console.error(
      `[kafka-cluster] ${produced.size} accepted, ${ledger.counted} counted, ${ledger.lost.length} lost, ${ledger.duplicated.length} duplicated; ${figures}\n` +
        byPhase
          .map(
            (p, i) =>
              `  +${(((phases[i]?.at ?? 0) - began) / 1000).toFixed(1)} s ${p.phase}: ${p.answers} answers, ${p.unavailable} × 503`,
          )
          .join('\n'),
    )

    const pass =
      failed.length === 0 &&
      rejected.length === 0 &&
      ledger.lost.length === 0 &&
      ledger.duplicated.length === 0 &&
      ledger.unexpected.length === 0 &&
      apiN === produced.size &&
      unavailableWithQuorum.length === 0 &&
      unavailableWithoutQuorum.length > 0 &&
      without503RetryAfter.length === 0 &&
      statuses.every((s) => s === 202 || s === 503)
    await recordReliability({
      id: 'kafka-cluster',
      category: 'fault',
      fault:
        'Three-node Kafka cluster (RF 3, min.insync.replicas 2): a broker SIGKILLed under load and restarted, a partition leader stopped during a processor batch, two of three brokers stopped',
      injection: `a real 3-node KRaft cluster (combined broker + controller nodes, static quorum) while the SDK sent ${BATCH} CSAT responses every ${PACE_MS} ms: node ${killed} (leader of surveys/0) SIGKILLed, ${UNDER_LOAD} more events, restarted; node ${leader} (leader of surveys/${inBatch.partition}, ${inBatch.lag} messages uncommitted by the processor) stopped, restarted; nodes ${first} and ${second} stopped until ingest had answered 10 × 503, restarted; ledger on ${SURVEY_TABLE}.event_id and the query API's n`,
      trials: 1,
      produced: produced.size,
      counted: ledger.counted - ledger.unexpected.length,
      lost: ledger.lost.length,
      duplicated: ledger.duplicated.length,
      verdict: pass ? 'pass' : 'fail',
      notes: figures,
      test: 'test/reliability/kafka-cluster.integration.test.ts',
    })
    if (!pass) {
      console.error(
        `[kafka-cluster] ${await whereAreTheLost(await rawIds())}; log ${await saveLog()}`,
      )
    }

    expect(failed).toEqual([])
    expect(rejected).toEqual([])
    expect(ledger.lost).toEqual([])
    expect(ledger.duplicated).toEqual([])
    expect(ledger.unexpected).toEqual([])
    expect(apiN).toBe(produced.size)
    expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([])
    expect(unavailableWithoutQuorum.length).toBeGreaterThan(0)
    expect(without503RetryAfter).toEqual([])
    expect(
      unavailableWithQuorum.map((a) => `${phases[a.from]?.name} → ${phases[a.to]?.name}`),
    ).toEqual([])
  }, 420_000)
})
