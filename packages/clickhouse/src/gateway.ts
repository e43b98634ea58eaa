import { timingSafeEqual, randomUUID, createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { HttpError, readBody } from '@cxpulse/http'
import type { ClickHouse } from './client.ts'

/**
 * The embedded engine belongs to one process. This gateway lets that process (the processor)
 * share it: it serves the part of ClickHouse's HTTP interface that @clickhouse/client uses, so
 * the query API and the alerter run in processes of their own with `CLICKHOUSE_URL` pointing
 * here — exactly as they would against a ClickHouse server. Statements run on the owner's
 * engine one at a time, in the same queue as its own. It is an internal link between cxpulse
 * processes (one user, full access), not an endpoint for BI tools: those need a ClickHouse
 * server with its users and row policies (docs/bi.md).
 */
export interface EngineGatewayOptions {
  host: string
  port: number
  username: string
  password: string
  /** Largest request body (an INSERT's rows), bytes. */
  maxBodyBytes?: number
  onError?: (error: unknown) => void
}

export interface EngineGateway {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

const DEFAULT_MAX_BODY = 64 * 1024 * 1024

/** URL parameters that are part of the protocol, not settings. */
const PROTOCOL_PARAMS = new Set(['query', 'query_id', 'database', 'session_id', 'default_format'])
/** Settings about the HTTP exchange itself; the gateway answers uncompressed, without progress. */
const HTTP_ONLY_SETTINGS = new Set([
  'enable_http_compression',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'wait_end_of_query',
  'http_response_buffer_size',
  // A server-mode client's session default. Every cxpulse statement also runs on the embedded
  // engine without it, and it would outlive its statement there (settings are SET on the
  // engine's one session), so it is not applied.
  'date_time_input_format',
])
/** The one setting a statement may carry. */
const DEDUP_TOKEN = 'insert_deduplication_token'

class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(message)
  }
}

/** Starts the gateway on the owner's engine; `ch` must be in embedded mode. */
export async function startEngineGateway(
  ch: ClickHouse,
  options: EngineGatewayOptions,
): Promise<EngineGateway> {
  if (ch.mode !== 'embedded') throw new Error('the engine gateway shares an embedded engine only')
  if (options.password.length < 16) {
    throw new Error('the engine gateway needs a password of at least 16 characters')
  }
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY
  const expected = digest(`${options.username}:${options.password}`)

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const e =
        error instanceof GatewayError
          ? error
          : error instanceof HttpError // the body reader's 413/415/400, in ClickHouse's form
            ? new GatewayError(error.status, 0, error.code.toUpperCase(), error.message)
            : engineError(error as Error & { code?: unknown })
      if (e.status >= 500) options.onError?.(error)
      if (res.headersSent) {
        res.destroy()
        return
      }
      const body = `Code: ${e.code}. DB::Exception: ${e.message} (${e.type})\n`
      res.writeHead(e.status, {
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-exception-code': String(e.code),
      })
      res.end(body)
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway')
    if (url.pathname === '/ping' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n')
      return
    }
    if (url.pathname !== '/') throw new GatewayError(404, 0, 'NOT_FOUND', `no ${url.pathname}`)
    if (!timingSafeEqual(digest(credentials(req, url)), expected)) {
      throw new GatewayError(401, 516, 'AUTHENTICATION_FAILED', 'wrong user or password')
    }
    if (req.method !== 'POST' && req.method !== 'GET') {
      throw new GatewayError(405, 0, 'METHOD_NOT_ALLOWED', 'use POST')
    }
    const body = await readBody(req, maxBody)
    // As on a server: the statement is the `query` parameter (then the body is its data) or the body.
    const inUrl = url.searchParams.get('query')
    const sql = inUrl ?? body.toString('utf8')
    const data = inUrl !== null && body.length > 0 ? body : undefined
    const { settings, params } = split(url.searchParams, sql)
    // Every statement carries a token (a fresh one unless it brings its own): an insert, however
    // it is written, can then never inherit the previous statement's token from the session.
    settings[DEDUP_TOKEN] ??= randomUUID()
    const queryId = url.searchParams.get('query_id') ?? randomUUID()
    const result = await ch.client.exec({
      query: sql,
      query_id: queryId,
      clickhouse_settings: settings,
      query_params: params,
      ...(data ? { values: Readable.from([data]) } : {}),
    })
    res.writeHead(200, {
      'content-type': 'text/plain; charset=UTF-8',
      'x-clickhouse-query-id': queryId,
      ...(result.summary ? { 'x-clickhouse-summary': JSON.stringify(result.summary) } : {}),
    })
    await pipeline(result.stream, res)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest()

/** `user:password` from Basic auth, ClickHouse's X-ClickHouse-User/Key headers or the URL. */
function credentials(req: IncomingMessage, url: URL): string {
  const auth = req.headers.authorization
  if (auth?.startsWith('Basic ')) return Buffer.from(auth.slice(6), 'base64').toString('utf8')
  const user = req.headers['x-clickhouse-user'] ?? url.searchParams.get('user') ?? 'default'
  const key = req.headers['x-clickhouse-key'] ?? url.searchParams.get('password') ?? ''
  return `${String(user)}:${String(key)}`
}

/**
 * Splits the URL into settings and query parameters. A `param_x` value arrives in the text form
 * a server parses for the placeholder's type (@clickhouse/client's formatting). The embedded
 * engine's binder formats JS values itself (it escapes a string, writes an array as a literal),
 * so each value is turned back into the JS value the client formatted; the engine then receives
 * the same text a server would.
 */
function split(search: URLSearchParams, sql: string) {
  const settings: Record<string, string> = {}
  const params: Record<string, unknown> = {}
  const types = placeholderTypes(sql)
  for (const [name, value] of search) {
    if (name.startsWith('param_')) {
      const type = types.get(name.slice(6)) ?? 'String'
      params[name.slice(6)] =
        value === '\\N'
          ? null
          : /^(Nullable\()?(Array|Map|Tuple)\(/.test(type)
            ? parseLiteral(value)
            : unescapeTsv(value)
    } else if (name === DEDUP_TOKEN) settings[name] = value
    else if (
      !PROTOCOL_PARAMS.has(name) &&
      !HTTP_ONLY_SETTINGS.has(name) &&
      !CREDENTIALS.has(name)
    ) {
      // Any other setting would stay SET on the owner's one engine session after the statement.
      throw new GatewayError(400, 115, 'UNKNOWN_SETTING', `setting ${name} is not accepted here`)
    }
  }
  return { settings, params }
}

const CREDENTIALS = new Set(['user', 'password'])

/** `{name:Type}` placeholders of a statement: name → type. */
function placeholderTypes(sql: string): Map<string, string> {
  const types = new Map<string, string>()
  for (const m of sql.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g)) {
    types.set(m[1] ?? '', (m[2] ?? '').trim())
  }
  return types
}

const UNESCAPES: Record<string, string> = {
  t: '\t',
  n: '\n',
  r: '\r',
  b: '\b',
  f: '\f',
  '0': '\0',
}
/** Undoes backslash escaping (`\\'` → `'`, `\\t` → tab, `\\\\` → `\\`). */
function unescapeTsv(value: string): string {
  return value.replace(/\\(.)/gs, (_, c: string) => UNESCAPES[c] ?? c)
}

/**
 * Reads an array in the literal form the client writes (`['a\\'b',NULL,[1,2]]`) back into JS
 * values: quoted strings, numbers (bigint when integral), NULL, booleans, nested arrays. cxpulse
 * binds no tuples or maps; their literals are refused rather than guessed at.
 */
function parseLiteral(text: string): unknown {
  let i = 0
  const fail = (): never => {
    throw new GatewayError(400, 27, 'CANNOT_PARSE_INPUT', `cannot read parameter value ${text}`)
  }
  const value = (): unknown => {
    const c = text[i]
    if (c === '[') {
      i++
      const items: unknown[] = []
      if (text[i] === ']') return (i++, items)
      for (;;) {
        items.push(value())
        if (text[i] === ',') i++
        else if (text[i] === ']') return (i++, items)
        else return fail()
      }
    }
    if (c === "'") {
      let out = ''
      for (i++; i < text.length; i++) {
        const ch = text[i] ?? ''
        if (ch === '\\') {
          out += unescapeTsv(text.slice(i, i + 2))
          i++
        } else if (ch === "'") return (i++, out)
        else out += ch
      }
      return fail()
    }
    const token = /^[^,\]]+/.exec(text.slice(i))?.[0] ?? fail()
    i += token.length
    if (token === 'NULL') return null
    if (token === 'TRUE' || token === 'FALSE') return token === 'TRUE'
    if (/^-?\d+$/.test(token)) return BigInt(token)
    const n = Number(token)
    return Number.isFinite(n) ? n : fail()
  }
  const result = value()
  return i === text.length ? result : fail()
}

/** An engine error in ClickHouse's own words, so the remote client sees what a server says. */
function engineError(error: Error & { code?: unknown; type?: unknown }): GatewayError {
  const code = Number(error.code)
  return new GatewayError(
    500,
    Number.isInteger(code) ? code : 1001,
    typeof error.type === 'string' ? error.type : 'STD_EXCEPTION',
    error.message.trim(),
  )
}
