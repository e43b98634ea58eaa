import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs'
import {
  RAW_TABLE,
  findCountedEventIds,
  insertRawBatch,
  positionsPresent,
  readProgress,
  writeProgress,
  type ClickHouse,
} from '@cxpulse/clickhouse'
import {
  TOPIC_SPECS,
  buildDeadLetter,
  parseEnrichedEvent,
  topicNames,
  type DeadLetter,
  type Domain,
  type FieldError,
} from '@cxpulse/contracts'
import { startServiceHttp, stopUnderDeadline } from '@cxpulse/http'
import { createIdempotentProducer, ensureTopics } from '@cxpulse/kafka'
import type { Logger } from '@cxpulse/logger'
import { guardBatch, positionOf, rawInsertBody, type GuardedEvent } from './batch.guard.ts'
import type { ProcessorConfig } from './config.ts'
import { writeSplittingRefused } from './engine.errors.ts'
import { createProcessorMetrics } from './processor.metrics.ts'

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Broker answers that mean this member must rejoin the consumer group. */
const MEMBERSHIP_ERRORS = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
])

/** Bytes of dead letters per produce request, well under the broker's default 1 MiB batch limit. */
const DEAD_LETTER_SEND_BYTES = 256 * 1024

function chunkByBytes<T extends { value: string }>(items: readonly T[], max: number): T[][] {
  const out: T[][] = []
  let current: T[] = []
  let bytes = 0
  for (const item of items) {
    if (current.length > 0 && bytes + item.value.length > max) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(item)
    bytes += item.value.length
  }
  if (current.length > 0) out.push(current)
  return out
}

function without(events: readonly GuardedEvent[], refused: readonly { item: GuardedEvent }[]) {
  const out = new Set(refused.map((r) => r.item))
  return events.filter((e) => !out.has(e))
}

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
  const metrics = createProcessorMetrics()
  const rebuilds = new Map<string, Rebuild>()
  let ready = false
  let stopping = false

  await ensureTopics(
    kafka,
    TOPIC_SPECS(config.topicPrefix, config.topicReplication).filter(
      (t) => t.topic !== topics.alerts,
    ),
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
    domain: Domain
    events: GuardedEvent[]
    deadLetters: DeadLetter[]
    resends: number
  }

  function deadLetter(
    tp: TopicPartition,
    message: KafkaMessage,
    reason: string,
    errors: FieldError[],
    line?: { index: number; value: string },
  ): DeadLetter {
    log.warn(
      { ...tp, offset: message.offset, index: line?.index, reason, errors },
      'event dead-lettered',
    )
    return buildDeadLetter({
      reason,
      errors,
      topic: tp.topic,
      partition: tp.partition,
      offset: message.offset,
      ...(line ? { index: line.index, value: line.value } : { value: message.value }),
      key: message.key,
    })
  }

  /**
   * The cheap guard, then drops events counted before. Deterministic for a given message
   * range, so a replay rebuilds exactly the events (and tokens) of the first attempt: times are
   * checked against each event's received_at, and the resend lookup excludes the batch's own
   * offsets.
   */
  async function prepareBatch(
    payload: EachBatchPayload,
    tp: TopicPartition,
    messages: readonly KafkaMessage[],
    min: bigint,
    max: bigint,
  ): Promise<Prepared> {
    const domain = domainOf.get(tp.topic)
    if (domain === undefined) throw new Error(`not a domain topic: ${tp.topic}`)
    const guarded = guardBatch(messages, { topic: tp.topic, domain, policy: config.eventTime })
    if (guarded.duplicates > 0) metrics.duplicates.inc({ kind: 'in_batch' }, guarded.duplicates)
    const deadLetters = guarded.refused.map((r) =>
      deadLetter(tp, r.message, r.reason, r.errors, r.line),
    )
    let events = guarded.events
    if (events.length > 0) {
      const counted = await untilDone('find counted event ids', payload, () =>
        findCountedEventIds(ch, RAW_TABLE[domain], {
          events,
          topic: tp.topic,
          partition: tp.partition,
          minOffset: min,
          maxOffset: max,
        }),
      )
      if (counted.size > 0) {
        metrics.duplicates.inc({ kind: 'resend' }, counted.size)
        events = events.filter((e) => !counted.has(e.eventId))
      }
      return { domain, events, deadLetters, resends: counted.size }
    }
    return { domain, events, deadLetters, resends: 0 }
  }

  /**
   * Writes one batch [min..max] of one partition exactly once:
   *   progress 'before' → one raw insert with a deterministic token (its projections inside
   *   the same parts) → dead letters acked → progress 'after' → commit max+1.
   * A crash anywhere before the commit leaves either 'before' (the next owner rebuilds exactly
   * this range and re-inserts with the same token; ClickHouse drops what already landed) or
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
    const table = RAW_TABLE[prepared.domain]
    const token = `${config.groupId}:${tp.topic}:${tp.partition}:${min}-${max}`
    if (prepared.events.length > 0) {
      log.debug({ ...tp, table, events: prepared.events.length }, 'inserting batch')
      const refused = await untilDone(`insert ${table}`, payload, () =>
        writeSplittingRefused(prepared.events, token, (events, t) =>
          insertRawBatch(ch, table, rawInsertBody(events, tp), t),
        ),
      )
      for (const { item, errors } of refused) {
        const message = messages.find((m) => m.offset === item.offset)
        if (!message) continue
        const multi = (message.value?.includes(10) ?? false) || item.index > 0
        prepared.deadLetters.push(
          deadLetter(
            tp,
            message,
            'schema',
            contractErrors(item.line) ?? errors,
            multi ? { index: item.index, value: item.line } : undefined,
          ),
        )
      }
      const written = refused.length === 0 ? prepared.events : without(prepared.events, refused)
      metrics.rowsInserted.inc({ table }, written.length)
      if (replay) await repairReplay(payload, tp, table, written, token, min, max)
    }
    if (prepared.deadLetters.length > 0) {
      // Acknowledged by all in-sync replicas before the offset can be committed, in sends of
      // at most DEAD_LETTER_SEND_BYTES: a broker refuses a record batch over its size limit,
      // and a batch of a whole partition's refusals (a bad producer) would be refused for good.
      const messages = prepared.deadLetters.map((d) => ({
        key: `${d.topic}:${d.partition}:${d.offset}${d.index === undefined ? '' : `:${d.index}`}`,
        value: JSON.stringify(d),
      }))
      for (const part of chunkByBytes(messages, DEAD_LETTER_SEND_BYTES)) {
        await untilDone('dead-letter', payload, () =>
          producer.send({ topic: topics.deadLetter, acks: -1, messages: part }),
        )
      }
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
        events: prepared.events.length,
        deadLettered: prepared.deadLetters.length,
        resends: prepared.resends,
        replay,
      },
      'batch committed',
    )
    await payload.heartbeat()
  }

  /**
   * After a replay, every event of the batch must be in the table. A crash between ClickHouse
   * recording a block's token and making its part visible would otherwise drop the replay as
   * a duplicate of rows that never landed; such events are written again under a new token.
   */
  async function repairReplay(
    payload: EachBatchPayload,
    tp: TopicPartition,
    table: (typeof RAW_TABLE)[Domain],
    events: readonly GuardedEvent[],
    token: string,
    min: bigint,
    max: bigint,
  ): Promise<void> {
    const present = await untilDone(`verify ${table}`, payload, () =>
      positionsPresent(ch, table, { ...tp, minOffset: min, maxOffset: max }),
    )
    const missing = events.filter((e) => !present.has(positionOf(e)))
    if (missing.length === 0) return
    log.error(
      { ...tp, table, missing: missing.length, min: min.toString(), max: max.toString() },
      'replayed batch had events missing; writing them again',
    )
    await untilDone(`repair ${table}`, payload, () =>
      insertRawBatch(ch, table, rawInsertBody(missing, tp), `${token}:repair`),
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

  const server = await startServiceHttp(config, {
    log,
    registry: metrics.registry,
    ready: async () => {
      if (!ready || stopping) return 'not consuming'
      await Promise.all([
        ch.client.ping().then((r) => {
          if (!r.success) throw new Error('ClickHouse ping failed')
        }),
        admin.describeCluster(),
      ])
      return true
    },
  })
  log.info({ port: server.port, topics: [...domainOf.keys()] }, 'processor started')

  return {
    port: server.port,
    isReady: () => ready,
    metricsText: () => metrics.registry.metrics(),
    stop: stopUnderDeadline(
      config.stopTimeoutMs,
      async (deadline) => {
        ready = false
        stopping = true
        // Stops fetching and waits for the batch in flight: it either commits or is abandoned
        // before its commit (and replays later); nothing is committed past an unwritten batch.
        await consumer.stop()
        await consumer.disconnect()
        await producer.disconnect()
        await admin.disconnect()
        await server.close(deadline)
        log.info('processor stopped')
      },
      () => {
        log.error({ timeoutMs: config.stopTimeoutMs }, 'stop deadline passed; closing anyway')
        void server.close(Date.now())
      },
    ),
  }
}

/**
 * What the event contract says is wrong with a line the engine refused, in the words ingest
 * would have used ("score 9 is outside its scale 1–5"); undefined when the contract accepts it
 * and only the engine's own message explains the refusal. Only refused lines get here, so the
 * full parse costs nothing on the hot path.
 */
function contractErrors(line: string): FieldError[] | undefined {
  const parsed = parseEnrichedEvent(line)
  return parsed.ok ? undefined : parsed.errors
}
