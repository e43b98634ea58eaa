import { join } from 'node:path'
import { z } from 'zod'
import { RAW_TABLE, createClickHouse, queryRows, runMigrations } from '@cxpulse/clickhouse'
import {
  TOPIC_PARTITIONS,
  TOPIC_SPECS,
  enrichEvent,
  groupRecords,
  messageKey,
  parseEvent,
  topicNames,
} from '@cxpulse/contracts'
import { createKafka, ensureTopics, partitionForKey } from '@cxpulse/kafka'
import { createLogger } from '@cxpulse/logger'
import { createProcessor } from '@cxpulse/processor'
import { cpuPerEvent, report, round, sleep, startBroker, surveyEvent, tempDir } from './common.ts'

/**
 * Processor throughput: a topic pre-filled with N enriched survey events, drained into
 * ClickHouse by the processor (parse, validate, dedup, insert, commit), versus a bare kafkajs
 * consumer group reading the same topic (the client's ceiling on this machine). The topic holds
 * what ingest writes: v2 records, one per request of REQUEST events and partition.
 */
const N = Number(process.env['BENCH_PROCESSOR_EVENTS'] ?? 300_000)
const REQUEST = Number(process.env['BENCH_PROCESSOR_REQUEST_EVENTS'] ?? 100)
const log = createLogger({ name: 'bench', level: 'error' })

const broker = await startBroker()
try {
  const kafka = createKafka({ brokers: [broker.brokers], clientId: 'bench' }, log)
  const prefix = 'benchproc'
  await ensureTopics(kafka, TOPIC_SPECS(prefix))
  const topic = topicNames(prefix).surveys
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const receivedAt = new Date()
  let bytes = 0
  let records = 0
  for (let i = 0; i < N; i += 5000) {
    const messages = []
    for (let r = i; r < Math.min(i + 5000, N); r += REQUEST) {
      const events = Array.from({ length: Math.min(REQUEST, N - r) }, (_, j) => {
        // What ingest writes: the parsed event (defaults filled in) plus tenant and receipt time.
        const parsed = parseEvent(surveyEvent(r + j))
        if (!parsed.ok) throw new Error(`bench event invalid: ${JSON.stringify(parsed.errors)}`)
        const e = enrichEvent(parsed.event, { tenantId: 'bench', receivedAt })
        const value = JSON.stringify(e)
        bytes += value.length
        return { key: messageKey(e), value, bytes: Buffer.byteLength(value) }
      })
      for (const { key, value, partition, headers } of groupRecords(events, (k) =>
        partitionForKey(k, TOPIC_PARTITIONS.surveys),
      )) {
        messages.push({ key, value, partition, headers })
      }
    }
    records += messages.length
    await producer.send({ topic, messages, acks: -1 })
  }
  await producer.disconnect()
  console.error(
    `[processor] ${N} events (${round(bytes / N, 0)} bytes each) in ${records} records in ${topic}`,
  )

  // Baseline: a bare consumer group reads every record (and so every event).
  const bare = kafka.consumer({ groupId: 'bench-bare', maxBytes: 50 * 2 ** 20 })
  await bare.connect()
  await bare.subscribe({ topic, fromBeginning: true })
  let consumed = 0
  const bareCpu = cpuPerEvent({ bench: process.pid, broker: broker.pid })
  const bareStart = performance.now()
  const bareDone = new Promise<number>((done) => {
    void bare.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        consumed += batch.messages.length
        if (consumed >= records) done(performance.now())
      },
    })
  })
  const bareSec = ((await bareDone) - bareStart) / 1000
  const bareCpuUs = bareCpu.stop(N)
  await bare.disconnect()

  // The processor into an embedded ClickHouse of its own.
  const dataDir = await tempDir('ch')
  const ch = createClickHouse({ dataDir: join(dataDir, 'ch'), database: 'bench' })
  await runMigrations(ch)
  const count = async () => {
    const [row] = await queryRows(ch, {
      name: 'count',
      sql: `SELECT count() AS n FROM ${ch.table(RAW_TABLE.surveys)}`,
      row: z.object({ n: z.coerce.number() }),
    })
    return row?.n ?? 0
  }
  // The embedded engine runs on this process's threads, so its CPU is counted with the processor's.
  const procCpu = cpuPerEvent({ processor: process.pid, broker: broker.pid })
  const procStart = performance.now()
  const processor = await createProcessor(
    {
      brokers: [broker.brokers],
      clientId: 'bench-processor',
      clickhouse: { database: 'bench', dataDir: '' },
      logLevel: 'error',
      topicPrefix: prefix,
      groupId: 'bench-processor',
      batchSize: Number(process.env['BENCH_PROCESSOR_BATCH'] ?? 5000),
      batchMaxWaitMs: 200,
      concurrency: 3,
      eventTime: { maxFutureMs: 5 * 60_000, lateHorizonMs: 90 * 86_400_000 },
      retryMaxMs: 10_000,
      sessionTimeoutMs: 30_000,
      stopTimeoutMs: 15_000,
      port: 0,
      host: '127.0.0.1',
    },
    { kafka, clickhouse: ch, logger: log },
  ).start()
  // Poll the processor's own counter, not ClickHouse: the embedded engine runs one query at a
  // time, and polling it would slow the processor down.
  const inserted = async () =>
    Number(
      /cxpulse_processor_rows_inserted_total\{table="survey_events_v2"\} (\d+)/.exec(
        await processor.metricsText(),
      )?.[1] ?? 0,
    )
  while ((await inserted()) < N) await sleep(100)
  const procSec = (performance.now() - procStart) / 1000
  const procCpuUs = procCpu.stop(N)
  const counted = await count()
  await processor.stop()
  await ch.close()

  const bareRate = N / bareSec
  const procRate = N / procSec
  await report(
    'processor',
    [
      ['events', N],
      ['bare kafkajs consume (events/s)', round(bareRate, 0)],
      ['processor to ClickHouse (events/s)', round(procRate, 0)],
      ['rows counted', counted],
      ['CPU µs/event, bare consume: consumer process', bareCpuUs['bench'] ?? 0],
      ['CPU µs/event, bare consume: broker', bareCpuUs['broker'] ?? 0],
      ['CPU µs/event, processor + embedded engine', procCpuUs['processor'] ?? 0],
      ['CPU µs/event, broker while the processor reads', procCpuUs['broker'] ?? 0],
    ],
    [{ name: 'processor / bare consume', value: procRate / bareRate, limit: 0.5, kind: 'min' }],
  )
} finally {
  await broker.stop()
}
