import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateApiKey } from '@cxpulse/auth'
import { recordTransition, runMigrations } from '@cxpulse/clickhouse'
import { testClickHouse } from '@cxpulse/testkit'
import type { QueryHandle } from './query.ts'
import { startTestQuery } from './query.test-support.ts'

/** The fields these tests read from JSON answers. */
interface Body {
  [field: string]: unknown
  rules: { rule_id: string }[]
  alerts: unknown[]
  errors: { path: string }[]
  message: string
}

describe('alert rules and alerts in the query API', () => {
  let ch: Awaited<ReturnType<typeof testClickHouse>>
  let handle: QueryHandle
  const keyA = generateApiKey()
  const keyB = generateApiKey()

  beforeAll(async () => {
    ch = await testClickHouse()
    await runMigrations(ch)
    handle = await startTestQuery(ch, [
      { id: 'a', tenant_id: 'tenant-a', hash: keyA.hash, scopes: ['query'] },
      { id: 'b', tenant_id: 'tenant-b', hash: keyB.hash, scopes: ['query'] },
    ])
  })
  afterAll(async () => {
    await handle?.stop()
    await ch?.drop()
  })

  async function call(key: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${handle.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Body }
  }

  const valid = { name: 'chat CSAT', metric: 'csat', min_drop: 5, filters: { channel: 'chat' } }

  it('creates, reads, replaces and deletes a rule; defaults are filled in', async () => {
    const created = await call(keyA.key, 'POST', '/v1/alert-rules', valid)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      ...valid,
      significance: 0.05,
      min_n: 30,
      current_window_minutes: 60,
      fan_out: null,
    })
    const id = created.body['rule_id'] as string
    expect((await call(keyA.key, 'GET', `/v1/alert-rules/${id}`)).body['name']).toBe('chat CSAT')
    const replaced = await call(keyA.key, 'PUT', `/v1/alert-rules/${id}`, { ...valid, min_drop: 8 })
    expect(replaced.status).toBe(200)
    expect(replaced.body['min_drop']).toBe(8)
    const list = await call(keyA.key, 'GET', '/v1/alert-rules')
    expect(list.body.rules.map((r) => r.rule_id)).toEqual([id])
    expect((await call(keyA.key, 'DELETE', `/v1/alert-rules/${id}`)).status).toBe(204)
    expect((await call(keyA.key, 'GET', `/v1/alert-rules/${id}`)).status).toBe(404)
    expect((await call(keyA.key, 'GET', '/v1/alert-rules')).body['rules']).toEqual([])
  })

  it('names the bad field, and refuses bodies that are not JSON objects of the right size and type', async () => {
    const bad = await call(keyA.key, 'POST', '/v1/alert-rules', { ...valid, significance: 2 })
    expect(bad.status).toBe(400)
    expect(bad.body.errors.map((e) => e.path)).toEqual(['significance'])
    const unknown = await call(keyA.key, 'POST', '/v1/alert-rules', { ...valid, extra: 1 })
    expect(unknown.status).toBe(400)
    const res = await fetch(`${handle.url}/v1/alert-rules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyA.key}`, 'content-type': 'text/plain' },
      body: 'x',
    })
    expect(res.status).toBe(415)
    const huge = await call(keyA.key, 'POST', '/v1/alert-rules', {
      ...valid,
      name: 'x'.repeat(70_000),
    })
    expect(huge.status).toBe(413)
    expect((await call(keyA.key, 'PATCH', '/v1/alert-rules')).status).toBe(405)
    expect((await call(keyA.key, 'GET', '/v1/alert-rules/%E0%A4%A')).status).toBe(404)
  })

  it('keeps tenants apart: B cannot see, change or delete A’s rules or alerts', async () => {
    const created = await call(keyA.key, 'POST', '/v1/alert-rules', valid)
    const id = created.body['rule_id'] as string
    expect((await call(keyB.key, 'GET', `/v1/alert-rules/${id}`)).status).toBe(404)
    expect((await call(keyB.key, 'PUT', `/v1/alert-rules/${id}`, valid)).status).toBe(404)
    expect((await call(keyB.key, 'DELETE', `/v1/alert-rules/${id}`)).status).toBe(404)
    expect((await call(keyB.key, 'GET', '/v1/alert-rules')).body['rules']).toEqual([])
    expect((await call(keyA.key, 'GET', `/v1/alert-rules/${id}`)).status).toBe(200)
    expect((await call('not-a-key', 'GET', '/v1/alert-rules')).status).toBe(401)

    const alertId = randomUUID()
    const payload = {
      rule_name: 'chat CSAT',
      metric: 'csat',
      dimension: 'channel',
      dimension_value: 'chat',
      current: {
        value: 60,
        n: 200,
        ci95: [53, 66],
        from: '2026-11-22T10:00:00.000Z',
        to: '2026-11-22T11:00:00.000Z',
      },
      baseline: {
        value: 85,
        n: 4000,
        ci95: [84, 86],
        from: '2026-11-21T10:00:00.000Z',
        to: '2026-11-22T10:00:00.000Z',
      },
      drop: 25,
      p_value: 1e-9,
    }
    await recordTransition(ch, {
      tenantId: 'tenant-a',
      ruleId: id,
      groupKey: 'chat',
      incidentSeq: 1,
      state: 'firing',
      alertId,
      at: new Date('2026-11-22T11:00:00.000Z'),
      evaluator: 'test',
      payload: JSON.stringify(payload),
    })
    const alerts = await call(keyA.key, 'GET', '/v1/alerts?state=firing')
    expect(alerts.status).toBe(200)
    expect(alerts.body['alerts']).toEqual([
      {
        alert_id: alertId,
        rule_id: id,
        rule_name: 'chat CSAT',
        metric: 'csat',
        dimension: 'channel',
        dimension_value: 'chat',
        state: 'firing',
        fired_at: '2026-11-22T11:00:00.000Z',
        resolved_at: null,
        current: payload.current,
        baseline: payload.baseline,
        drop: 25,
        p_value: 1e-9,
      },
    ])
    expect((await call(keyA.key, 'GET', '/v1/alerts?state=resolved')).body['alerts']).toEqual([])
    expect((await call(keyB.key, 'GET', '/v1/alerts')).body['alerts']).toEqual([])
    const badState = await call(keyA.key, 'GET', '/v1/alerts?state=open')
    expect(badState.status).toBe(400)
    expect(badState.body['message']).toMatch(/state/)
  })
})
