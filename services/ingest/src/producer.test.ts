import type { Kafka, Message, ProducerBatch, TopicMessages } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { createIngestMetrics } from './ingest.metrics.ts'
import { BoundedProducer, planSends } from './producer.ts'

const msg = (partition: number, bytes: number, tag = ''): Message => ({
  key: 'k',
  value: tag.padEnd(bytes, 'x'),
  partition,
})
/** Overhead planSends adds per message: key 'k' (1 byte) + 64. */
const OVER = 65
const tags = (sends: ReturnType<typeof planSends>) =>
  sends.map((s) =>
    s.topicMessages.flatMap((tm) =>
      tm.messages.map((m) => `${tm.topic}/${m.partition}:${String(m.value).replace(/x+$/, '')}`),
    ),
  )

describe('planSends', () => {
  it('coalesces requests into one send while each partition stays under the bound', () => {
    const requests: TopicMessages[][] = [
      [{ topic: 'a', messages: [msg(0, 100, 'r0'), msg(1, 100, 'r0')] }],
      [
        { topic: 'a', messages: [msg(0, 100, 'r1')] },
        { topic: 'b', messages: [msg(0, 100, 'r1')] },
      ],
    ]
    const sends = planSends(requests, 1000)
    expect(sends.map((s) => s.completes)).toEqual([2])
    expect(tags(sends)).toEqual([['a/0:r0', 'a/1:r0', 'a/0:r1', 'b/0:r1']])
  })

  it('starts a new send when a partition would pass the bound, keeping order', () => {
    const max = 3 * (100 + OVER)
    const requests: TopicMessages[][] = [
      [{ topic: 'a', messages: [msg(0, 100, 'r0a'), msg(0, 100, 'r0b')] }],
      // The second message of r1 on a/0 would be the fourth: r1 spans two sends.
      [{ topic: 'a', messages: [msg(1, 100, 'r1a'), msg(0, 100, 'r1b'), msg(0, 100, 'r1c')] }],
      [{ topic: 'a', messages: [msg(1, 100, 'r2')] }],
    ]
    const sends = planSends(requests, max)
    expect(tags(sends)).toEqual([
      ['a/0:r0a', 'a/0:r0b', 'a/1:r1a', 'a/0:r1b'],
      ['a/0:r1c', 'a/1:r2'],
    ])
    // r0 is complete after the first send; r1 and r2 only after the second.
    expect(sends.map((s) => s.completes)).toEqual([1, 3])
    for (const s of sends) {
      for (const tm of s.topicMessages) {
        const per = new Map<number, number>()
        for (const m of tm.messages)
          per.set(m.partition!, (per.get(m.partition!) ?? 0) + String(m.value).length + OVER)
        for (const n of per.values()) expect(n).toBeLessThanOrEqual(max)
      }
    }
  })

  it('sends a message larger than the bound on its own', () => {
    const sends = planSends(
      [[{ topic: 'a', messages: [msg(0, 10, 's'), msg(0, 5000, 'big'), msg(0, 10, 't')] }]],
      1000,
    )
    expect(tags(sends)).toEqual([['a/0:s'], ['a/0:big'], ['a/0:t']])
    expect(sends.map((s) => s.completes)).toEqual([0, 0, 1])
  })

  it('counts UTF-8 bytes and Buffers', () => {
    const wide: Message = { key: null, value: 'é'.repeat(500), partition: 0 }
    const buf: Message = { key: null, value: Buffer.alloc(1000), partition: 0 }
    expect(planSends([[{ topic: 'a', messages: [wide, wide] }]], 2200)).toHaveLength(1)
    expect(planSends([[{ topic: 'a', messages: [wide, wide] }]], 1500)).toHaveLength(2)
    expect(planSends([[{ topic: 'a', messages: [buf, buf] }]], 1500)).toHaveLength(2)
  })
})

/** A Kafka whose producer records every sendBatch and fails the ones `fail` picks. */
function fakeKafka(fail: (call: number) => boolean = () => false) {
  const calls: ProducerBatch[] = []
  let producers = 0
  const kafka = {
    producer: () => {
      producers += 1
      return {
        connect: async () => {},
        disconnect: async () => {},
        sendBatch: async (batch: ProducerBatch) => {
          calls.push(batch)
          await new Promise((r) => setTimeout(r, 5))
          if (fail(calls.length)) throw new Error('broker said no')
          return []
        },
      }
    },
  } as unknown as Kafka
  return { kafka, calls, producers: () => producers }
}

const limits = { maxBytes: 64 * 2 ** 20, maxBatches: 100, timeoutMs: 5_000 }
const half = 300 * 1024

describe('BoundedProducer', () => {
  it('splits what would be one oversized partition batch into consecutive sendBatch calls', async () => {
    const { kafka, calls } = fakeKafka()
    const producer = new BoundedProducer(kafka, limits, createIngestMetrics())
    await producer.connect()
    const results = await Promise.all(
      [0, 1, 2].map((i) =>
        producer.send([{ topic: 'a', messages: [msg(0, half, `r${i}`)] }], half),
      ),
    )
    expect(results).toEqual(['sent', 'sent', 'sent'])
    // 3 × 300 KiB for one partition: never more than one of them (512 KiB bound) per call.
    expect(calls.map((c) => c.topicMessages!.flatMap((tm) => tm.messages).length)).toEqual([
      1, 1, 1,
    ])
    expect(calls.every((c) => c.acks === -1)).toBe(true)
    expect(producer.inflight).toEqual({ bytes: 0, batches: 0 })
  })

  it('answers the requests already written and fails the rest when a later send fails', async () => {
    const { kafka, calls, producers } = fakeKafka((call) => call === 3)
    const producer = new BoundedProducer(kafka, limits, createIngestMetrics())
    await producer.connect()
    // The first send goes out alone; the next three queue behind it and are planned together:
    // r1 | r2 | r3 (each 300 KiB on one partition). The second of those calls fails.
    const first = producer.send([{ topic: 'a', messages: [msg(0, 10, 'r0')] }], 10)
    const rest = [1, 2, 3].map((i) =>
      producer.send([{ topic: 'a', messages: [msg(0, half, `r${i}`)] }], half).then(
        (r) => r,
        (e: Error) => `error: ${e.message}`,
      ),
    )
    expect(await first).toBe('sent')
    expect(await Promise.all(rest)).toEqual([
      'sent',
      'error: broker said no',
      'error: broker said no',
    ])
    expect(calls).toHaveLength(3)
    // The failed send leaves a producer that is replaced before the next one.
    expect(await producer.send([{ topic: 'a', messages: [msg(0, 10, 'r4')] }], 10)).toBe('sent')
    expect(producers()).toBe(2)
  })
})
