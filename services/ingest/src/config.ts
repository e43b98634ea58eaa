import { z } from 'zod'
import { DEFAULT_TOPIC_PREFIX, type EventTimePolicy } from '@cxpulse/contracts'
import {
  ConfigError,
  envInt as int,
  envTopicPrefix,
  eventTimeEnv,
  eventTimePolicyFromEnv,
  kafkaEnv,
  logEnv,
  parseEnv,
  retiredEnv,
  topicReplicationFromEnv,
  type TopicReplication,
} from '@cxpulse/config'

export const ingestEnv = z
  .object({
    INGEST_HOST: z.string().min(1).default('0.0.0.0'),
    INGEST_PORT: int(0, 65535, 8080),
    TOPIC_PREFIX: envTopicPrefix(DEFAULT_TOPIC_PREFIX),
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
    throw new ConfigError([
      {
        variable: 'KAFKA_BROKERS',
        message: 'required by the ingest service on its own (`cxpulse start` runs a local broker)',
      },
    ])
  }
  return ingestConfigFromEnv(e)
}

function ingestConfigFromEnv(e: z.output<typeof ingestEnv>): IngestConfig {
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
    kafka: { brokers: e.KAFKA_BROKERS ?? [], clientId: `${e.KAFKA_CLIENT_ID}-ingest` },
    ...topicReplicationFromEnv(e),
    logLevel: e.LOG_LEVEL,
  }
}

/**
 * What an empty environment gives: every value the schema's default, no brokers and no keys.
 * Tests and the composition point (packages/cli) start from it and override what they supply.
 */
export const DEFAULT_INGEST_CONFIG: IngestConfig = ingestConfigFromEnv(parseEnv(ingestEnv, {}))
