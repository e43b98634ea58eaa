import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Admin, Kafka } from 'kafkajs'
import { loadKeyStore, type KeyStore } from '@cxpulse/auth'
import { TOPIC_SPECS, topicNames } from '@cxpulse/contracts'
import { createKafka, ensureTopics } from '@cxpulse/kafka'
import { createLogger, type Logger } from '@cxpulse/logger'
import type { IngestConfig } from './config.ts'
import { createIngestMetrics } from './ingest.metrics.ts'
import { handleEvents, type Outcome } from './ingest.routes.ts'
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
    let ready = true
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

    let inflightHandlers = 0
    let onIdle: (() => void) | undefined
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

    async function route(
      req: IncomingMessage,
      res: ServerResponse,
    ): Promise<Outcome & { route: string }> {
      const path = (req.url ?? '/').split('?')[0]
      const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
        res.writeHead(status, { 'content-type': type })
        res.end(body)
      }
      if (path === '/v1/events') {
        if (req.method !== 'POST') {
          res.setHeader('allow', 'POST')
          text(
            405,
            JSON.stringify({ error: 'method_not_allowed', message: 'use POST' }),
            'application/json',
          )
          return { route: path, status: 405 }
        }
        return { route: path, ...(await handleEvents(req, res, routeDeps)) }
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        text(405, 'method not allowed')
        return { route: 'other', status: 405 }
      }
      if (path === '/healthz') {
        text(200, 'ok\n')
        return { route: path, status: 200 }
      }
      if (path === '/readyz') {
        const ok = ready && !stopping && (await brokerReachable())
        text(ok ? 200 : 503, ok ? 'ready\n' : 'not ready\n')
        return { route: path, status: ok ? 200 : 503 }
      }
      if (path === '/metrics') {
        text(200, await metrics.registry.metrics(), metrics.registry.contentType)
        return { route: path, status: 200 }
      }
      if (path === '/openapi.json') {
        text(200, openapi, 'application/json; charset=utf-8')
        return { route: path, status: 200 }
      }
      text(
        404,
        JSON.stringify({ error: 'not_found', message: 'no such route' }),
        'application/json',
      )
      return { route: 'other', status: 404 }
    }

    const server = createServer((req, res) => {
      const started = performance.now()
      inflightHandlers += 1
      route(req, res)
        .catch((error: unknown) => {
          log.error({ err: error }, 'request failed')
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'application/json' })
            res.end(JSON.stringify({ error: 'internal', message: 'internal error' }))
          } else res.destroy()
          return { route: 'error', status: 500 }
        })
        .then((o) => {
          metrics.requests.inc({ route: o.route, status: String(o.status) })
          // Never the key, never the body: only who (tenant, key id) and what happened.
          if (o.route !== '/healthz' && o.route !== '/readyz' && o.route !== '/metrics') {
            const { route: r, ...rest } = o
            log.info(
              {
                method: req.method,
                route: r,
                ...rest,
                ms: Math.round(performance.now() - started),
              },
              'request',
            )
          }
        })
        .finally(() => {
          inflightHandlers -= 1
          if (inflightHandlers === 0) onIdle?.()
        })
    })
    server.requestTimeout = 30_000
    server.headersTimeout = 10_000
    server.keepAliveTimeout = 5_000

    await new Promise<void>((ok, fail) => {
      server.once('error', fail)
      server.listen(config.port, config.host, () => {
        server.off('error', fail)
        ok()
      })
    })
    const { port } = server.address() as AddressInfo
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
    log.info({ port, topics }, 'ingest listening')

    let stopped: Promise<void> | undefined
    function stop(): Promise<void> {
      stopped ??= (async () => {
        const deadline = Date.now() + config.shutdownTimeoutMs
        ready = false
        stopping = true
        const closed = new Promise<void>((ok) => server.close(() => ok()))
        server.closeIdleConnections()
        // Requests already inside wait for their broker acks; then the producer flushes.
        if (inflightHandlers > 0) {
          await new Promise<void>((ok) => {
            onIdle = ok
            setTimeout(ok, Math.max(0, deadline - Date.now())).unref()
          })
        }
        const drained = await producer.drained(deadline)
        if (!drained)
          log.warn(
            { inflight: producer.inflight },
            'shutdown deadline passed with produces in flight',
          )
        server.closeAllConnections()
        partitions.stop()
        await Promise.allSettled([producer.disconnect(), admin.disconnect()])
        await closed
        log.info({}, 'ingest stopped')
      })()
      return stopped
    }

    return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, stop }
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
