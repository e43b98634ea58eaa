import { z } from 'zod'
import type { ClickHouseConfig } from '@cxpulse/clickhouse'
import { clickhouseEnv, kafkaEnv, logEnv, parseEnv } from '@cxpulse/config'
import { DEFAULT_TOPIC_PREFIX } from '@cxpulse/contracts'

const int = (min: number, max: number, dflt: number) =>
  z.coerce.number().int().min(min).max(max).default(dflt)

export const DEFAULT_CATCHING_UP_LAG = 1000

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
    // GET /v1/status reads the processor's lag: the same variables, and defaults, as the processor.
    PROCESSOR_TOPIC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'expected 1-200 of [A-Za-z0-9._-]')
      .default(DEFAULT_TOPIC_PREFIX),
    PROCESSOR_GROUP_ID: z.string().min(1).default('cxpulse-processor'),
    /** From this many events waiting on, /v1/status (and the dashboard) says "catching up". */
    QUERY_CATCHING_UP_LAG: int(1, 1_000_000_000, DEFAULT_CATCHING_UP_LAG),
  })
  .extend(kafkaEnv.pick({ KAFKA_BROKERS: true, KAFKA_CLIENT_ID: true }).shape)
  .extend(clickhouseEnv.shape)
  .extend(logEnv.shape)
  .superRefine((env, ctx) => {
    if (!env.QUERY_API_KEYS && !env.QUERY_API_KEYS_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUERY_API_KEYS_FILE'],
        message: 'set QUERY_API_KEYS_FILE or QUERY_API_KEYS (a JSON array of hashed keys)',
      })
    }
  })

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
  /** Lag (events waiting) from which the status says `catching_up`. */
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

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxWindowDays: 400,
  maxGroups: 100,
  maxSeriesPoints: 2000,
}

/** Parses the environment once at boot; a ConfigError names every bad variable. */
export function loadQueryConfig(
  env: Record<string, string | undefined> = process.env,
): QueryConfig {
  const e = parseEnv(queryEnv, env)
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
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      username: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
      dataDir: e.CLICKHOUSE_DATA_DIR,
    },
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
