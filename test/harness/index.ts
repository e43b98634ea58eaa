import { randomUUID } from 'node:crypto'
import { inject } from 'vitest'
import { createClickHouse, type ClickHouse } from '@cxpulse/clickhouse'
import { recordLines } from '@cxpulse/contracts'
import { createKafka, ensureTopics } from '@cxpulse/kafka'
import { createLogger } from '@cxpulse/logger'
import type { Kafka } from 'kafkajs'
import './environment.ts'

export type { TestEnvironment } from './environment.ts'

export function testEnvironment() {
  return inject('cxpulse')
}

/** A short unique suffix so each test has its own topics, groups and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`
}

export const testLogger = createLogger({
  name: 'test',
  level: process.env['TEST_LOG_LEVEL'] ?? 'silent',
})

export function testKafka(): { kafka: Kafka; brokers: string[] } {
  const { brokers } = testEnvironment().kafka
  return { kafka: createKafka({ brokers, clientId: uniqueName('test') }, testLogger), brokers }
}

/** Creates fresh topics named `<prefix>_<random>` with the given partition count. */
export async function createTestTopics(
  kafka: Kafka,
  prefixes: string[],
  numPartitions = 1,
): Promise<string[]> {
  const topics = prefixes.map((p) => uniqueName(p))
  await ensureTopics(
    kafka,
    topics.map((topic) => ({ topic, numPartitions })),
  )
  return topics
}

let engine: ClickHouse | undefined

/**
 * The embedded engine allows one data directory per process, so every test in a worker
 * shares one engine and gets isolation from its own database instead.
 */
function sharedClickHouse(): ClickHouse {
  if (engine) return engine
  const env = testEnvironment().clickhouse
  engine =
    env.source === 'embedded'
      ? createClickHouse({ dataDir: `${env.dataRoot}/worker-${process.pid}`, database: 'default' })
      : createClickHouse({
          url: env.url,
          username: env.username,
          password: env.password,
          dataDir: '',
          database: 'default',
        })
  return engine
}

/** A ClickHouse view on a new, empty database; `drop()` removes it. */
export async function testClickHouse(): Promise<ClickHouse & { drop(): Promise<void> }> {
  const database = uniqueName('cxp_test')
  const ch = sharedClickHouse().forDatabase(database)
  await ch.client.command({ query: `CREATE DATABASE \`${database}\`` })
  return Object.assign(ch, {
    drop: async () =>
      void (await ch.client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` })),
  })
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      )
    }
    await new Promise((r) => setTimeout(r, 100))
  }
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

export {
  compareLedger,
  readReliabilityRows,
  recordReliability,
  RELIABILITY_RESULTS_DIR,
  type ReliabilityRow,
} from './reliability.ts'
