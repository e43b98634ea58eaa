import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { testClickHouse } from '@cxpulse/testkit'
import { DASHBOARD_CSP } from './dashboard.routes.ts'
import type { QueryHandle } from './query.ts'
import { startTestQuery } from './query.test-support.ts'

interface Raw {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A request with the path sent byte for byte (fetch would normalise `..` away). */
function raw(
  base: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<Raw> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('dashboard served by the query service', () => {
  let ch: Awaited<ReturnType<typeof testClickHouse>>
  let handle: QueryHandle

  beforeAll(async () => {
    ch = await testClickHouse()
    handle = await startTestQuery(ch, [])
  })

  afterAll(async () => {
    await handle?.stop()
    await ch?.drop()
  })

  it('serves the page and every module it loads, with types, a strict CSP and revalidation', async () => {
    const page = await raw(handle.url, '/')
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    const csp = String(page.headers['content-security-policy'])
    expect(csp).toBe(DASHBOARD_CSP)
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe')
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    expect(page.headers['cache-control']).toBe('no-cache')
    expect(page.headers['etag']).toMatch(/^"[\w-]+"$/)

    // No inline script, handler or style attribute: everything comes from files CSP allows.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i)
    expect(page.body).not.toMatch(/\son[a-z]+=/i)
    expect(page.body).not.toMatch(/\sstyle=/i)

    // Follow the page's references and every module's static imports: all are served.
    const seen = new Set<string>()
    const queue = [...page.body.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]!)
    expect(queue).toEqual(expect.arrayContaining(['/dashboard/app.js', '/dashboard/style.css']))
    while (queue.length > 0) {
      const path = queue.shift()!
      if (seen.has(path)) continue
      seen.add(path)
      const res = await raw(handle.url, path)
      expect(res.status, path).toBe(200)
      expect(res.headers['content-security-policy'], path).toBe(DASHBOARD_CSP)
      if (path.endsWith('.js')) {
        expect(res.headers['content-type'], path).toBe('text/javascript; charset=utf-8')
        for (const m of res.body.matchAll(/^import[^'"]*['"](\.\/[^'"]+)['"]/gm)) {
          queue.push(new URL(m[1]!, `http://x${path}`).pathname)
        }
      } else if (path.endsWith('.css')) {
        expect(res.headers['content-type'], path).toBe('text/css; charset=utf-8')
      }
    }
    expect([...seen].sort()).toEqual([
      '/dashboard/app.js',
      '/dashboard/chart.js',
      '/dashboard/format.js',
      '/dashboard/state.js',
      '/dashboard/style.css',
    ])
  })

  it('answers a matching If-None-Match with 304 and HEAD without a body', async () => {
    const first = await raw(handle.url, '/dashboard/app.js')
    const etag = String(first.headers['etag'])
    const again = await raw(handle.url, '/dashboard/app.js', 'GET', { 'if-none-match': etag })
    expect(again.status).toBe(304)
    expect(again.body).toBe('')
    const stale = await raw(handle.url, '/dashboard/app.js', 'GET', { 'if-none-match': '"old"' })
    expect(stale.status).toBe(200)
    expect(stale.body).toBe(first.body)
    const head = await raw(handle.url, '/', 'HEAD')
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100)
    const post = await raw(handle.url, '/', 'POST')
    expect(post.status).toBe(405)
  })

  it('serves nothing outside its fixed list (no directory traversal)', async () => {
    for (const path of [
      '/dashboard/../query.ts',
      '/dashboard/..%2fquery.ts',
      '/dashboard/%2e%2e/query.ts',
      '/dashboard/%2e%2e%2fconfig.ts',
      '/dashboard/..\\query.ts',
      '/dashboard//app.js',
      '/dashboard/app.js/',
      '/dashboard/app.js%00',
      '/dashboard/format.test.ts',
      '/dashboard/format.d.ts',
      '/dashboard/constructor',
      '/dashboard/__proto__',
      '/dashboard/%2fetc%2fpasswd',
      '/dashboard/../../../../etc/passwd',
    ]) {
      const res = await raw(handle.url, path)
      expect(res.status, path).toBe(404)
      expect(res.body, path).not.toContain('import')
      expect(res.body, path).not.toContain('root:')
    }
    // The API is still the API.
    expect((await raw(handle.url, '/v1/metrics')).status).toBe(200)
    expect((await raw(handle.url, '/v1/metrics/csat')).status).toBe(401)
  })
})
