import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import type { RouteOutcome } from '@cxpulse/http'

// Plain files, not compiled: served from src/ whether this module runs from src/ or dist/.
const DIR = fileURLToPath(new URL('../src/dashboard/', import.meta.url))

/**
 * The dashboard's files: a fixed list looked up by the exact request path, so no part of a
 * request ever reaches the file system (`..`, `%2e%2e`, `//`, backslashes are simply unknown).
 */
const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/chart.js': { file: 'chart.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/format.js': { file: 'format.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/state.js': { file: 'state.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
}

/** Same-origin everything, no inline script or style, not embeddable: the page holds an API key. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
}

interface Loaded {
  body: Buffer
  etag: string
}
const cache = new Map<string, Loaded>()

function load(file: string): Loaded {
  let hit = cache.get(file)
  if (!hit) {
    const body = readFileSync(DIR + file)
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
    hit = { body, etag }
    cache.set(file, hit)
  }
  return hit
}

/** Whether the query service should hand this path to the dashboard (GET / and /dashboard/*). */
export function isDashboardPath(path: string): boolean {
  return path === '/' || path.startsWith('/dashboard/')
}

/**
 * Static, public files (the data comes from the API with the user's key). Revalidated on every
 * load (`no-cache` + ETag → 304), so an upgraded service is picked up at once and an unchanged
 * page costs a round trip and no body.
 */
export function serveDashboard(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): RouteOutcome {
  const entry = Object.hasOwn(FILES, path) ? FILES[path] : undefined
  if (!entry) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS })
    res.end('not found\n')
    return { route: 'dashboard', status: 404 }
  }
  const { body, etag } = load(entry.file)
  const headers = {
    'content-type': entry.type,
    'cache-control': 'no-cache',
    etag,
    ...SECURITY_HEADERS,
  }
  const ifNoneMatch = req.headers['if-none-match']
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag)) {
    res.writeHead(304, headers)
    res.end()
    return { route: 'dashboard', status: 304 }
  }
  res.writeHead(200, { ...headers, 'content-length': body.length })
  res.end(req.method === 'HEAD' ? undefined : body)
  return { route: 'dashboard', status: 200 }
}
