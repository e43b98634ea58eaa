import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import {
  RAW_TABLES,
  findCountedEventIds,
  insertRawBatch,
  offsetsPresent,
  readProgress,
  writeProgress,
  type ClickHouse,
  type RawTable,
} from '@cxpulse/clickhouse'
import {
  DEFAULT_MAX_FUTURE_MS,
  TOPIC_SPECS,
  buildDeadLetter,
  domainForEvent,
  parseEnrichedEvent,
  recordLines,
  topicNames,
  type DeadLetter,
  type Domain,
} from '@cxpulse/contracts'
import { createIdempotentProducer, ensureTopics } from '@cxpulse/kafka'
import type { Logger } from '@cxpulse/logger'
import type { ProcessorConfig } from './config.ts'
import { PRIMARY_TABLE, rowsForEvent, type ConsumedEvent } from './rows.ts'

export interface ProcessorDeps {
  kafka: Kafka
  clickhouse: ClickHouse
  logger: Logger
}

export interface ProcessorHandle {
  /** Port of /healthz, /readyz, /metrics. */
  readonly port: number
  isReady(): boolean
  metricsText(): Promise<string>
  /** Safe to call twice; runs under config.stopTimeoutMs. */
  stop(): Promise<void>
}

/** Thrown to abandon a batch without committing it (stop, rebalance, stale batch). */
class BatchAbandoned extends Error {
  override name = 'BatchAbandoned'
}

interface TopicPartition {
  topic: string
  partition: number
}

interface Rebuild {
  min: bigint
  max: bigint
  messages: Map<string, KafkaMessage>
}

function createMetrics() {
  const registry = new Registry()
  return {
    registry,
    lag: new Gauge({
      name: 'cxpulse_processor_consumer_lag',
      help: 'Messages behind the partition high watermark after the last written batch',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'cxpulse_processor_batch_duration_seconds',
      help: 'Time from a batch starting to its offset being committed',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    rowsInserted: new Counter({
      name: 'cxpulse_processor_rows_inserted_total',
      help: 'Rows sent to ClickHouse raw tables (a replay sends them again; ClickHouse drops them)',
      labelNames: ['table'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'cxpulse_processor_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic',
      labelNames: ['reason'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'cxpulse_processor_duplicates_skipped_total',
      help: 'Messages not counted because they were counted before',
      labelNames: ['kind'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'cxpulse_processor_retries_total',
      help: 'Failed ClickHouse/Kafka steps: retried with backoff while the partition was paused, or (offset commits) left to kafkajs to recover',
      labelNames: ['step'],
      registers: [registry],
    }),
    replays: new Counter({
      name: 'cxpulse_processor_batches_replayed_total',
      help: "Batches rebuilt from a 'before' progress record after a crash or rebalance",
      registers: [registry],
    }),
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Broker answers that mean this member must rejoin the consumer group. */
const MEMBERSHIP_ERRORS = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
])

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export function createProcessor(config: ProcessorConfig, deps: ProcessorDeps) {
  return { start: () => startProcessor(config, deps) }
}

async function startProcessor(
  config: ProcessorConfig,
  deps: ProcessorDeps,
): Promise<ProcessorHandle> {
  const { kafka, clickhouse: ch } = deps
  const log = deps.logger.child({ component: 'processor', group: config.groupId })
  const topics = topicNames(config.topicPrefix)
  const domainOf = new Map<string, Domain>([
    [topics.surveys, 'surveys'],
    [topics.tickets, 'tickets'],
    [topics.customers, 'customers'],
    [topics.qa, 'qa'],
  ])
  const metrics = createMetrics()
  const rebuilds = new Map<string, Rebuild>()
  let ready = false
  let stopping = false

  await ensureTopics(
    kafka,
    TOPIC_SPECS(config.topicPrefix).filter((t) => t.topic !== topics.alerts),
  )

  const heartbeatMs = Math.min(3_000, Math.floor(config.sessionTimeoutMs / 3))
  const producer: Producer = createIdempotentProducer(kafka)
  const admin: Admin = kafka.admin()
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: heartbeatMs,
    rebalanceTimeout: Math.max(60_000, config.sessionTimeoutMs),
    maxWaitTimeInMs: config.batchMaxWaitMs,
    // kafkajs fetches 1 MiB per partition by default (~3k events): every fetch is one insert
    // round (progress, dedup lookup, insert, progress), so let a fetch fill a whole batch.
    maxBytesPerPartition: Math.max(2 ** 20, config.batchSize * 2048),
    maxBytes: Math.max(10 * 2 ** 20, config.batchSize * 2048 * config.concurrency),
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5_000 },
  })
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    ready = !stopping
    log.info({ assignment: e.payload.memberAssignment }, 'joined consumer group')
  })
  consumer.on(consumer.events.CRASH, (e) => {
    log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed')
    if (!e.payload.restart) ready = false
  })

  /**
   * Runs one ClickHouse/Kafka step until it succeeds. While it fails the partition is paused
   * (no prefetching for it) and the step is retried with capped exponential backoff; nothing
   * after it — least of all the offset commit — happens until it succeeded. A stop or a
   * rebalance abandons the batch instead: its 'before' record lets the next owner replay it.
   */
  async function untilDone<T>(
    step: string,
    payload: EachBatchPayload,
    run: () => Promise<T>,
  ): Promise<T> {
    let delay = 200
    let resume: (() => void) | undefined
    try {
      for (let attempt = 1; ; attempt++) {
        if (stopping || !payload.isRunning() || payload.isStale()) {
          throw new BatchAbandoned(`batch abandoned before ${step}`)
        }
        try {
          return await run()
        } catch (error) {
          if (error instanceof BatchAbandoned) throw error
          metrics.retries.inc({ step })
          resume ??= payload.pause()
          log.warn(
            {
              err: error,
              step,
              attempt,
              topic: payload.batch.topic,
              partition: payload.batch.partition,
              retryInMs: delay,
            },
            'step failed; partition paused, retrying',
          )
          const until = Date.now() + delay
          while (Date.now() < until && !stopping) await sleep(Math.min(100, until - Date.now()))
          delay = Math.min(delay * 2, config.retryMaxMs)
          // Throws when the group is rebalancing: the batch is then abandoned, uncommitted.
          await payload.heartbeat()
        }
      }
    } finally {
      resume?.()
    }
  }

  /**
   * The offset commit is not what makes a batch count once — its 'after' progress record is —
   * so a failed commit is not retried here: kafkajs (which already retried it) gets the error
   * from eachBatch and recovers its own way, rejoining the group or restarting the consumer.
   * (On a loaded suite run a member evicted while a batch ran had every commit refused with
   * UNKNOWN_MEMBER_ID; retried in place, the processor counted nothing for 120 s.)
   */
  async function commitOffset(tp: TopicPartition, next: bigint): Promise<void> {
    try {
      await consumer.commitOffsets([{ ...tp, offset: next.toString() }])
    } catch (error) {
      metrics.retries.inc({ step: 'commit offset' })
      log.warn({ err: error, ...tp, offset: next.toString() }, 'offset commit failed; rejoining')
      // kafkajs rejoins the group on these, but only when it sees them unwrapped: wrapped as
      // non-retriable, an unknown member would crash the consumer for good.
      const cause = (error as { cause?: { type?: unknown } }).cause
      if (typeof cause?.type === 'string' && MEMBERSHIP_ERRORS.has(cause.type)) throw cause
      throw error
    }
  }

  interface Prepared {
    rows: Map<RawTable, object[]>
    deadLetters: DeadLetter[]
    counted: number
  }

  /**
   * Parses and validates one batch and drops events counted before. Deterministic for a given
   * message range, so a replay rebuilds exactly the rows (and tokens) of the first attempt:
   * the late horizon and the resend window are measured from received_at, not from now.
   */
  async function prepareBatch(
    payload: EachBatchPayload,
    tp: TopicPartition,
    messages: readonly KafkaMessage[],
    min: bigint,
    max: bigint,
  ): Promise<Prepared> {
    const domain = domainOf.get(tp.topic)
    const deadLetters: DeadLetter[] = []
    const valid: { event: ConsumedEvent; message: KafkaMessage }[] = []
    const seen = new Set<string>()
    const dead = (
      message: KafkaMessage,
      reason: string,
      errors: { path: string; message: string }[],
      line?: { index: number; value: string },
    ) => {
      deadLetters.push(
        buildDeadLetter({
          reason,
          errors,
          topic: tp.topic,
          partition: tp.partition,
          offset: message.offset,
          ...(line ? { index: line.index, value: line.value } : { value: message.value }),
          key: message.key,
        }),
      )
      log.warn({ ...tp, offset: message.offset, reason, errors }, 'event dead-lettered')
    }
    let earliestReceived = Infinity
    for (const message of messages) {
      // Topic format v2: a record holds one or more events as NDJSON lines.
      let lines: string[] = []
      try {
        lines = recordLines(utf8.decode(message.value ?? new Uint8Array()))
      } catch {
        dead(message, 'invalid_encoding', [{ path: '', message: 'not valid UTF-8' }])
        continue
      }
      if (lines.length === 0) {
        dead(message, 'invalid_json', [{ path: '', message: 'empty record' }])
        continue
      }
      for (const [index, text] of lines.entries()) {
        const line = lines.length > 1 ? { index, value: text } : undefined
        const parsed = parseEnrichedEvent(text)
        if (!parsed.ok) {
          dead(message, parsed.reason, parsed.errors, line)
          continue
        }
        const event = parsed.event as ConsumedEvent
        const occurred = Date.parse(event.occurred_at)
        const received = Date.parse(event.received_at)
        if (domain === undefined || domainForEvent(event.type) !== domain) {
          dead(message, 'wrong_topic', [
            { path: 'type', message: `${event.type} events do not belong on ${tp.topic}` },
          ])
        } else if (occurred > received + DEFAULT_MAX_FUTURE_MS) {
          dead(message, 'too_far_in_future', [
            { path: 'occurred_at', message: 'is more than 5 minutes after received_at' },
          ])
        } else if (occurred < received - config.lateHorizonMs) {
          dead(message, 'too_late', [
            {
              path: 'occurred_at',
              message: `is more than ${config.lateHorizonMs / 3_600_000} h before received_at`,
            },
          ])
        } else if (seen.has(event.event_id)) {
          metrics.duplicates.inc({ kind: 'in_batch' })
        } else {
          seen.add(event.event_id)
          valid.push({ event, message })
          earliestReceived = Math.min(earliestReceived, received)
        }
      }
    }

    let counted = new Set<string>()
    if (domain !== undefined && valid.length > 0) {
      const since = new Date(earliestReceived - config.dedupWindowMs)
      counted = await untilDone('find counted event ids', payload, () =>
        findCountedEventIds(ch, PRIMARY_TABLE[domain], {
          eventIds: [...seen],
          since,
          topic: tp.topic,
          partition: tp.partition,
          minOffset: min,
          maxOffset: max,
        }),
      )
      if (counted.size > 0) metrics.duplicates.inc({ kind: 'resend' }, counted.size)
    }

    const rows = new Map<RawTable, object[]>()
    for (const { event, message } of valid) {
      if (counted.has(event.event_id)) continue
      let eventRows: ReturnType<typeof rowsForEvent>
      try {
        eventRows = rowsForEvent(event, { ...tp, offset: message.offset })
      } catch (error) {
        dead(message, 'processing_failed', [{ path: '', message: (error as Error).message }])
        continue
      }
      for (const [table, row] of eventRows) {
        const list = rows.get(table) ?? []
        list.push(row)
        rows.set(table, list)
      }
    }
    return { rows, deadLetters, counted: counted.size }
  }

  /**
   * Writes one batch [min..max] of one partition exactly once:
   *   progress 'before' → raw inserts with deterministic tokens → dead letters acked →
   *   progress 'after' → commit max+1.
   * A crash anywhere before the commit leaves either 'before' (the next owner rebuilds exactly
   * this range and re-inserts with the same tokens; ClickHouse drops what already landed) or
   * 'after' (the next owner skips offsets up to max).
   */
  async function flushBatch(
    payload: EachBatchPayload,
    tp: TopicPartition,
    messages: readonly KafkaMessage[],
    min: bigint,
    max: bigint,
    replay: boolean,
  ): Promise<void> {
    const started = performance.now()
    const key = { group: config.groupId, ...tp }
    const prepared = await prepareBatch(payload, tp, messages, min, max)
    if (!replay) {
      await untilDone('progress before', payload, () =>
        writeProgress(ch, key, { minOffset: min, maxOffset: max, state: 'before' }),
      )
    }
    for (const table of RAW_TABLES) {
      const rows = prepared.rows.get(table)
      if (!rows || rows.length === 0) continue
      const token = `${config.groupId}:${tp.topic}:${tp.partition}:${min}-${max}:${table}`
      await untilDone(`insert ${table}`, payload, () => insertRawBatch(ch, table, rows, token))
      metrics.rowsInserted.inc({ table }, rows.length)
      if (replay) await repairReplay(payload, tp, table, rows, token, min, max)
    }
    if (prepared.deadLetters.length > 0) {
      // Acknowledged by all in-sync replicas before the offset can be committed.
      await untilDone('dead-letter', payload, () =>
        producer.send({
          topic: topics.deadLetter,
          acks: -1,
          messages: prepared.deadLetters.map((d) => ({
            key: `${d.topic}:${d.partition}:${d.offset}`,
            value: JSON.stringify(d),
          })),
        }),
      )
      for (const d of prepared.deadLetters) metrics.deadLettered.inc({ reason: d.reason })
    }
    await untilDone('progress after', payload, () =>
      writeProgress(ch, key, { minOffset: min, maxOffset: max, state: 'after' }),
    )
    payload.resolveOffset(max.toString())
    await commitOffset(tp, max + 1n)
    metrics.batchSeconds.observe((performance.now() - started) / 1000)
    metrics.lag.set(
      { topic: tp.topic, partition: String(tp.partition) },
      Math.max(0, Number(BigInt(payload.batch.highWatermark) - max - 1n)),
    )
    log.debug(
      {
        ...tp,
        min: min.toString(),
        max: max.toString(),
        messages: messages.length,
        deadLettered: prepared.deadLetters.length,
        resends: prepared.counted,
        replay,
      },
      'batch committed',
    )
    await payload.heartbeat()
  }

  /**
   * After a replay, every row of the batch must be in the table. A crash between ClickHouse
   * recording a block's token and making its part visible would otherwise drop the replay as
   * a duplicate of rows that never landed; such rows are written again under a new token.
   */
  async function repairReplay(
    payload: EachBatchPayload,
    tp: TopicPartition,
    table: RawTable,
    rows: object[],
    token: string,
    min: bigint,
    max: bigint,
  ): Promise<void> {
    const present = await untilDone(`verify ${table}`, payload, () =>
      offsetsPresent(ch, table, { ...tp, minOffset: min, maxOffset: max }),
    )
    const missing = rows.filter(
      (r) => !present.has(String((r as { kafka_offset: string }).kafka_offset)),
    )
    if (missing.length === 0) return
    log.error(
      { ...tp, table, missing: missing.length, min: min.toString(), max: max.toString() },
      'replayed batch had rows missing; writing them again',
    )
    await untilDone(`repair ${table}`, payload, () =>
      insertRawBatch(ch, table, missing, `${token}:repair`),
    )
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload
    const tp = { topic: batch.topic, partition: batch.partition }
    if (batch.isEmpty()) return
    // kafkajs heartbeats only when asked. A batch's ClickHouse steps can outlast the session
    // on a loaded machine (the engine runs one statement at a time), and a member evicted
    // for silence can no longer commit, so heartbeat on a timer while the batch runs.
    const keepAlive = setInterval(
      () => void payload.heartbeat().catch(() => undefined),
      heartbeatMs,
    )
    try {
      const progress = await untilDone('read progress', payload, () =>
        readProgress(ch, { group: config.groupId, ...tp }),
      )
      let pending = batch.messages
      if (progress) {
        // 'after': up to max is counted. 'before': everything below min is counted.
        const done = progress.state === 'after' ? progress.maxOffset : progress.minOffset - 1n
        const fresh = pending.filter((m) => BigInt(m.offset) > done)
        const skipped = pending.length - fresh.length
        if (skipped > 0) {
          metrics.duplicates.inc({ kind: 'replayed_offset' }, skipped)
          const last = pending[skipped - 1]?.offset ?? '0'
          payload.resolveOffset(last)
          await commitOffset(tp, BigInt(last) + 1n)
        }
        pending = fresh
      }
      if (progress?.state === 'before') {
        const rbKey = `${tp.topic}:${tp.partition}`
        let rb = rebuilds.get(rbKey)
        if (!rb || rb.min !== progress.minOffset || rb.max !== progress.maxOffset) {
          rb = { min: progress.minOffset, max: progress.maxOffset, messages: new Map() }
          rebuilds.set(rbKey, rb)
        }
        for (const m of pending) if (BigInt(m.offset) <= rb.max) rb.messages.set(m.offset, m)
        const max = rb.max
        const complete =
          rb.messages.has(max.toString()) || pending.some((m) => BigInt(m.offset) > max)
        if (!complete) {
          // Keep fetching (resolved ≠ committed) until the whole unfinished range is here.
          const last = pending.at(-1)
          if (last) payload.resolveOffset(last.offset)
          await payload.heartbeat()
          return
        }
        const messages = [...rb.messages.values()].sort((a, b) =>
          BigInt(a.offset) < BigInt(b.offset) ? -1 : 1,
        )
        log.info(
          { ...tp, min: rb.min.toString(), max: max.toString(), messages: messages.length },
          'replaying unfinished batch',
        )
        metrics.replays.inc()
        await flushBatch(payload, tp, messages, rb.min, max, true)
        rebuilds.delete(rbKey)
        pending = pending.filter((m) => BigInt(m.offset) > max)
      }
      for (const part of chunk(pending, config.batchSize)) {
        const first = part[0]
        const last = part.at(-1)
        if (!first || !last) continue
        if (stopping || !payload.isRunning() || payload.isStale()) return
        await flushBatch(payload, tp, part, BigInt(first.offset), BigInt(last.offset), false)
      }
    } catch (error) {
      if (error instanceof BatchAbandoned) {
        log.info({ ...tp, reason: error.message }, 'batch abandoned; it will be replayed')
        return
      }
      throw error
    } finally {
      clearInterval(keepAlive)
    }
  }

  await producer.connect()
  await admin.connect()
  await consumer.connect()
  await consumer.subscribe({
    topics: [topics.surveys, topics.tickets, topics.customers, topics.qa],
    fromBeginning: true,
  })
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: config.concurrency,
    eachBatch,
  })

  const server = await listen(config, {
    ready: async () => {
      if (!ready || stopping) return { ok: false, detail: 'not consuming' }
      try {
        await Promise.all([
          ch.client.ping().then((r) => {
            if (!r.success) throw new Error('ClickHouse ping failed')
          }),
          admin.describeCluster(),
        ])
        return { ok: true, detail: 'ok' }
      } catch (error) {
        return { ok: false, detail: (error as Error).message }
      }
    },
    metrics: () => metrics.registry.metrics(),
    contentType: metrics.registry.contentType,
  })
  const port = (server.address() as AddressInfo).port
  log.info({ port, topics: [...domainOf.keys()] }, 'processor started')

  let stopped: Promise<void> | undefined
  async function stopNow(): Promise<void> {
    ready = false
    stopping = true
    // Stops fetching and waits for the batch in flight: it either commits or is abandoned
    // before its commit (and replays later); nothing is committed past an unwritten batch.
    await consumer.stop()
    await consumer.disconnect()
    await producer.disconnect()
    await admin.disconnect()
    await new Promise<void>((r) => server.close(() => r()))
  }
  return {
    port,
    isReady: () => ready,
    metricsText: () => metrics.registry.metrics(),
    stop: () => {
      stopped ??= (async () => {
        let timer: NodeJS.Timeout | undefined
        const deadline = new Promise<'timeout'>((r) => {
          timer = setTimeout(() => r('timeout'), config.stopTimeoutMs)
        })
        const result = await Promise.race([stopNow().then(() => 'done' as const), deadline])
        clearTimeout(timer)
        if (result === 'timeout') {
          log.error({ timeoutMs: config.stopTimeoutMs }, 'stop deadline passed; closing anyway')
          server.closeAllConnections()
          server.close()
        } else {
          log.info('processor stopped')
        }
      })()
      return stopped
    },
  }
}

async function listen(
  config: ProcessorConfig,
  probes: {
    ready: () => Promise<{ ok: boolean; detail: string }>
    metrics: () => Promise<string>
    contentType: string
  },
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n')
    } else if (path === '/readyz') {
      void probes
        .ready()
        .then((r) =>
          res.writeHead(r.ok ? 200 : 503, { 'content-type': 'text/plain' }).end(`${r.detail}\n`),
        )
    } else if (path === '/metrics') {
      void probes.metrics().then(
        (text) => res.writeHead(200, { 'content-type': probes.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      )
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve())
  })
  return server
}
