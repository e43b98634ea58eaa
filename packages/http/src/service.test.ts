import { describe, expect, it } from 'vitest'
import { createLogger } from '@cxpulse/logger'
import { createServiceRegistry, startServiceHttp, stopUnderDeadline } from './service.ts'
import { sendText } from './server.ts'

const log = createLogger({ name: 'test', level: 'silent' })

describe('startServiceHttp', () => {
  it('answers the probes, labelled process metrics, its routes, 404 and 405', async () => {
    let ready: true | string = true
    const server = await startServiceHttp(
      { host: '127.0.0.1', port: 0 },
      {
        log,
        registry: createServiceRegistry('demo'),
        ready: () => Promise.resolve(ready),
        routes: (_req, res, path) => {
          if (path !== '/hello') return Promise.resolve(undefined)
          sendText(res, 200, 'hi')
          return Promise.resolve({ route: path, status: 200 })
        },
      },
    )
    try {
      const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init)
      expect((await get('/healthz')).status).toBe(200)
      expect((await get('/readyz')).status).toBe(200)
      ready = 'Kafka not reachable'
      const notReady = await get('/readyz')
      expect(notReady.status).toBe(503)
      expect(await notReady.text()).toBe('not ready: Kafka not reachable\n')
      const metrics = await (await get('/metrics?x=1')).text()
      expect(metrics).toMatch(/^process_cpu_user_seconds_total\{service="demo"\} /m)
      expect(metrics).not.toMatch(/cxpulse_\w*process_/)
      expect(await (await get('/hello')).text()).toBe('hi')
      expect(await (await get('/nope')).json()).toEqual({
        error: 'not_found',
        message: 'no such route',
      })
      const post = await get('/metrics', { method: 'POST' })
      expect(post.status).toBe(405)
      expect(post.headers.get('allow')).toBe('GET')
    } finally {
      await server.close(Date.now() + 1000)
    }
  })
})

describe('stopUnderDeadline', () => {
  it('runs once for any number of calls', async () => {
    let runs = 0
    const stop = stopUnderDeadline(
      1000,
      () => {
        runs++
        return Promise.resolve()
      },
      () => {
        throw new Error('must not time out')
      },
    )
    await Promise.all([stop(), stop()])
    await stop()
    expect(runs).toBe(1)
  })

  it('gives up waiting at the deadline and calls onTimeout', async () => {
    let timedOut = false
    let deadline = 0
    const started = Date.now()
    const stop = stopUnderDeadline(
      50,
      (d) => {
        deadline = d
        return new Promise<void>(() => undefined)
      },
      () => {
        timedOut = true
      },
    )
    await stop()
    expect(timedOut).toBe(true)
    expect(deadline).toBeGreaterThanOrEqual(started + 50)
  })
})
