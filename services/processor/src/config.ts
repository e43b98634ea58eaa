import { z } from 'zod'
import type { ClickHouseConfig } from '@cxpulse/clickhouse'
import {
  clickhouseConfigFromEnv,
  clickhouseEnv,
  envInt as int,
  processorGroupEnv,
  eventTimeEnv,
  eventTimePolicyFromEnv,
  kafkaEnv,
  logEnv,
  parseEnv,
  retiredEnv,
  topicReplicationFromEnv,
  type TopicReplication,
} from '@cxpulse/config'
import { DEFAULT_TOPIC_PREFIX, type EventTimePolicy } from '@cxpulse/contracts'

export const processorEnv = kafkaEnv
  .extend(clickhouseEnv.shape)
  .extend(logEnv.shape)
  .extend(eventTimeEnv.shape)
  .extend(
    retiredEnv({
      PROCESSOR_LATE_HORIZON_HOURS:
        'set EVENT_LATE_HORIZON_DAYS (read by ingest and processor alike)',
      PROCESSOR_DEDUP_WINDOW_HOURS:
        'resends are found by their event key (tenant, occurred_at, event_id) at any age',
    }).shape,
  )
  .extend(processorGroupEnv(DEFAULT_TOPIC_PREFIX).shape)
  .extend({
    /** Most messages of one partition written to ClickHouse as one batch (one insert per table). */
    PROCESSOR_BATCH_SIZE: int(1, 100_000, 5_000),
    /** How long a fetch waits for more messages before a smaller batch is written. */
    PROCESSOR_BATCH_MAX_WAIT_MS: int(10, 60_000, 500),
    /** Partitions processed at the same time (each partition is always sequential). */
    PROCESSOR_CONCURRENCY: int(1, 64, 3),
    PROCESSOR_RETRY_MAX_MS: int(100, 300_000, 10_000),
    PROCESSOR_SESSION_TIMEOUT_MS: int(6_000, 300_000, 30_000),
    PROCESSOR_STOP_TIMEOUT_MS: int(100, 300_000, 15_000),
    /** Port of /healthz, /readyz and /metrics; 0 picks a free one. */
    PROCESSOR_PORT: int(0, 65_535, 9_464),
    PROCESSOR_HOST: z.string().min(1).default('127.0.0.1'),
    /**
     * Shares the embedded engine with cxpulse processes of their own (query, alerter): they set
     * CLICKHOUSE_URL to this gateway (packages/clickhouse/src/gateway.ts). Unset: not shared.
     */
    CLICKHOUSE_GATEWAY_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    CLICKHOUSE_GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
    CLICKHOUSE_GATEWAY_USER: z.string().min(1).default('cxpulse'),
    CLICKHOUSE_GATEWAY_PASSWORD: z.string().min(16, 'expected at least 16 characters').optional(),
  })

export type ProcessorEnv = z.output<typeof processorEnv>

export interface ProcessorConfig {
  brokers: string[]
  clientId: string
  /** Replication of the topics the processor creates; absent: one replica, the broker's min ISR. */
  topicReplication?: TopicReplication
  clickhouse: ClickHouseConfig
  logLevel: string
  topicPrefix: string
  groupId: string
  batchSize: number
  batchMaxWaitMs: number
  concurrency: number
  /** The event-time policy, the same as ingest's (EVENT_* variables). */
  eventTime: EventTimePolicy
  retryMaxMs: number
  sessionTimeoutMs: number
  stopTimeoutMs: number
  port: number
  host: string
  /** Where the embedded engine is shared with other processes; absent: it is not. */
  engineGateway?: { host: string; port: number; username: string; password: string }
}

/** Parses the processor's environment once; every bad variable is named in one error. */
export function loadProcessorConfig(
  env: Record<string, string | undefined> = process.env,
): ProcessorConfig {
  const e = parseEnv(
    processorEnv.superRefine((v, ctx) => {
      if (!v.KAFKA_BROKERS) {
        ctx.addIssue({
          code: 'custom',
          path: ['KAFKA_BROKERS'],
          message: 'required by the processor (cxpulse start runs a local broker for you)',
        })
      }
      if (v.CLICKHOUSE_GATEWAY_PORT !== undefined && !v.CLICKHOUSE_GATEWAY_PASSWORD) {
        ctx.addIssue({
          code: 'custom',
          path: ['CLICKHOUSE_GATEWAY_PASSWORD'],
          message:
            'required with CLICKHOUSE_GATEWAY_PORT (the gateway gives full access to the engine)',
        })
      }
      if (v.CLICKHOUSE_GATEWAY_PORT !== undefined && v.CLICKHOUSE_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['CLICKHOUSE_GATEWAY_PORT'],
          message:
            'only an embedded engine is shared; with CLICKHOUSE_URL every process uses the server',
        })
      }
    }),
    env,
  )
  return processorConfigFromEnv(e)
}

function processorConfigFromEnv(e: ProcessorEnv): ProcessorConfig {
  return {
    brokers: e.KAFKA_BROKERS ?? [],
    clientId: `${e.KAFKA_CLIENT_ID}-processor`,
    ...topicReplicationFromEnv(e),
    clickhouse: clickhouseConfigFromEnv(e),
    logLevel: e.LOG_LEVEL,
    topicPrefix: e.PROCESSOR_TOPIC_PREFIX,
    groupId: e.PROCESSOR_GROUP_ID,
    batchSize: e.PROCESSOR_BATCH_SIZE,
    batchMaxWaitMs: e.PROCESSOR_BATCH_MAX_WAIT_MS,
    concurrency: e.PROCESSOR_CONCURRENCY,
    eventTime: eventTimePolicyFromEnv(e),
    retryMaxMs: e.PROCESSOR_RETRY_MAX_MS,
    sessionTimeoutMs: e.PROCESSOR_SESSION_TIMEOUT_MS,
    stopTimeoutMs: e.PROCESSOR_STOP_TIMEOUT_MS,
    port: e.PROCESSOR_PORT,
    host: e.PROCESSOR_HOST,
    ...(e.CLICKHOUSE_GATEWAY_PORT !== undefined && e.CLICKHOUSE_GATEWAY_PASSWORD
      ? {
          engineGateway: {
            host: e.CLICKHOUSE_GATEWAY_HOST,
            port: e.CLICKHOUSE_GATEWAY_PORT,
            username: e.CLICKHOUSE_GATEWAY_USER,
            password: e.CLICKHOUSE_GATEWAY_PASSWORD,
          },
        }
      : {}),
  }
}

/**
 * What an empty environment gives: every value the schema's default, no brokers. Tests and the
 * composition point (packages/cli) start from it and override what they supply.
 */
export const DEFAULT_PROCESSOR_CONFIG: ProcessorConfig = processorConfigFromEnv(
  parseEnv(processorEnv, {}),
)
