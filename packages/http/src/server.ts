import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '@cxpulse/logger'

/** An error a handler throws to answer with a status; `code` is machine-readable. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: readonly { path: string; message: string }[],
    readonly headers?: Record<string, string>,
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(json)
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** What a handler reports for the request log and metrics (never keys or bodies). */
export interface RouteOutcome {
  route: string
  status: number
  tenant?: string
  [field: string]: unknown
}

export interface HttpServerOptions {
  host: string
  port: number
  log: Logger
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<RouteOutcome>
  /** Called after every request, e.g. to count it in Prometheus metrics. */
  onDone?: (outcome: RouteOutcome, ms: number) => void
  /** Routes too chatty to log (probes). */
  quietRoutes?: readonly string[]
}

export interface HttpServer {
  port: number
  /** `http://127.0.0.1:<port>` when listening on all interfaces; an IPv6 host in brackets. */
  url: string
  /** Stops accepting, waits for in-flight requests until `deadline` (epoch ms), then closes. */
  close(deadline: number): Promise<void>
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { log } = options
  const quiet = new Set(options.quietRoutes ?? ['/healthz', '/readyz', '/metrics'])
  let inflight = 0
  let onIdle: (() => void) | undefined

  const server = createServer((req, res) => {
    const started = performance.now()
    inflight += 1
    options
      .handle(req, res)
      .catch((error: unknown): RouteOutcome => {
        if (error instanceof HttpError) {
          if (!res.headersSent) {
            sendJson(
              res,
              error.status,
              {
                error: error.code,
                message: error.message,
                ...(error.errors ? { errors: error.errors } : {}),
              },
              error.headers,
            )
          }
          return { route: 'error', status: error.status, error: error.code }
        }
        log.error({ err: error }, 'request failed')
        if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'internal error' })
        else res.destroy()
        return { route: 'error', status: 500 }
      })
      .then((outcome) => {
        const ms = performance.now() - started
        options.onDone?.(outcome, ms)
        if (!quiet.has(outcome.route))
          log.info({ method: req.method, ...outcome, ms: Math.round(ms) }, 'request')
      })
      .finally(() => {
        inflight -= 1
        if (inflight === 0) onIdle?.()
      })
      // A failing metrics or log hook must not become an unhandled rejection.
      .catch((error: unknown) => log.error({ err: error }, 'request bookkeeping failed'))
  })
  server.requestTimeout = 30_000
  server.headersTimeout = 10_000
  server.keepAliveTimeout = 5_000

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port, options.host, () => {
      server.off('error', fail)
      ok()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host

  let closing: Promise<void> | undefined
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close(deadline) {
      closing ??= (async () => {
        const closed = new Promise<void>((ok) => server.close(() => ok()))
        server.closeIdleConnections()
        if (inflight > 0) {
          await new Promise<void>((ok) => {
            onIdle = ok
            setTimeout(ok, Math.max(0, deadline - Date.now())).unref()
          })
        }
        server.closeAllConnections()
        await closed
      })()
      return closing
    },
  }
}
