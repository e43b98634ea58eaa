import { z } from 'zod'
import type { ClickHouseConfig } from '@cxpulse/clickhouse'
import {
  ConfigError,
  clickhouseConfigFromEnv,
  clickhouseEnv,
  envInt as int,
  kafkaEnv,
  logEnv,
  parseEnv,
  processorGroupEnv,
} from '@cxpulse/config'
import { DEFAULT_TOPIC_PREFIX } from '@cxpulse/contracts'

export const queryEnv = z
  .object({
    QUERY_HOST: z.string().min(1).default('0.0.0.0'),
    QUERY_PORT: int(0, 65535, 8081),
    /** Inline JSON array of `{id, tenant_id, hash, scopes}` (keys need the `query` scope). */
    QUERY_API_KEYS: z.string().optional(),
    QUERY_API_KEYS_FILE: z.string().min(1).optional(),
    /** Longest window one request may ask for, so one request cannot scan years of raw data. */
    QUERY_MAX_WINDOW_DAYS: int(1, 3660, 400),
    QUERY_MAX_GROUPS: int(1, 10_000, 100),
    QUERY_MAX_SERIES_POINTS: int(1, 100_000, 2000),
    QUERY_SHUTDOWN_TIMEOUT_MS: int(100, 600_000, 10_000),
    /** From this many Kafka records waiting on, /v1/status (and the dashboard) says "catching up". */
    QUERY_CATCHING_UP_LAG: int(1, 1_000_000_000, 1000),
  })
  // GET /v1/status reads the processor's lag: the same variables, and defaults, as the processor.
  .extend(processorGroupEnv(DEFAULT_TOPIC_PREFIX).shape)
  .extend(kafkaEnv.pick({ KAFKA_BROKERS: true, KAFKA_CLIENT_ID: true }).shape)
  .extend(clickhouseEnv.shape)
  .extend(logEnv.shape)

export interface QueryLimits {
  maxWindowDays: number
  maxGroups: number
  maxSeriesPoints: number
}

/** Where the processor's consumer group and topics are, for GET /v1/status's lag. */
export interface ProcessorLagConfig {
  brokers: string[]
  clientId: string
  topicPrefix: string
  groupId: string
  /** Lag (Kafka records waiting) from which the status says `catching_up`. */
  catchingUpLag: number
}

export interface QueryConfig extends QueryLimits {
  host: string
  port: number
  apiKeys: { json?: string; file?: string }
  shutdownTimeoutMs: number
  clickhouse: ClickHouseConfig
  logLevel: string
  /** Absent (no KAFKA_BROKERS): /v1/status reports freshness without the processor's lag. */
  processorLag?: ProcessorLagConfig
}

/** Parses the environment once at boot; a ConfigError names every bad variable. */
export function loadQueryConfig(
  env: Record<string, string | undefined> = process.env,
): QueryConfig {
  const config = queryConfigFromEnv(parseEnv(queryEnv, env))
  if (!config.apiKeys.json && !config.apiKeys.file) {
    throw new ConfigError([
      {
        variable: 'QUERY_API_KEYS_FILE',
        message: 'set QUERY_API_KEYS_FILE or QUERY_API_KEYS (a JSON array of hashed keys)',
      },
    ])
  }
  return config
}

function queryConfigFromEnv(e: z.output<typeof queryEnv>): QueryConfig {
  return {
    host: e.QUERY_HOST,
    port: e.QUERY_PORT,
    apiKeys: {
      ...(e.QUERY_API_KEYS ? { json: e.QUERY_API_KEYS } : {}),
      ...(e.QUERY_API_KEYS_FILE ? { file: e.QUERY_API_KEYS_FILE } : {}),
    },
    maxWindowDays: e.QUERY_MAX_WINDOW_DAYS,
    maxGroups: e.QUERY_MAX_GROUPS,
    maxSeriesPoints: e.QUERY_MAX_SERIES_POINTS,
    shutdownTimeoutMs: e.QUERY_SHUTDOWN_TIMEOUT_MS,
    clickhouse: clickhouseConfigFromEnv(e),
    logLevel: e.LOG_LEVEL,
    ...(e.KAFKA_BROKERS
      ? {
          processorLag: {
            brokers: e.KAFKA_BROKERS,
            clientId: `${e.KAFKA_CLIENT_ID}-query`,
            topicPrefix: e.PROCESSOR_TOPIC_PREFIX,
            groupId: e.PROCESSOR_GROUP_ID,
            catchingUpLag: e.QUERY_CATCHING_UP_LAG,
          },
        }
      : {}),
  }
}

/**
 * What an empty environment gives: every value the schema's default, no keys. Tests and the
 * composition point (packages/cli) start from it and override what they supply.
 */
export const DEFAULT_QUERY_CONFIG: QueryConfig = queryConfigFromEnv(parseEnv(queryEnv, {}))

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxWindowDays: DEFAULT_QUERY_CONFIG.maxWindowDays,
  maxGroups: DEFAULT_QUERY_CONFIG.maxGroups,
  maxSeriesPoints: DEFAULT_QUERY_CONFIG.maxSeriesPoints,
}
