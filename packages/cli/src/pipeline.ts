import { DEFAULT_ALERTER_CONFIG, createAlerter, type AlerterHandle } from '@cxpulse/alerter'
import type { KeyStore } from '@cxpulse/auth'
import type { ClickHouse } from '@cxpulse/clickhouse'
import type { TopicReplication } from '@cxpulse/config'
import type { EventTimePolicy } from '@cxpulse/contracts'
import { createKafka } from '@cxpulse/kafka'
import type { Logger } from '@cxpulse/logger'
import {
  DEFAULT_INGEST_CONFIG,
  startIngest,
  type IngestConfig,
  type IngestHandle,
} from '@cxpulse/ingest'
import { DEFAULT_PROCESSOR_CONFIG, createProcessor, type ProcessorHandle } from '@cxpulse/processor'
import { DEFAULT_QUERY_CONFIG, createQuery, type QueryHandle } from '@cxpulse/query'
import { startIngestThread } from './ingest-thread.ts'

export interface PipelineOptions {
  brokers: string[]
  /** Replication of the topics the services create; absent: one replica (a single broker). */
  topicReplication?: TopicReplication
  clickhouse: ClickHouse
  keys: KeyStore
  logger: Logger
  topicPrefix?: string
  groupId?: string
  host?: string
  ingestPort?: number
  queryPort?: number
  processorPort?: number
  /** Per-tenant ingest rate; the demo and tests send faster than a production default. */
  ingestRatePerSec?: number
  /**
   * Run ingest on its own thread (`cxpulse start` does), reading its keys from this file —
   * the list `keys` was built from. Without it ingest shares this thread and uses `keys`.
   */
  ingestThread?: { keysFile: string }
  /** Processor batch wait: small for a lively demo, larger for throughput. */
  batchMaxWaitMs?: number
  sessionTimeoutMs?: number
  /** How often the alerter evaluates every rule (default one minute); 0 runs no alerter. */
  alertIntervalMs?: number
  /** Per-tenant webhook signing secrets for alert deliveries. */
  webhookSecrets?: Record<string, string>
  alerterPort?: number
  /** The event-time policy for ingest and processor alike (default: the EVENT_* schema defaults). */
  eventTime?: EventTimePolicy
}

export interface Pipeline {
  ingest: IngestHandle
  processor: ProcessorHandle
  query: QueryHandle
  alerter?: AlerterHandle
  /** Stops ingest first (so nothing new is accepted), then the processor, the alerter, the query API. */
  stop(): Promise<void>
}

/** The dashboard's "catching up" threshold in the all-in-one (records waiting). */
const ALL_IN_ONE_CATCHING_UP_LAG = 100

/**
 * Ingest, processor, query and alerter in one process over one ClickHouse client. This is the one
 * composition point: the embedded engine allows a single owner of its data directory, so
 * locally every service must share this process (ingest, which needs no ClickHouse, may take
 * its own thread: `ingestThread`); in production each runs alone (`main.ts`).
 */
export async function startPipeline(o: PipelineOptions): Promise<Pipeline> {
  const host = o.host ?? '127.0.0.1'
  // Every service starts from its schema's defaults; only what this process supplies differs.
  const shared = {
    host,
    logLevel: o.logger.level,
    clickhouse: { database: o.clickhouse.database, dataDir: '' },
    ...(o.topicReplication ? { topicReplication: o.topicReplication } : {}),
    ...defined({ topicPrefix: o.topicPrefix, eventTime: o.eventTime }),
  }
  const kafka = createKafka({ brokers: o.brokers, clientId: 'cxpulse' }, o.logger)
  const started: { stop(): Promise<void> }[] = []
  try {
    const processorConfig = {
      ...DEFAULT_PROCESSOR_CONFIG,
      ...shared,
      brokers: o.brokers,
      // A lively demo: small batches written soon.
      batchMaxWaitMs: o.batchMaxWaitMs ?? 200,
      port: o.processorPort ?? 0,
      ...defined({ groupId: o.groupId, sessionTimeoutMs: o.sessionTimeoutMs }),
    }
    const processor = await createProcessor(processorConfig, {
      kafka,
      clickhouse: o.clickhouse,
      logger: o.logger,
    }).start()
    started.push(processor)
    const ingestConfig: IngestConfig = {
      ...DEFAULT_INGEST_CONFIG,
      ...shared,
      port: o.ingestPort ?? 0,
      apiKeys: o.ingestThread ? { file: o.ingestThread.keysFile } : {},
      ...(o.ingestRatePerSec
        ? {
            ratePerSec: o.ingestRatePerSec,
            rateBurst: Math.max(DEFAULT_INGEST_CONFIG.rateBurst, o.ingestRatePerSec * 5),
          }
        : {}),
      kafka: { ...DEFAULT_INGEST_CONFIG.kafka, brokers: o.brokers },
    }
    const ingest = o.ingestThread
      ? await startIngestThread(ingestConfig, o.logger)
      : await startIngest(ingestConfig, {
          kafka,
          keys: o.keys,
          logger: o.logger.child({ service: 'ingest' }),
        })
    started.push(ingest)
    const query = await createQuery(
      {
        ...DEFAULT_QUERY_CONFIG,
        ...shared,
        port: o.queryPort ?? 0,
        // The dashboard's freshness: this process's processor group. One process's traffic is
        // light, so a backlog of 100 records (ingest requests per partition) is already one.
        processorLag: {
          brokers: o.brokers,
          clientId: 'cxpulse-query',
          topicPrefix: processorConfig.topicPrefix,
          groupId: processorConfig.groupId,
          catchingUpLag: ALL_IN_ONE_CATCHING_UP_LAG,
        },
      },
      { clickhouse: o.clickhouse, keys: o.keys, logger: o.logger.child({ service: 'query' }) },
    ).start()
    started.push(query)
    const alerter =
      o.alertIntervalMs === 0
        ? undefined
        : await createAlerter(
            {
              ...DEFAULT_ALERTER_CONFIG,
              ...shared,
              brokers: o.brokers,
              port: o.alerterPort ?? 0,
              ...defined({ intervalMs: o.alertIntervalMs, webhookSecrets: o.webhookSecrets }),
            },
            { clickhouse: o.clickhouse, kafka, logger: o.logger.child({ service: 'alerter' }) },
          ).start()
    if (alerter) started.push(alerter)
    let stopping: Promise<void> | undefined
    return {
      ingest,
      processor,
      query,
      ...(alerter ? { alerter } : {}),
      stop() {
        stopping ??= (async () => {
          await ingest.stop()
          await processor.stop()
          await alerter?.stop()
          await query.stop()
        })()
        return stopping
      },
    }
  } catch (error) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined)
    throw error
  }
}

/** The options given, without the unset ones (so they do not overwrite a default). */
function defined<T extends Record<string, unknown>>(
  o: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }
}
