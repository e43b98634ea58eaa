import { z } from 'zod'
import { envList } from './env.ts'

/** Environment shared by every process that talks to Kafka. Unset brokers means "start the local broker". */
export const kafkaEnv = z.object({
  KAFKA_BROKERS: envList()
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1))
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('cxpulse'),
})
export type KafkaEnv = z.output<typeof kafkaEnv>

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
