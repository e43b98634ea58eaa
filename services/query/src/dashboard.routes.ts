import { readFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { join } from 'node:path'
import type { RouteOutcome } from '@cxpulse/http'

const DIR = join(import.meta.dirname, 'dashboard')

/** The dashboard's files: a fixed list (no path from the request ever reaches the disk). */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
}

// Same-origin everything, no inline script, not embeddable: the page holds an API key.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

const cache = new Map<string, Buffer>()

export function isDashboardPath(path: string): boolean {
  return path in FILES
}

/** GET / and /dashboard/*: static, public (the data comes from the API with the user's key). */
export function serveDashboard(res: ServerResponse, path: string): RouteOutcome {
  const entry = FILES[path]!
  let body = cache.get(entry.file)
  if (!body) {
    body = readFileSync(join(DIR, entry.file))
    cache.set(entry.file, body)
  }
  res.writeHead(200, {
    'content-type': entry.type,
    'content-length': body.length,
    'cache-control': 'no-cache',
    ...SECURITY_HEADERS,
  })
  res.end(body)
  return { route: 'dashboard', status: 200 }
}
