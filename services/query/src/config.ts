import { z } from 'zod'
import type { ClickHouseConfig } from '@cxpulse/clickhouse'
import {
  ConfigError,
  clickhouseConfigFromEnv,
  clickhouseEnv,
  envInt as int,
  logEnv,
  parseEnv,
} from '@cxpulse/config'

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
  })
  .extend(clickhouseEnv.shape)
  .extend(logEnv.shape)

export interface QueryLimits {
  maxWindowDays: number
  maxGroups: number
  maxSeriesPoints: number
}

export interface QueryConfig extends QueryLimits {
  host: string
  port: number
  apiKeys: { json?: string; file?: string }
  shutdownTimeoutMs: number
  clickhouse: ClickHouseConfig
  logLevel: string
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
