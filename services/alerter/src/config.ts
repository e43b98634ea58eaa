import { z } from 'zod'
import type { ClickHouseConfig } from '@cxpulse/clickhouse'
import {
  clickhouseConfigFromEnv,
  clickhouseEnv,
  envInt as int,
  envTopicPrefix,
  kafkaEnv,
  logEnv,
  parseEnv,
  topicReplicationFromEnv,
  type TopicReplication,
} from '@cxpulse/config'
import { DEFAULT_TOPIC_PREFIX } from '@cxpulse/contracts'

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
    ALERTER_TOPIC_PREFIX: envTopicPrefix(DEFAULT_TOPIC_PREFIX),
    /** How often every rule is evaluated. */
    ALERTER_INTERVAL_MS: int(1_000, 3_600_000, 60_000),
    /** Per-tenant webhook signing secrets, JSON {"tenant": "secret"}; never logged. */
    ALERTER_WEBHOOK_SECRETS: secrets,
    ALERTER_WEBHOOK_ATTEMPTS: int(1, 20, 5),
    ALERTER_WEBHOOK_TIMEOUT_MS: int(100, 60_000, 5_000),
    /** First retry delay of a webhook delivery; doubles per attempt. */
    ALERTER_WEBHOOK_BACKOFF_MS: int(10, 60_000, 500),
    ALERTER_SHUTDOWN_TIMEOUT_MS: int(100, 600_000, 10_000),
    ALERTER_HOST: z.string().min(1).default('0.0.0.0'),
    /** /healthz, /readyz and /metrics. */
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
  shutdownTimeoutMs: number
  /** Names this instance in alert_events.evaluator; unique per running instance. */
  instanceId?: string
}

/** Parses the environment once at boot; a ConfigError names every bad variable. */
export function loadAlerterConfig(
  env: Record<string, string | undefined> = process.env,
): AlerterConfig {
  return alerterConfigFromEnv(parseEnv(alerterEnv, env))
}

function alerterConfigFromEnv(e: z.output<typeof alerterEnv>): AlerterConfig {
  return {
    // Unset: the local broker `cxpulse start` runs.
    brokers: e.KAFKA_BROKERS ?? ['127.0.0.1:9092'],
    ...topicReplicationFromEnv(e),
    clickhouse: clickhouseConfigFromEnv(e),
    logLevel: e.LOG_LEVEL,
    topicPrefix: e.ALERTER_TOPIC_PREFIX,
    intervalMs: e.ALERTER_INTERVAL_MS,
    webhookSecrets: e.ALERTER_WEBHOOK_SECRETS,
    webhookAttempts: e.ALERTER_WEBHOOK_ATTEMPTS,
    webhookTimeoutMs: e.ALERTER_WEBHOOK_TIMEOUT_MS,
    webhookBackoffMs: e.ALERTER_WEBHOOK_BACKOFF_MS,
    host: e.ALERTER_HOST,
    port: e.ALERTER_PORT,
    shutdownTimeoutMs: e.ALERTER_SHUTDOWN_TIMEOUT_MS,
    ...(e.ALERTER_INSTANCE_ID ? { instanceId: e.ALERTER_INSTANCE_ID } : {}),
  }
}

/**
 * What an empty environment gives: every value the schema's default. Tests and the
 * composition point (packages/cli) start from it and override what they supply.
 */
export const DEFAULT_ALERTER_CONFIG: AlerterConfig = alerterConfigFromEnv(parseEnv(alerterEnv, {}))
