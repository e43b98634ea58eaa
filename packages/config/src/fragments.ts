import { z } from 'zod'
import { ConfigError, envList } from './env.ts'

/** Environment shared by every process that talks to Kafka. Unset brokers means "start the local broker". */
export const kafkaEnv = z.object({
  KAFKA_BROKERS: envList()
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1))
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('cxpulse'),
  /** Replicas of each cxpulse topic created; unset: see kafkaTopicReplication. */
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(32).optional(),
  /** min.insync.replicas of each cxpulse topic created; unset: see kafkaTopicReplication. */
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce.number().int().min(1).max(32).optional(),
})
export type KafkaEnv = z.output<typeof kafkaEnv>

/** How cxpulse's topics are replicated when it creates them (existing topics are left alone). */
export interface TopicReplication {
  replicationFactor: number
  minInsyncReplicas: number
}

/**
 * The replication the environment names. Unset, a cluster named by KAFKA_BROKERS gets 3
 * replicas with min.insync.replicas 2 (with acks=-1 a write then survives one broker's loss
 * and the topic stays writable while one broker is down); the single local broker that
 * `cxpulse start` runs when KAFKA_BROKERS is unset gets 1 and 1. An unset
 * min.insync.replicas is 2 from 3 replicas up, else 1.
 */
export function kafkaTopicReplication(
  env: Pick<KafkaEnv, 'KAFKA_REPLICATION_FACTOR' | 'KAFKA_MIN_INSYNC_REPLICAS'>,
  options: { localBroker: boolean },
): TopicReplication {
  const replicationFactor = env.KAFKA_REPLICATION_FACTOR ?? (options.localBroker ? 1 : 3)
  const minInsyncReplicas = env.KAFKA_MIN_INSYNC_REPLICAS ?? (replicationFactor >= 3 ? 2 : 1)
  if (minInsyncReplicas > replicationFactor) {
    throw new ConfigError([
      {
        variable: 'KAFKA_MIN_INSYNC_REPLICAS',
        message: `${minInsyncReplicas} is more than the replication factor ${replicationFactor}${env.KAFKA_REPLICATION_FACTOR === undefined ? ' (the default; set KAFKA_REPLICATION_FACTOR)' : ''}: no write could ever be acknowledged`,
      },
    ])
  }
  return { replicationFactor, minInsyncReplicas }
}

/**
 * The replication a service's config carries: from the variables when KAFKA_BROKERS or the
 * replication variables are set; otherwise none, and the composition point that supplies the
 * brokers (`cxpulse start`) supplies the replication with them.
 */
export function topicReplicationFromEnv(env: KafkaEnv): { topicReplication?: TopicReplication } {
  const named = env.KAFKA_BROKERS ?? env.KAFKA_REPLICATION_FACTOR ?? env.KAFKA_MIN_INSYNC_REPLICAS
  if (named === undefined) return {}
  return { topicReplication: kafkaTopicReplication(env, { localBroker: !env.KAFKA_BROKERS }) }
}

/** Unset CLICKHOUSE_URL means the embedded engine in CLICKHOUSE_DATA_DIR. */
export const clickhouseEnv = z.object({
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected a plain identifier')
    .default('cxpulse'),
  CLICKHOUSE_DATA_DIR: z.string().min(1).default('.data/clickhouse'),
})
export type ClickHouseEnv = z.output<typeof clickhouseEnv>

/** The ClickHouse client config (`ClickHouseConfig` of @cxpulse/clickhouse) the variables name. */
export function clickhouseConfigFromEnv(e: ClickHouseEnv) {
  return {
    url: e.CLICKHOUSE_URL,
    username: e.CLICKHOUSE_USER,
    password: e.CLICKHOUSE_PASSWORD,
    database: e.CLICKHOUSE_DATABASE,
    dataDir: e.CLICKHOUSE_DATA_DIR,
  }
}

/** An integer variable within [min, max], with its default. */
export const envInt = (min: number, max: number, defaultValue: number) =>
  z.coerce.number().int().min(min).max(max).default(defaultValue)

/** A Kafka topic prefix variable (cxpulse topics are `<prefix>.<domain>`). */
export const envTopicPrefix = (defaultPrefix: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'expected 1-200 of [A-Za-z0-9._-]')
    .default(defaultPrefix)

/**
 * Where the processor's consumer group reads: the processor's own settings, also read by the
 * query API for the processor's lag (GET /v1/status). `defaultPrefix` is the contracts' one.
 */
export const processorGroupEnv = (defaultPrefix: string) =>
  z.object({
    PROCESSOR_TOPIC_PREFIX: envTopicPrefix(defaultPrefix),
    PROCESSOR_GROUP_ID: z.string().min(1).default('cxpulse-processor'),
  })

export const logEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})
export type LogEnv = z.output<typeof logEnv>

/**
 * The event-time policy (`checkEventTime` in @cxpulse/contracts), read by ingest and the
 * processor from the same variables so what one accepts the other never refuses for time.
 */
export const eventTimeEnv = z.object({
  /** How far occurred_at may be ahead of the receive time. */
  EVENT_MAX_FUTURE_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  /** Surveys, tickets and QA reviews older than this are refused; unset = no limit. */
  EVENT_LATE_HORIZON_DAYS: z.coerce.number().positive().max(36_500).optional(),
})
export type EventTimeEnv = z.output<typeof eventTimeEnv>

/** The policy the variables describe. */
export function eventTimePolicyFromEnv(e: EventTimeEnv): {
  maxFutureMs: number
  lateHorizonMs: number | null
} {
  return {
    maxFutureMs: e.EVENT_MAX_FUTURE_MS,
    lateHorizonMs:
      e.EVENT_LATE_HORIZON_DAYS === undefined
        ? null
        : Math.round(e.EVENT_LATE_HORIZON_DAYS * 86_400_000),
  }
}
