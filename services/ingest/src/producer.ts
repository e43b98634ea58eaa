import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs'
import { MAX_RECORD_BYTES } from '@cxpulse/contracts'
import { createIdempotentProducer } from '@cxpulse/kafka'
import type { IngestMetrics } from './ingest.metrics.ts'

export class ProduceError extends Error {
  readonly retryable = true
  constructor(
    message: string,
    readonly code: 'timeout' | 'broker',
  ) {
    super(message)
  }
}

/**
 * An idempotent kafkajs producer (acks from all in-sync replicas) with a bound on the work it
 * holds: bytes and batches handed over but not acknowledged yet. When a bound would be passed
 * the caller gets `false` and answers 503 instead of queueing without limit.
 */
export class BoundedProducer {
  private producer: Producer
  /** Set by a failed sendBatch: the next one starts from a new producer id (see flushQueue). */
  private resetBeforeNextSend = false
  private bytes = 0
  private batches = 0
  private idle: (() => void)[] = []
  /** Batches waiting for the single sendBatch in flight; see flushQueue. */
  private queue: { topicMessages: TopicMessages[]; done: (error?: unknown) => void }[] = []
  private flushing = false
  /** Set by a failed produce, cleared by the next success: lets ingest fail fast while the broker is down. */
  lastFailureAt = 0

  constructor(
    private readonly kafka: Kafka,
    private readonly limits: { maxBytes: number; maxBatches: number; timeoutMs: number },
    private readonly metrics: IngestMetrics,
  ) {
    this.producer = this.newProducer()
  }

  /**
   * Idempotence needs acks=-1 and one in-flight request per broker in kafkajs; the broker then
   * drops a retried batch it already wrote, so producer retries never duplicate. The retries
   * span about the produce timeout: a broker that died without a controlled shutdown still
   * leads its partitions until the controller fences it (broker.session.timeout.ms, 9 s by
   * default), and retrying through that gap answers 202 instead of 503 while the other
   * replicas are in sync.
   */
  private newProducer(): Producer {
    return createIdempotentProducer(this.kafka, {
      retry: {
        initialRetryTime: 100,
        maxRetryTime: 1_000,
        retries: Math.max(5, Math.ceil(this.limits.timeoutMs / 1_000)),
      },
    })
  }

  connect() {
    return this.producer.connect()
  }

  disconnect() {
    return this.producer.disconnect()
  }

  get inflight() {
    return { bytes: this.bytes, batches: this.batches }
  }

  /** Whether a batch of `bytes` fits under the bounds right now (checked again by send). */
  hasRoom(bytes: number): boolean {
    return this.batches < this.limits.maxBatches && this.bytes + bytes <= this.limits.maxBytes
  }

  /**
   * Writes the batch and resolves once the broker acknowledged every message. Rejects with a
   * ProduceError after `timeoutMs`; the bytes stay counted until kafkajs itself gives up, so
   * the bound reflects what the producer really holds.
   */
  async send(topicMessages: TopicMessages[], bytes: number): Promise<'sent' | 'no_room'> {
    if (!this.hasRoom(bytes)) return 'no_room'
    this.bytes += bytes
    this.batches += 1
    this.metrics.inflightBytes.set(this.bytes)
    this.metrics.inflightRequests.set(this.batches)
    const started = performance.now()
    const produce = new Promise<void>((resolve, reject) => {
      this.queue.push({ topicMessages, done: (error) => (error ? reject(error) : resolve()) })
      void this.flushQueue()
    }).finally(() => {
      this.bytes -= bytes
      this.batches -= 1
      this.metrics.inflightBytes.set(this.bytes)
      this.metrics.inflightRequests.set(this.batches)
      if (this.batches === 0) for (const wake of this.idle.splice(0)) wake()
    })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ProduceError('broker did not acknowledge in time', 'timeout')),
        this.limits.timeoutMs,
      )
    })
    try {
      await Promise.race([produce, timeout])
      this.lastFailureAt = 0
      this.metrics.produceSeconds.observe({ outcome: 'ok' }, (performance.now() - started) / 1000)
      return 'sent'
    } catch (error) {
      this.lastFailureAt = Date.now()
      this.metrics.produceSeconds.observe(
        { outcome: 'error' },
        (performance.now() - started) / 1000,
      )
      if (error instanceof ProduceError) throw error
      throw new ProduceError((error as Error).message, 'broker')
    } finally {
      clearTimeout(timer)
      produce.catch(() => {}) // settled later than the timeout: already answered 503
    }
  }

  /**
   * One sendBatch at a time, carrying everything queued meanwhile. kafkajs' idempotent producer
   * is not safe with concurrent sends (sequence numbers can go out of order and a retry then
   * writes a second copy, seen in the shutdown test); coalescing also means fewer, larger
   * produce requests under load. What is queued goes out in as few sendBatch calls as the
   * per-partition batch bound allows (planSends), one after the other, so order is kept.
   */
  private async flushQueue() {
    if (this.flushing) return
    this.flushing = true
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0)
        const sends = planSends(batch.map((item) => item.topicMessages))
        let next = 0
        try {
          for (const send of sends) {
            if (send.topicMessages.length > 0) {
              if (this.resetBeforeNextSend) await this.resetProducer()
              await this.producer.sendBatch({
                topicMessages: send.topicMessages,
                acks: -1,
                timeout: this.limits.timeoutMs,
              })
            }
            for (; next < send.completes; next++) batch[next]?.done()
          }
        } catch (error) {
          this.resetBeforeNextSend = true
          // Requests whose messages all went out in earlier sends stay answered; the others
          // fail (some of their messages may be written: a resend is deduplicated downstream).
          for (; next < batch.length; next++)
            batch[next]?.done(error ?? new Error('produce failed'))
        }
      }
    } finally {
      this.flushing = false
    }
  }

  /**
   * After a failed sendBatch kafkajs rolls its sequence numbers back, but the leader may have
   * appended part of the batch (a timeout or NOT_ENOUGH_REPLICAS_AFTER_APPEND while in-sync
   * replicas dropped below min.insync.replicas). The next batch would then reuse those
   * numbers: refused with OUT_OF_ORDER_SEQUENCE_NUMBER forever after (seen on the three-broker
   * cluster once two brokers were back), or, with the same count, taken by the broker for a
   * retry of what it has and dropped.
   * A new producer gets a new producer id and starts its sequences at 0; what the failed batch
   * did write is a duplicate the processor drops by event_id when the client resends it.
   */
  private async resetProducer() {
    const old = this.producer
    this.producer = this.newProducer()
    await old.disconnect().catch(() => undefined)
    // Throws while no broker can hand out a producer id; the next send tries again.
    await this.producer.connect()
    this.resetBeforeNextSend = false
  }

  /** Resolves when nothing is in flight, or at the deadline, whichever comes first. */
  async drained(deadline: number): Promise<boolean> {
    if (this.batches === 0) return true
    return new Promise((ok) => {
      const t = setTimeout(() => ok(false), Math.max(0, deadline - Date.now()))
      this.idle.push(() => {
        clearTimeout(t)
        ok(true)
      })
    })
  }
}

/**
 * Bytes one sendBatch may carry for one partition, counting each message's value and key plus
 * an allowance for its headers and framing. kafkajs writes everything a sendBatch holds for a
 * partition as one record batch, and the broker refuses a batch over the topic's
 * max.message.bytes (2 × MAX_RECORD_BYTES on domain topics), so coalesced requests must not
 * add up past it. A single message larger than this goes alone.
 */
const MAX_PARTITION_BATCH_BYTES = MAX_RECORD_BYTES
const MESSAGE_OVERHEAD_BYTES = 64

const sizeOf = (v: Message['key'] | Message['value']) =>
  v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length

/**
 * Splits queued requests (in queue order) into consecutive sendBatch calls so no partition gets
 * more than `maxPartitionBytes` in one call. `completes` is how many requests, from the start
 * of the queue, have all their messages written once that send succeeded. Messages without an
 * explicit partition are counted together per topic, as if they shared one.
 */
export function planSends(
  requests: readonly (readonly TopicMessages[])[],
  maxPartitionBytes: number = MAX_PARTITION_BATCH_BYTES,
): { topicMessages: TopicMessages[]; completes: number }[] {
  const sends: { topicMessages: TopicMessages[]; completes: number }[] = []
  let topics = new Map<string, Message[]>()
  let bytes = new Map<string, number>()
  const close = (completes: number) => {
    sends.push({
      topicMessages: [...topics].map(([topic, messages]) => ({ topic, messages })),
      completes,
    })
    topics = new Map()
    bytes = new Map()
  }
  requests.forEach((request, index) => {
    for (const { topic, messages } of request) {
      for (const message of messages) {
        const slot = `${topic}\0${message.partition ?? ''}`
        const size = sizeOf(message.value) + sizeOf(message.key) + MESSAGE_OVERHEAD_BYTES
        const held = bytes.get(slot) ?? 0
        if (held > 0 && held + size > maxPartitionBytes) close(index)
        bytes.set(slot, (bytes.get(slot) ?? 0) + size)
        let list = topics.get(topic)
        if (!list) topics.set(topic, (list = []))
        list.push(message)
      }
    }
  })
  // The last send completes every request, those without messages included.
  const last = sends.at(-1)
  if (topics.size > 0 || !last) close(requests.length)
  else last.completes = requests.length
  return sends
}
