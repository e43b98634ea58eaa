import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyStore, generateApiKey } from '@cxpulse/auth'
import { topicNames } from '@cxpulse/contracts'
import { DEFAULT_INGEST_CONFIG, startIngest, type IngestHandle } from '@cxpulse/ingest'
import { readWholeTopicEvents, recordReliability, testKafka, uniqueName } from '@cxpulse/testkit'

/**
 * Rate limits per API key (INGEST_KEY_RATE_PER_SEC): one noisy or leaked key is refused with
 * 429 + Retry-After while its tenant's other key still gets 202, and recovers after waiting.
 */
const FILE = 'test/reliability/security.limits.integration.test.ts'

describe('security: rate limits per API key', () => {
  const { kafka, brokers } = testKafka()
  const noisy = generateApiKey()
  const quiet = generateApiKey()
  const other = generateApiKey()
  const prefix = uniqueName('seclim')
  let ingest: IngestHandle

  beforeAll(async () => {
    ingest = await startIngest(
      {
        ...DEFAULT_INGEST_CONFIG,
        host: '127.0.0.1',
        port: 0,
        topicPrefix: prefix,
        apiKeys: {},
        // Tenant: 250 at once, refilled at 1/s; each key: 100 at once, refilled at 20/s.
        ratePerSec: 1,
        rateBurst: 250,
        keyRatePerSec: 20,
        keyRateBurst: 100,
        kafka: { brokers, clientId: uniqueName('seclim') },
        logLevel: 'silent',
      },
      {
        kafka,
        keys: createKeyStore([
          { id: 'noisy', tenant_id: 'acme', hash: noisy.hash, scopes: ['ingest'] },
          { id: 'quiet', tenant_id: 'acme', hash: quiet.hash, scopes: ['ingest'] },
          { id: 'other', tenant_id: 'globex', hash: other.hash, scopes: ['ingest'] },
        ]),
      },
    )
  })

  afterAll(async () => {
    await ingest?.stop()
  })

  it('refuses one flooding key with 429 + Retry-After while the tenant’s other key still gets 202', async () => {
    const accepted: string[] = []
    const send = async (key: string, n: number) => {
      const events = Array.from({ length: n }, () => ({
        event_id: randomUUID(),
        type: 'survey.response',
        occurred_at: new Date(Date.now() - 60_000).toISOString(),
        customer_id: 'rate-probe',
        kind: 'csat',
        score: 5,
      }))
      const res = await fetch(`${ingest.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      })
      const body = (await res.json()) as { message?: string }
      if (res.status === 202) accepted.push(...events.map((e) => e.event_id))
      return {
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        message: body.message,
      }
    }
    const log: string[] = []
    const step = async (what: string, key: string, n: number) => {
      const r = await send(key, n)
      log.push(`${what}: ${r.status}${r.retryAfter ? ` (Retry-After ${r.retryAfter})` : ''}`)
      return r
    }
    // The noisy key uses its whole bucket, then keeps going: refused, however often it retries.
    const first = await step('noisy 100', noisy.key, 100)
    const flood = []
    for (let i = 0; i < 3; i++) flood.push(await step(`noisy 50 #${i + 1}`, noisy.key, 50))
    // Its tenant's other key, and another tenant, are unaffected.
    const quietOk = await step('quiet 100', quiet.key, 100)
    const otherOk = await step('globex 100', other.key, 100)
    // After waiting as told, the noisy key is served again.
    const wait = Number(flood[0]?.retryAfter ?? 1)
    await new Promise((r) => setTimeout(r, wait * 1000 + 100))
    const recovered = await step(`noisy 50 after ${wait} s`, noisy.key, 50)
    // The tenant's bucket still caps its keys together: 250 at once, 100 + 100 + 50 used.
    const tenantCap = await step('quiet 50 more', quiet.key, 50)

    const names = topicNames(prefix)
    const onKafka = (await readWholeTopicEvents(kafka, [names.surveys])).map(
      (m) => (JSON.parse(m.value) as { event_id: string }).event_id,
    )
    const exact =
      onKafka.length === accepted.length && new Set(onKafka).size === new Set(accepted).size
    const pass =
      first.status === 202 &&
      flood.every((f) => f.status === 429 && Number(f.retryAfter) >= 1) &&
      /API key/.test(flood[0]?.message ?? '') &&
      quietOk.status === 202 &&
      otherOk.status === 202 &&
      recovered.status === 202 &&
      tenantCap.status === 429 &&
      /tenant/.test(tenantCap.message ?? '') &&
      exact
    await recordReliability({
      id: 'rate-limit-per-key',
      category: 'security',
      fault: 'one API key flooding its tenant',
      injection:
        'per-key bucket 100 events (20/s), tenant bucket 250 (1/s): a noisy key sends 100, then 3 × 50 more; the tenant’s other key and another tenant send 100 each; the noisy key waits Retry-After and sends 50 again; the other key then hits the tenant’s cap',
      trials: log.length,
      produced: accepted.length,
      counted: onKafka.length,
      lost: Math.max(0, accepted.length - onKafka.length),
      duplicated: Math.max(0, onKafka.length - accepted.length),
      verdict: pass ? 'pass' : 'fail',
      notes: `${log.join('; ')}. Kafka holds exactly the accepted events: ${exact}.`,
      test: FILE,
    })
    expect(first.status).toBe(202)
    for (const f of flood) {
      expect(f.status).toBe(429)
      expect(Number(f.retryAfter)).toBeGreaterThanOrEqual(1)
    }
    expect(flood[0]?.message).toMatch(/API key/)
    expect(quietOk.status).toBe(202)
    expect(otherOk.status).toBe(202)
    expect(recovered.status).toBe(202)
    expect(tenantCap.status).toBe(429)
    expect(tenantCap.message).toMatch(/tenant/)
    expect(exact).toBe(true)
  })
})
