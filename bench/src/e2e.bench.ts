import { enrichEvent, groupRecords, messageKey, parseEvent } from '@cxpulse/contracts'
import { createKafka, ensureTopics, partitionForKey } from '@cxpulse/kafka'
import { createLogger } from '@cxpulse/logger'
import {
  cpuPerEvent,
  report,
  round,
  rssSampler,
  sleep,
  startBroker,
  surveyEvent,
} from './common.ts'
import { countedSurveys, runLoad, startAllInOne } from './pipeline.ts'

/**
 * 1. End-to-end throughput: a separate load process posts batched events to the all-in-one
 *    process for SECONDS; the figure is accepted events / time from the first request until
 *    the query API counts every one of them. Baseline in the same run: bare kafkajs produce +
 *    consume of the same number of the same payloads on the same broker, in the records ingest
 *    writes for them (one NDJSON record per request and partition, topic format v2).
 * 5. Memory: peak RSS of the all-in-one process during that run.
 */
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 60)
const log = createLogger({ name: 'bench', level: 'error' })

const broker = await startBroker()
try {
  const pipeline = await startAllInOne(broker.brokers)
  const rss = rssSampler(pipeline.proc.pid ?? 0)
  const from = new Date(Date.now() - 2 * 3_600_000)
  const cpu = cpuPerEvent({ allInOne: pipeline.proc.pid ?? 0, broker: broker.pid })
  const t0 = performance.now()
  const load = await runLoad(pipeline, { seconds: SECONDS, connections: 8, batch: 1000 })
  const loadEnd = performance.now()
  const visible = () => countedSurveys(pipeline, from, new Date(Date.now() + 600_000))
  while ((await visible()) < load.accepted) await sleep(500)
  const visibleSec = (performance.now() - t0) / 1000
  const cpuUs = cpu.stop(load.accepted)
  const peakRss = rss.stop()
  await pipeline.stop()

  // Baseline: the same payloads through bare kafkajs (produce with acks=all, consume), as the
  // records ingest makes of each 1,000-event request: what the pipeline's Kafka leg carries.
  const kafka = createKafka({ brokers: [broker.brokers], clientId: 'bench-bare' }, log)
  const topic = 'bench-bare-e2e'
  const PARTITIONS = 6
  await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS }])
  const consumer = kafka.consumer({ groupId: 'bench-bare-e2e' })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let consumed = 0
  const n = load.accepted
  const allConsumed = new Promise<void>((done) => {
    void consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) consumed += Number(m.headers?.['events'] ?? 1)
        if (consumed >= n) done()
      },
    })
  })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const b0 = performance.now()
  const receivedAt = new Date()
  for (let i = 0; i < n; i += 1000) {
    const events = Array.from({ length: Math.min(1000, n - i) }, (_, j) => {
      const parsed = parseEvent(surveyEvent(i + j))
      if (!parsed.ok) throw new Error(`bench event invalid: ${JSON.stringify(parsed.errors)}`)
      const e = enrichEvent(parsed.event, { tenantId: 'demo', receivedAt })
      const value = JSON.stringify(e)
      return { key: messageKey(e), value, bytes: Buffer.byteLength(value) }
    })
    const records = groupRecords(events, (k) => partitionForKey(k, PARTITIONS))
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({
        key: r.key,
        value: r.value,
        partition: r.partition,
        // The bare consumer counts events from this; the pipeline reads the lines themselves.
        headers: { ...r.headers, events: String(r.events) },
      })),
    })
  }
  await allConsumed
  const bareSec = (performance.now() - b0) / 1000
  await producer.disconnect()
  await consumer.disconnect()

  const e2eRate = load.accepted / visibleSec
  const bareRate = n / bareSec
  await report(
    'e2e',
    [
      ['load seconds', round(load.seconds, 1)],
      ['events accepted (202)', load.accepted],
      ['events refused (429/503, retried)', load.refused],
      ['ingest accept rate (events/s)', round(load.accepted / ((loadEnd - t0) / 1000), 0)],
      ['seconds until all counted by the query API', round(visibleSec, 1)],
      ['end-to-end (events/s)', round(e2eRate, 0)],
      ['bare kafkajs produce+consume (events/s)', round(bareRate, 0)],
      ['peak RSS of the all-in-one process (MiB)', round(peakRss, 0)],
      [
        'CPU µs/event, all-in-one (ingest, processor, engine, query, alerter)',
        cpuUs['allInOne'] ?? 0,
      ],
      ['CPU µs/event, broker', cpuUs['broker'] ?? 0],
    ],
    [
      { name: 'end-to-end events/s', value: e2eRate, limit: 50_000, kind: 'min' },
      { name: 'end-to-end / bare kafkajs', value: e2eRate / bareRate, limit: 0.6, kind: 'min' },
      { name: 'peak RSS MiB', value: peakRss, limit: 1536, kind: 'max' },
    ],
  )
} finally {
  await broker.stop()
}
