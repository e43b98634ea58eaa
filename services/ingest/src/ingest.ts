import type { Admin, Kafka } from 'kafkajs'
import { loadKeyStore, type KeyStore } from '@cxpulse/auth'
import { TOPIC_SPECS, topicNames } from '@cxpulse/contracts'
import { HttpError, sendText, startServiceHttp, stopUnderDeadline } from '@cxpulse/http'
import { createKafka, ensureTopics } from '@cxpulse/kafka'
import { createLogger, type Logger } from '@cxpulse/logger'
import type { IngestConfig } from './config.ts'
import { createIngestMetrics } from './ingest.metrics.ts'
import { handleEvents } from './ingest.routes.ts'
import { buildOpenApi } from './openapi.ts'
import { TopicPartitions } from './partitions.ts'
import { BoundedProducer } from './producer.ts'
import { RateLimiter } from './rate-limit.ts'

export interface IngestDeps {
  kafka?: Kafka
  logger?: Logger
  keys?: KeyStore
  /** The receiver's clock (occurred_at future check, received_at). */
  clock?: () => Date
}

export interface IngestHandle {
  url: string
  port: number
  /** Not ready → stop accepting → finish in-flight requests and produces → close clients. Safe twice. */
  stop(): Promise<void>
}

export function createIngest(config: IngestConfig, deps: IngestDeps = {}) {
  const log = deps.logger ?? createLogger({ name: 'ingest', level: config.logLevel })
  const kafka = deps.kafka ?? createKafka(config.kafka, log)
  const metrics = createIngestMetrics()
  const topics = topicNames(config.topicPrefix)
  const producer = new BoundedProducer(
    kafka,
    {
      maxBytes: config.maxInflightBytes,
      maxBatches: config.maxInflightRequests,
      timeoutMs: config.produceTimeoutMs,
    },
    metrics,
  )
  const limiter = new RateLimiter(config.ratePerSec, config.rateBurst)
  const keyLimiter = config.keyRatePerSec
    ? new RateLimiter(config.keyRatePerSec, config.keyRateBurst ?? config.rateBurst)
    : undefined
  const openapi = JSON.stringify(buildOpenApi(config))

  async function start(): Promise<IngestHandle> {
    const keys = deps.keys ?? (await loadKeyStore(config.apiKeys))
    if (config.createTopics) {
      await ensureTopics(kafka, TOPIC_SPECS(config.topicPrefix, config.topicReplication))
    }
    await producer.connect()
    const admin: Admin = kafka.admin()
    await admin.connect()
    const partitions = new TopicPartitions(
      admin,
      [topics.surveys, topics.tickets, topics.customers, topics.qa],
      log,
    )
    try {
      await partitions.load()
    } catch (error) {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()])
      throw error
    }
    partitions.startRefresh()

    let stopping = false
    let readyCheck: { at: number; ok: Promise<boolean> } | undefined
    async function brokerReachable(): Promise<boolean> {
      // One probe per second at most, however often /readyz is polled.
      if (readyCheck && Date.now() - readyCheck.at < 1000) return readyCheck.ok
      const ok = Promise.race([
        admin.describeCluster().then(
          (c) => c.brokers.length > 0,
          () => false,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
      ])
      readyCheck = { at: Date.now(), ok }
      return ok
    }

    const routeDeps = {
      keys,
      producer,
      limiter,
      ...(keyLimiter ? { keyLimiter } : {}),
      metrics,
      topics,
      partitions: (topic: string) => partitions.count(topic),
      limits: config,
      clock: deps.clock ?? (() => new Date()),
      stopping: () => stopping,
      log,
    }

    const server = await startServiceHttp(config, {
      log,
      registry: metrics.registry,
      ready: async () => {
        if (stopping) return 'stopping'
        return (await brokerReachable()) || 'Kafka not reachable'
      },
      routes: async (req, res, path) => {
        if (path === '/v1/events') {
          if (req.method !== 'POST') {
            throw new HttpError(405, 'method_not_allowed', 'use POST', undefined, { allow: 'POST' })
          }
          return { route: path, ...(await handleEvents(req, res, routeDeps)) }
        }
        if (path === '/openapi.json') {
          sendText(res, 200, openapi, 'application/json; charset=utf-8')
          return { route: path, status: 200 }
        }
        return undefined
      },
      onDone: (o) => metrics.requests.inc({ route: o.route, status: String(o.status) }),
    })
    log.info({ port: server.port, topics }, 'ingest listening')

    const stop = stopUnderDeadline(
      config.shutdownTimeoutMs,
      async (deadline) => {
        stopping = true
        // Requests already inside wait for their broker acks; then the producer flushes.
        await server.close(deadline)
        const drained = await producer.drained(deadline)
        if (!drained)
          log.warn(
            { inflight: producer.inflight },
            'shutdown deadline passed with produces in flight',
          )
        partitions.stop()
        await Promise.allSettled([producer.disconnect(), admin.disconnect()])
        log.info({}, 'ingest stopped')
      },
      () => log.error({ timeoutMs: config.shutdownTimeoutMs }, 'stop deadline passed'),
    )
    return { url: server.url, port: server.port, stop }
  }

  return { start, metrics }
}

/** Convenience for one-process composition: build and start. */
export async function startIngest(
  config: IngestConfig,
  deps: IngestDeps = {},
): Promise<IngestHandle> {
  return createIngest(config, deps).start()
}
