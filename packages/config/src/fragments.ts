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
