import { recordLines } from '@cxpulse/contracts'
import { createKafka } from '@cxpulse/kafka'
import { createLogger } from '@cxpulse/logger'
import { testEnvironment, uniqueName, waitFor } from '@cxpulse/test-env'
import type { Kafka } from 'kafkajs'

export const testLogger = createLogger({
  name: 'test',
  level: process.env['TEST_LOG_LEVEL'] ?? 'silent',
})

export function testKafka(): { kafka: Kafka; brokers: string[] } {
  const { brokers } = testEnvironment().kafka
  return { kafka: createKafka({ brokers, clientId: uniqueName('test') }, testLogger), brokers }
}

export interface TopicMessage {
  topic: string
  partition: number
  key: string
  value: string
}

/**
 * Every message on the given topics: waits until the consumer has read as many messages as the
 * topics hold (their high watermarks), so this is the topics' whole content, not "at least N".
 */
export async function readWholeTopics(kafka: Kafka, topics: string[]): Promise<TopicMessage[]> {
  const admin = kafka.admin()
  await admin.connect()
  let total = 0
  try {
    for (const topic of topics) {
      const offsets = await waitFor(`offsets of ${topic}`, async () =>
        admin.fetchTopicOffsets(topic),
      )
      for (const p of offsets) total += Number(p.high) - Number(p.low)
    }
  } finally {
    await admin.disconnect()
  }
  const received = new Map<string, TopicMessage>()
  if (total === 0) return []
  const consumer = kafka.consumer({ groupId: uniqueName('read') })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        // Keyed by position: a consumer-group rebalance can redeliver a message to this
        // reader, which must not count as a second copy (two copies sit at two offsets).
        received.set(`${topic}|${partition}|${message.offset}`, {
          topic,
          partition,
          key: String(message.key ?? ''),
          value: String(message.value ?? ''),
        })
      },
    })
    await waitFor(
      `${total} messages on ${topics.length} topics`,
      async () => (received.size >= total ? true : undefined),
      60_000,
    )
  } finally {
    await consumer.disconnect()
  }
  return [...received.values()]
}

export interface TopicEvent {
  topic: string
  partition: number
  /** The key of the record the event came in (its first event's key). */
  recordKey: string
  /** Position of the event in its record. */
  index: number
  /** The event's JSON text. */
  value: string
}

/**
 * Every event on the given domain topics (topic format v2: a record holds one or more events as
 * NDJSON), read like readWholeTopics: the topics' whole content.
 */
export async function readWholeTopicEvents(kafka: Kafka, topics: string[]): Promise<TopicEvent[]> {
  return (await readWholeTopics(kafka, topics)).flatMap((m) =>
    recordLines(m.value).map((value, index) => ({
      topic: m.topic,
      partition: m.partition,
      recordKey: m.key,
      index,
      value,
    })),
  )
}

/**
 * Waits until consumer group `groupId` has committed past every record the topics hold now.
 * The processor commits only after its insert is durable, so after this everything written
 * before the call has been counted (or skipped as a duplicate): the condition a test waits on
 * before asserting that a re-send changed nothing.
 */
export async function waitForGroupCaughtUp(
  kafka: Kafka,
  groupId: string,
  topics: string[],
  timeoutMs = 60_000,
): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const ends = new Map<string, bigint>()
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        ends.set(`${topic}:${p.partition}`, BigInt(p.high))
      }
    }
    await waitFor(
      `group ${groupId} caught up on ${topics.join(', ')}`,
      async () => {
        const committed = await admin.fetchOffsets({ groupId, topics })
        const offsets = new Map<string, bigint>(
          committed.flatMap((t) =>
            t.partitions.map((p) => [`${t.topic}:${p.partition}`, BigInt(p.offset)] as const),
          ),
        )
        // A partition's committed offset is -1 until the group commits there; an empty one is done.
        const behind = [...ends].filter(([at, end]) => end > 0n && (offsets.get(at) ?? -1n) < end)
        return behind.length === 0 ? true : undefined
      },
      timeoutMs,
    )
  } finally {
    await admin.disconnect()
  }
}
