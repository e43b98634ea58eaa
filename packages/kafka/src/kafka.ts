import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type ITopicConfig,
  type Producer,
  type RetryOptions,
  type logCreator,
} from 'kafkajs'
import type { Logger } from '@cxpulse/logger'

export interface KafkaConfig {
  brokers: string[]
  clientId: string
  /** Per-request timeout; kafkajs' default of 30 s hides a dead broker for too long. */
  requestTimeoutMs?: number
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
}

/** Routes kafkajs' own logs into pino, one child logger per kafkajs namespace. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log
      // kafkajs logs every retriable broker answer (coordinator loading, leader moving) from
      // its Connection at ERROR although it retries them itself; they are warnings to us.
      const method =
        namespace === 'Connection' && level === logLevel.ERROR ? 'warn' : (LEVELS[level] ?? 'info')
      logger[method]({ kafkajs: namespace, ...extra }, message)
    }
}

export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    requestTimeout: config.requestTimeoutMs ?? 10_000,
    connectionTimeout: 3_000,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    retry: { initialRetryTime: 200, retries: 8 },
  })
}

export interface TopicSpec {
  topic: string
  numPartitions: number
  replicationFactor?: number
  configEntries?: ITopicConfig['configEntries']
}

/**
 * Creates the topics that do not exist yet and waits for their leaders, so a consumer can
 * subscribe right after (kafkajs may fail to subscribe to a missing topic under KRaft).
 * Existing topics are left as they are. A busy broker can briefly answer "does not host this
 * topic-partition" while leaders are elected, so the whole step is retried a few times.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<string[]> {
  const created = new Set<string>()
  for (let attempt = 1; ; attempt++) {
    try {
      for (const t of await createMissingTopics(kafka, topics)) created.add(t)
      return topics.map((t) => t.topic).filter((t) => created.has(t))
    } catch (error) {
      if (attempt >= 8) throw error
      await new Promise((r) => setTimeout(r, 250 * attempt))
    }
  }
}

async function createMissingTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter((t) => !existing.has(t.topic))
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.topic,
            numPartitions: t.numPartitions,
            replicationFactor: t.replicationFactor ?? 1,
            ...(t.configEntries ? { configEntries: t.configEntries } : {}),
          })),
        })
      } catch (error) {
        // Another process may have created the same topic between list and create.
        if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') {
          throw (await replicationProblem(admin, missing)) ?? error
        }
      }
      await admin.fetchTopicMetadata({ topics: missing.map((t) => t.topic) })
    }
    return missing.map((t) => t.topic)
  } finally {
    await admin.disconnect()
  }
}

/**
 * Kafka refuses a replication factor above the number of live brokers with a terse
 * INVALID_REPLICATION_FACTOR; say which topics, how many brokers there are and what to change.
 */
async function replicationProblem(
  admin: Admin,
  topics: readonly TopicSpec[],
): Promise<Error | undefined> {
  const wanted = Math.max(...topics.map((t) => t.replicationFactor ?? 1))
  if (wanted <= 1) return undefined
  const live = await admin.describeCluster().then(
    (c) => c.brokers.length,
    () => undefined,
  )
  if (live === undefined || live >= wanted) return undefined
  return new Error(
    `Cannot create ${topics.map((t) => t.topic).join(', ')} with replication factor ${wanted}: ` +
      `the cluster has ${live} live broker${live === 1 ? '' : 's'}. Start the missing brokers, or ` +
      `lower KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS (1 and 1 for a single broker).`,
  )
}

/**
 * The one way cxpulse produces: idempotent (acks from all in-sync replicas, one in-flight
 * request per broker, so a retried batch the broker already wrote is dropped, never
 * duplicated) with kafkajs' default murmur2 partitioner named explicitly, which keeps a key
 * on the partition the Java client would choose.
 */
export function createIdempotentProducer(
  kafka: Kafka,
  options: { retry?: RetryOptions } = {},
): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(options.retry ? { retry: options.retry } : {}),
  })
}
