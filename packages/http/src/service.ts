import type { IncomingMessage, ServerResponse } from 'node:http'
import { Registry, collectDefaultMetrics } from 'prom-client'
import type { Logger } from '@cxpulse/logger'
import {
  HttpError,
  sendJson,
  sendText,
  startHttpServer,
  type HttpServer,
  type RouteOutcome,
} from './server.ts'

/**
 * A service's Prometheus registry, with Node's process metrics under their conventional
 * names (`process_cpu_user_seconds_total`, `nodejs_heap_size_used_bytes`, …) labelled
 * `service`, so services scraped together, or run in one process, stay apart.
 */
export function createServiceRegistry(service: string): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, labels: { service } })
  return registry
}

export interface ServiceHttpOptions {
  log: Logger
  registry: Registry
  /** `true` when the dependencies are reachable and the service is not stopping; else why not. */
  ready: () => Promise<true | string>
  /** The service's own routes by path (no query string); `undefined` answers 404. */
  routes?: (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ) => Promise<RouteOutcome | undefined>
  onDone?: (outcome: RouteOutcome, ms: number) => void
}

const PROBES = new Set(['/healthz', '/readyz', '/metrics'])

/** The HTTP server of every service: `/healthz` (alive), `/readyz`, `/metrics`, then its routes. */
export function startServiceHttp(
  listen: { host: string; port: number },
  o: ServiceHttpOptions,
): Promise<HttpServer> {
  async function probe(res: ServerResponse, path: string): Promise<RouteOutcome> {
    if (path === '/healthz') {
      sendText(res, 200, 'ok\n')
      return { route: path, status: 200 }
    }
    if (path === '/readyz') {
      const ready = await o.ready().catch((error: unknown) => (error as Error).message)
      const status = ready === true ? 200 : 503
      sendText(res, status, ready === true ? 'ready\n' : `not ready: ${ready}\n`)
      return { route: path, status }
    }
    sendText(res, 200, await o.registry.metrics(), o.registry.contentType)
    return { route: path, status: 200 }
  }
  return startHttpServer({
    host: listen.host,
    port: listen.port,
    log: o.log,
    ...(o.onDone ? { onDone: o.onDone } : {}),
    handle: async (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/'
      if (PROBES.has(path)) {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          throw new HttpError(405, 'method_not_allowed', 'use GET', undefined, { allow: 'GET' })
        }
        return probe(res, path)
      }
      const outcome = await o.routes?.(req, res, path)
      if (outcome) return outcome
      sendJson(res, 404, { error: 'not_found', message: 'no such route' })
      return { route: 'other', status: 404 }
    },
  })
}

/**
 * A `stop()` that runs once (a second call gets the same promise) under a deadline: `run` gets
 * the deadline (epoch ms) to pace its own waits; if it is still running `timeoutMs` later,
 * `onTimeout` closes what is left and the stop resolves.
 */
export function stopUnderDeadline(
  timeoutMs: number,
  run: (deadline: number) => Promise<void>,
  onTimeout: () => void,
): () => Promise<void> {
  let stopping: Promise<void> | undefined
  return () => {
    stopping ??= (async () => {
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), timeoutMs)
      })
      try {
        if (await Promise.race([run(Date.now() + timeoutMs).then(() => false), timedOut])) {
          onTimeout()
        }
      } finally {
        clearTimeout(timer)
      }
    })()
    return stopping
  }
}
