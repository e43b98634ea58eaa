import { z } from 'zod'
import { DEFAULT_EVENT_TIME_POLICY, type EventTimePolicy } from '@cxpulse/contracts'
import {
  ConfigError,
  eventTimeEnv,
  eventTimePolicyFromEnv,
  kafkaEnv,
  kafkaTopicReplication,
  logEnv,
  parseEnv,
  retiredEnv,
  type TopicReplication,
} from '@cxpulse/config'

const int = (min: number, max: number, dflt: number) =>
  z.coerce.number().int().min(min).max(max).default(dflt)

export const ingestEnv = z
  .object({
    INGEST_HOST: z.string().min(1).default('0.0.0.0'),
    INGEST_PORT: int(0, 65535, 8080),
    TOPIC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'expected 1-200 of [A-Za-z0-9._-]')
      .default('cxpulse'),
    /** Inline JSON array of `{id, tenant_id, hash, scopes}`; combined with the file if both are set. */
    INGEST_API_KEYS: z.string().optional(),
    INGEST_API_KEYS_FILE: z.string().min(1).optional(),
    INGEST_MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024, 1024 * 1024),
    INGEST_MAX_EVENTS: int(1, 100_000, 1000),
    /** Sustained events per second per tenant, and the burst a tenant may send at once. */
    INGEST_RATE_PER_SEC: z.coerce.number().positive().default(1000),
    INGEST_RATE_BURST: int(1, 10_000_000, 5000),
    /** Optional per-API-key bucket, so one noisy or leaked key cannot use up its tenant's rate. */
    INGEST_KEY_RATE_PER_SEC: z.coerce.number().positive().optional(),
    INGEST_KEY_RATE_BURST: int(1, 10_000_000, 5000),
    /** Bounds on work waiting for broker acks; beyond them ingest answers 503 + Retry-After. */
    INGEST_MAX_INFLIGHT_BYTES: int(1024, 1024 * 1024 * 1024, 32 * 1024 * 1024),
    INGEST_MAX_INFLIGHT_REQUESTS: int(1, 100_000, 256),
    INGEST_PRODUCE_TIMEOUT_MS: int(100, 300_000, 10_000),
    INGEST_CREATE_TOPICS: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    INGEST_SHUTDOWN_TIMEOUT_MS: int(100, 600_000, 15_000),
  })
  .extend(kafkaEnv.shape)
  .extend(logEnv.shape)
  .extend(eventTimeEnv.shape)
  .extend(
    retiredEnv({
      INGEST_MAX_FUTURE_MS: 'set EVENT_MAX_FUTURE_MS (read by ingest and processor alike)',
    }).shape,
  )

export interface IngestConfig {
  host: string
  port: number
  topicPrefix: string
  apiKeys: { json?: string; file?: string }
  maxBodyBytes: number
  maxEvents: number
  /** When occurred_at may be: the processor's policy too, so what ingest accepts is counted. */
  eventTime: EventTimePolicy
  ratePerSec: number
  rateBurst: number
  /** Per-key limit on top of the tenant's; unset = keys share the tenant's bucket only. */
  keyRatePerSec?: number
  keyRateBurst?: number
  maxInflightBytes: number
  maxInflightRequests: number
  produceTimeoutMs: number
  createTopics: boolean
  shutdownTimeoutMs: number
  kafka: { brokers: string[]; clientId: string }
  /** Replication of the topics ingest creates; absent: one replica, the broker's min ISR. */
  topicReplication?: TopicReplication
  logLevel: string
}

export const DEFAULT_INGEST_CONFIG = {
  host: '0.0.0.0',
  port: 8080,
  topicPrefix: 'cxpulse',
  maxBodyBytes: 1024 * 1024,
  maxEvents: 1000,
  eventTime: DEFAULT_EVENT_TIME_POLICY,
  ratePerSec: 1000,
  rateBurst: 5000,
  maxInflightBytes: 32 * 1024 * 1024,
  maxInflightRequests: 256,
  produceTimeoutMs: 10_000,
  createTopics: true,
  shutdownTimeoutMs: 15_000,
  logLevel: 'info',
} satisfies Partial<IngestConfig>

/** Parses the environment once at boot; a ConfigError names every bad variable. */
export function loadIngestConfig(
  env: Record<string, string | undefined> = process.env,
): IngestConfig {
  // Checked outside the schema so it is reported together with every other bad variable.
  const keyProblem =
    env['INGEST_API_KEYS'] || env['INGEST_API_KEYS_FILE']
      ? []
      : [
          {
            variable: 'INGEST_API_KEYS_FILE',
            message: 'set INGEST_API_KEYS_FILE or INGEST_API_KEYS (a JSON array of hashed keys)',
          },
        ]
  let e
  try {
    e = parseEnv(ingestEnv, env)
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError([...error.problems, ...keyProblem])
    throw error
  }
  if (keyProblem.length > 0) throw new ConfigError(keyProblem)
  if (!e.KAFKA_BROKERS) {
    throw new Error(
      'KAFKA_BROKERS is required for the ingest service on its own (`cxpulse start` runs a local broker)',
    )
  }
  return {
    host: e.INGEST_HOST,
    port: e.INGEST_PORT,
    topicPrefix: e.TOPIC_PREFIX,
    apiKeys: {
      ...(e.INGEST_API_KEYS ? { json: e.INGEST_API_KEYS } : {}),
      ...(e.INGEST_API_KEYS_FILE ? { file: e.INGEST_API_KEYS_FILE } : {}),
    },
    maxBodyBytes: e.INGEST_MAX_BODY_BYTES,
    maxEvents: e.INGEST_MAX_EVENTS,
    eventTime: eventTimePolicyFromEnv(e),
    ratePerSec: e.INGEST_RATE_PER_SEC,
    rateBurst: e.INGEST_RATE_BURST,
    ...(e.INGEST_KEY_RATE_PER_SEC
      ? { keyRatePerSec: e.INGEST_KEY_RATE_PER_SEC, keyRateBurst: e.INGEST_KEY_RATE_BURST }
      : {}),
    maxInflightBytes: e.INGEST_MAX_INFLIGHT_BYTES,
    maxInflightRequests: e.INGEST_MAX_INFLIGHT_REQUESTS,
    produceTimeoutMs: e.INGEST_PRODUCE_TIMEOUT_MS,
    createTopics: e.INGEST_CREATE_TOPICS,
    shutdownTimeoutMs: e.INGEST_SHUTDOWN_TIMEOUT_MS,
    kafka: { brokers: e.KAFKA_BROKERS, clientId: `${e.KAFKA_CLIENT_ID}-ingest` },
    topicReplication: kafkaTopicReplication(e, { localBroker: false }),
    logLevel: e.LOG_LEVEL,
  }
}
