import { z } from 'zod'
import type { ClickHouseConfig } from '@cxpulse/clickhouse'
import {
  clickhouseEnv,
  kafkaEnv,
  kafkaTopicReplication,
  logEnv,
  parseEnv,
  type TopicReplication,
} from '@cxpulse/config'
import { DEFAULT_TOPIC_PREFIX } from '@cxpulse/contracts'

const int = (min: number, max: number, def: number) =>
  z.coerce.number().int().min(min).max(max).default(def)

const secrets = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return {}
    try {
      return z.record(z.string().min(1), z.string().min(16)).parse(JSON.parse(v))
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a JSON object {"<tenant>": "<secret of 16+ characters>"}',
      })
      return z.NEVER
    }
  })

export const alerterEnv = kafkaEnv
  .extend(clickhouseEnv.shape)
  .extend(logEnv.shape)
  .extend({
    ALERTER_TOPIC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'expected 1-200 of [A-Za-z0-9._-]')
      .default(DEFAULT_TOPIC_PREFIX),
    /** How often every rule is evaluated. */
    ALERTER_INTERVAL_MS: int(1_000, 3_600_000, 60_000),
    /** Per-tenant webhook signing secrets, JSON {"tenant": "secret"}; never logged. */
    ALERTER_WEBHOOK_SECRETS: secrets,
    ALERTER_WEBHOOK_ATTEMPTS: int(1, 20, 5),
    ALERTER_WEBHOOK_TIMEOUT_MS: int(100, 60_000, 5_000),
    ALERTER_HOST: z.string().min(1).default('0.0.0.0'),
    /** /healthz and /readyz. */
    ALERTER_PORT: int(0, 65535, 8083),
    ALERTER_INSTANCE_ID: z.string().min(1).max(200).optional(),
  })

export interface AlerterConfig {
  brokers: string[]
  /** Replication of the alerts topic if the alerter creates it; absent: one replica. */
  topicReplication?: TopicReplication
  clickhouse: ClickHouseConfig
  logLevel: string
  topicPrefix: string
  intervalMs: number
  webhookSecrets: Record<string, string>
  webhookAttempts: number
  webhookTimeoutMs: number
  /** First retry delay; doubles per attempt. */
  webhookBackoffMs: number
  host: string
  port: number
  /** Names this instance in alert_events.evaluator; unique per running instance. */
  instanceId?: string
}

export function loadAlerterConfig(env: Record<string, string | undefined> = process.env) {
  const e = parseEnv(alerterEnv, env)
  const config: AlerterConfig = {
    brokers: e.KAFKA_BROKERS ?? ['127.0.0.1:9092'],
    topicReplication: kafkaTopicReplication(e, { localBroker: !e.KAFKA_BROKERS }),
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      username: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
      dataDir: e.CLICKHOUSE_DATA_DIR,
    },
    logLevel: e.LOG_LEVEL,
    topicPrefix: e.ALERTER_TOPIC_PREFIX,
    intervalMs: e.ALERTER_INTERVAL_MS,
    webhookSecrets: e.ALERTER_WEBHOOK_SECRETS,
    webhookAttempts: e.ALERTER_WEBHOOK_ATTEMPTS,
    webhookTimeoutMs: e.ALERTER_WEBHOOK_TIMEOUT_MS,
    webhookBackoffMs: 500,
    host: e.ALERTER_HOST,
    port: e.ALERTER_PORT,
    ...(e.ALERTER_INSTANCE_ID ? { instanceId: e.ALERTER_INSTANCE_ID } : {}),
  }
  return config
}
