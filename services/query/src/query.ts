import { loadKeyStore, type KeyStore } from '@cxpulse/auth'
import { createClickHouse, type ClickHouse } from '@cxpulse/clickhouse'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  HttpError,
  createServiceRegistry,
  sendText,
  startServiceHttp,
  stopUnderDeadline,
  type RouteOutcome,
} from '@cxpulse/http'
import { createLogger, type Logger } from '@cxpulse/logger'
import { Counter, Histogram } from 'prom-client'
import type { QueryConfig } from './config.ts'
import { buildOpenApi } from './openapi.ts'
import { alertRulesRoute, alertsRoute } from './alerts.routes.ts'
import { isDashboardPath, serveDashboard } from './dashboard.routes.ts'
import { getMetric, listMetrics } from './query.routes.ts'
import { createLagReader, statusRoute } from './status.routes.ts'

export interface QueryDeps {
  clickhouse?: ClickHouse
  keys?: KeyStore
  logger?: Logger
}

export interface QueryHandle {
  url: string
  port: number
  /** Not ready → stop accepting → finish in-flight requests → close what it opened. Safe twice. */
  stop(): Promise<void>
}

export function createQuery(config: QueryConfig, deps: QueryDeps = {}) {
  const log = deps.logger ?? createLogger({ name: 'query', level: config.logLevel })
  const ownsClickHouse = !deps.clickhouse
  const ch = deps.clickhouse ?? createClickHouse(config.clickhouse)
  const registry = createServiceRegistry('query')
  const requests = new Counter({
    name: 'cxpulse_query_requests_total',
    help: 'HTTP requests',
    labelNames: ['route', 'status'],
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'cxpulse_query_request_seconds',
    help: 'request latency',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const openapi = JSON.stringify(buildOpenApi(config))
  const lag = config.processorLag ? createLagReader(config.processorLag, log) : undefined

  async function start(): Promise<QueryHandle> {
    const keys = deps.keys ?? (await loadKeyStore(config.apiKeys))
    let ready = true
    const routeDeps = { keys, ch, limits: config }

    async function routes(
      req: IncomingMessage,
      res: ServerResponse,
    ): Promise<RouteOutcome | undefined> {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const path = url.pathname
      // Alert rules take writes; every other route is read-only.
      const rules = /^\/v1\/alert-rules(?:\/([^/]+))?$/.exec(path)
      if (rules) {
        let id: string | undefined
        try {
          id = rules[1] === undefined ? undefined : decodeURIComponent(rules[1])
        } catch {
          throw new HttpError(404, 'unknown_rule', 'no such alert rule')
        }
        return alertRulesRoute(req, res, routeDeps, id)
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, 'method_not_allowed', 'use GET', undefined, { allow: 'GET' })
      }
      if (path === '/openapi.json') {
        sendText(res, 200, openapi, 'application/json; charset=utf-8')
        return { route: path, status: 200 }
      }
      if (isDashboardPath(path)) return serveDashboard(req, res, path)
      if (path === '/v1/metrics') return listMetrics(res)
      if (path === '/v1/status') return statusRoute(req, res, { ...routeDeps, lag, log })
      if (path === '/v1/alerts') return alertsRoute(req, res, routeDeps, url.searchParams)
      const m = /^\/v1\/metrics\/([^/]+)$/.exec(path)
      if (m) return getMetric(req, res, routeDeps, decodeURIComponent(m[1] ?? ''), url.searchParams)
      return undefined
    }

    const server = await startServiceHttp(config, {
      log,
      registry,
      ready: async () =>
        ready ? (await ch.client.ping()).success || 'ClickHouse ping failed' : 'stopping',
      routes,
      onDone: (o, ms) => {
        requests.inc({ route: o.route, status: String(o.status) })
        latency.observe({ route: o.route }, ms / 1000)
      },
    })
    log.info({ port: server.port }, 'query listening')

    return {
      url: server.url,
      port: server.port,
      stop: stopUnderDeadline(
        config.shutdownTimeoutMs,
        async (deadline) => {
          ready = false
          await server.close(deadline)
          await lag?.close()
          if (ownsClickHouse) await ch.close()
          log.info('query stopped')
        },
        () => log.error({ timeoutMs: config.shutdownTimeoutMs }, 'stop deadline passed'),
      ),
    }
  }

  return { start }
}
