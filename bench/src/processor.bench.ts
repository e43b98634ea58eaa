import { join } from 'node:path'
import { z } from 'zod'
import {
  RAW_TABLE,
  createClickHouse,
  findCountedEventIds,
  insertRawBatch,
  queryRows,
  runMigrations,
  writeProgress,
  type ClickHouse,
  type RawTable,
} from '@cxpulse/clickhouse'
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
import { createProcessor, guardBatch, rawInsertBody } from '@cxpulse/processor'
import { cpuPerEvent, report, round, sleep, startBroker, surveyEvent, tempDir } from './common.ts'

/**
 * Processor throughput: a topic pre-filled with N enriched survey events, drained into
 * ClickHouse by the processor (parse, validate, dedup, insert, commit), versus a bare kafkajs
 * consumer group reading the same topic (the client's ceiling on this machine). The topic holds
 * what ingest writes: v2 records, one per request of REQUEST events and partition. Then each
 * step the processor takes per batch, alone on the same records in the same engine (see
 * engineSteps), so the figures say where its time goes and what bounds it.
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
  const produced: string[] = []
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
        produced.push(value)
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
      concurrency: Number(process.env['BENCH_PROCESSOR_CONCURRENCY'] ?? 3),
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
  const batches = Number(
    /cxpulse_processor_batch_duration_seconds_count (\d+)/.exec(
      await processor.metricsText(),
    )?.[1] ?? 0,
  )
  const eventsPerBatch = Math.round(N / Math.max(1, batches))
  await processor.stop()
  // The steps alone in batches of the size the processor wrote.
  const steps = await engineSteps(ch, produced, topic, eventsPerBatch)
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
      ['batches written (events per batch)', `${batches} (${eventsPerBatch})`],
      ['CPU µs/event, bare consume: consumer process', bareCpuUs['bench'] ?? 0],
      ['CPU µs/event, bare consume: broker', bareCpuUs['broker'] ?? 0],
      ['CPU µs/event, processor + embedded engine', procCpuUs['processor'] ?? 0],
      ['CPU µs/event, broker while the processor reads', procCpuUs['broker'] ?? 0],
      ...steps.rows,
    ],
    [{ name: 'processor / bare consume', value: procRate / bareRate, limit: 0.5, kind: 'min' }],
    {
      bound: {
        'raw insert alone / bare consume': round(steps.insertRate / bareRate),
        'processor / raw insert alone': round(procRate / steps.insertRate),
      },
    },
  )
} finally {
  await broker.stop()
}

/**
 * The processor's per-batch steps, each alone over the same records cut into batches of
 * batchEvents events (the processor's own batch size in the run): the guard (JavaScript), the
 * raw insert with the table's projections and without them, the resend lookup, and the two
 * progress writes. Into a database of its own in the same engine; CPU is this process's (the
 * embedded engine runs on its threads).
 */
async function engineSteps(
  ch: ClickHouse,
  values: readonly string[],
  topic: string,
  batchEvents: number,
) {
  const policy = { maxFutureMs: 5 * 60_000, lateHorizonMs: 90 * 86_400_000 }
  const db = ch.forDatabase('bench_steps')
  await runMigrations(db)
  const cpuUs = () => {
    const u = process.cpuUsage()
    return u.user + u.system
  }
  const batches: { messages: { offset: string; value: Buffer }[]; events: number }[] = []
  let current: (typeof batches)[number] = { messages: [], events: 0 }
  values.forEach((value, i) => {
    current.messages.push({ offset: String(i), value: Buffer.from(value) })
    current.events += value.split('\n').length
    if (current.events >= batchEvents) {
      batches.push(current)
      current = { messages: [], events: 0 }
    }
  })
  if (current.events > 0) batches.push(current)
  const events = batches.reduce((n, b) => n + b.events, 0)

  let t = cpuUs()
  const guarded = batches.map((b) =>
    guardBatch(b.messages as never, { topic, domain: 'surveys', policy }),
  )
  const bodies = guarded.map((g) => rawInsertBody(g.events, { topic, partition: 0 }))
  const guardUs = (cpuUs() - t) / events

  // The processor's own insert (same settings and token rule); the second table is a copy of the
  // raw table without its projections, so it is not one of the RawTable names.
  const insertAll = async (table: string, run: string) => {
    const c = cpuUs()
    const w = performance.now()
    for (const [i, body] of bodies.entries())
      await insertRawBatch(db, table as RawTable, body, `${run}:${i}`)
    return { rate: events / ((performance.now() - w) / 1000), cpu: (cpuUs() - c) / events }
  }
  const withProjections = await insertAll(RAW_TABLE.surveys, 'p')
  await db.client.command({
    query: `CREATE TABLE ${db.table('survey_events_bare')} AS ${db.table(RAW_TABLE.surveys)}`,
  })
  for (const p of ['p_1m', 'p_1h', 'p_1d'])
    await db.client.command({
      query: `ALTER TABLE ${db.table('survey_events_bare')} DROP PROJECTION ${p}`,
    })
  const bare = await insertAll('survey_events_bare', 'b')

  t = cpuUs()
  for (const [i, g] of guarded.entries()) {
    // Another batch's offsets: every event of this one is found as counted before.
    await findCountedEventIds(db, RAW_TABLE.surveys, {
      events: g.events,
      topic,
      partition: 0,
      minOffset: BigInt(values.length + i),
      maxOffset: BigInt(values.length + i),
    })
  }
  const lookupUs = (cpuUs() - t) / events

  t = cpuUs()
  for (let i = 0; i < batches.length; i++) {
    const key = { group: 'bench-steps', topic, partition: 0 }
    const range = { minOffset: BigInt(i), maxOffset: BigInt(i) }
    await writeProgress(db, key, { ...range, state: 'before' })
    await writeProgress(db, key, { ...range, state: 'after' })
  }
  const progressUs = (cpuUs() - t) / events

  return {
    insertRate: withProjections.rate,
    rows: [
      [
        `steps alone, batches of ${batchEvents} events: guard, CPU µs/event (JavaScript)`,
        round(guardUs, 1),
      ],
      ['steps alone: raw insert with the 3 projections (events/s)', round(withProjections.rate, 0)],
      [
        'steps alone: raw insert with the 3 projections, CPU µs/event',
        round(withProjections.cpu, 1),
      ],
      ['steps alone: raw insert without projections (events/s)', round(bare.rate, 0)],
      ['steps alone: raw insert without projections, CPU µs/event', round(bare.cpu, 1)],
      ['steps alone: resend lookup, CPU µs/event', round(lookupUs, 1)],
      ['steps alone: progress before + after, CPU µs/event', round(progressUs, 1)],
      [
        'steps alone: sum, CPU µs/event',
        round(guardUs + withProjections.cpu + lookupUs + progressUs, 1),
      ],
    ] as [string, number][],
  }
}
