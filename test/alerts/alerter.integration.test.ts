import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { DEFAULT_ALERTER_CONFIG, createAlerter, type AlerterHandle } from '@cxpulse/alerter'
import { alertRuleInput } from '@cxpulse/alerting'
import { listAlerts, putRule, runMigrations } from '@cxpulse/clickhouse'
import { parseEnrichedEvent, topicNames } from '@cxpulse/contracts'
import { twoProportionZTest } from '@cxpulse/metrics'
import { insertEventsDirect } from '@cxpulse/processor'
import {
  startWebhookReceiver,
  testClickHouse,
  testKafka,
  testLogger,
  uniqueName,
  waitFor,
} from '@cxpulse/testkit'

/**
 * A simulated incident on a controllable clock: steady CSAT on four channels, then chat drops
 * sharply for 90 minutes and recovers. Rows go into the raw table with the processor's own insert
 * (the aggregate projections are written with them); the alerter evaluates every 5 simulated minutes.
 */
const MIN = 60_000
const INTERVAL = 5 * MIN
const CHANNELS = ['email', 'chat', 'phone', 'web'] as const
const SECRET = 'acme-webhook-secret-0123456789'
const T0 = Date.UTC(2026, 10, 20, 0, 0) // the first response
const DROP = T0 + 2 * 1440 * MIN + 10 * 60 * MIN // chat drops at day 2, 10:00
const RECOVER = DROP + 90 * MIN
const END = RECOVER + 6 * 60 * MIN

/** 2 responses per channel per minute; 85 % positive, chat 40 % during the incident. */
function responses(tenant: string) {
  const out: { at: number; channel: string; positive: boolean }[] = []
  for (let t = T0; t < END; t += MIN) {
    for (const channel of CHANNELS) {
      for (let k = 0; k < 2; k++) {
        const i = (t - T0) / MIN + k * 7 + channel.length
        const bad = channel === 'chat' && t >= DROP && t < RECOVER
        out.push({ at: t + k * 20_000, channel, positive: i % 20 < (bad ? 8 : 17) })
      }
    }
  }
  return out.map((r) => ({ ...r, tenant }))
}

async function load(ch: Awaited<ReturnType<typeof testClickHouse>>, tenant: string) {
  const rows = responses(tenant)
  const events = rows.map((r, i) => {
    const parsed = parseEnrichedEvent({
      event_id: randomUUID(),
      type: 'survey.response',
      occurred_at: new Date(r.at).toISOString(),
      received_at: new Date(r.at + 1000).toISOString(),
      tenant_id: tenant,
      schema_version: 1,
      customer_id: `c${i % 3000}`,
      dimensions: { channel: r.channel },
      kind: 'csat',
      score: r.positive ? 5 : 2,
      scale_min: 1,
      scale_max: 5,
    })
    if (!parsed.ok) throw new Error(JSON.stringify(parsed))
    return parsed.event as Record<string, unknown>
  })
  await insertEventsDirect(ch, events, { topic: `alert-test-${tenant}`, partition: 0 })
  return rows
}

interface Received {
  body: { alert_id: string; state: string; dimension_value: string | null; tenant_id: string }
  valid: boolean
}

describe('alerter: a simulated incident', () => {
  const { kafka } = testKafka()
  let ch: Awaited<ReturnType<typeof testClickHouse>>
  let hook: Awaited<ReturnType<typeof startWebhookReceiver<Received['body']>>>
  let hookUrl = ''
  let received: Received[] = []
  const prefix = uniqueName('alerts')
  const cleanups: (() => Promise<unknown>)[] = []

  beforeAll(async () => {
    ch = await testClickHouse()
    await runMigrations(ch)
    hook = await startWebhookReceiver<Received['body']>(SECRET)
    hookUrl = hook.url
    received = hook.received
  })
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
    await hook?.close()
    await ch?.drop()
  })

  async function rule(tenant: string) {
    const ruleId = randomUUID()
    const input = alertRuleInput.parse({
      name: 'CSAT % drop in any channel',
      metric: 'csat',
      fan_out: 'channel',
      current_window_minutes: 60,
      baseline_window_minutes: 1440,
      min_drop: 10,
      min_n: 50,
      significance: 0.01,
      webhook_url: hookUrl,
    })
    await putRule(ch, { tenantId: tenant, ruleId, rule: JSON.stringify(input) })
    return { ruleId, input }
  }

  function alerter(clock: { t: number }, instanceId?: string) {
    return createAlerter(
      {
        ...DEFAULT_ALERTER_CONFIG,
        brokers: [],
        clickhouse: { database: ch.database, dataDir: '' },
        logLevel: 'silent',
        topicPrefix: prefix,
        intervalMs: 3_600_000,
        webhookSecrets: { acme: SECRET, initech: SECRET },
        webhookAttempts: 3,
        webhookBackoffMs: 50,
        host: '127.0.0.1',
        port: 0,
        ...(instanceId ? { instanceId } : {}),
      },
      { clickhouse: ch, kafka, logger: testLogger, now: () => new Date(clock.t) },
    )
  }

  async function started(clock: { t: number }, id?: string): Promise<AlerterHandle> {
    const h = await alerter(clock, id).start()
    cleanups.push(() => h.stop())
    return h
  }

  it('fires once for the dropped channel within two intervals of significance, none for the others, and resolves once', async () => {
    const rows = await load(ch, 'acme')
    const { ruleId } = await rule('acme')
    const clock = { t: DROP - 30 * MIN }
    const a = await started(clock)
    // No unauthenticated trigger over HTTP: the schedule (and the in-process handle) evaluates.
    expect((await fetch(`http://127.0.0.1:${a.port}/evaluate`, { method: 'POST' })).status).toBe(
      404,
    )

    // Independent check of when the drop became significant: chat's current hour against its
    // previous day, with the Bonferroni bound α/4 that Holm's first step uses.
    const count = (from: number, to: number) => {
      const w = rows.filter((r) => r.channel === 'chat' && r.at >= from && r.at < to)
      return { n: w.length, successes: w.filter((r) => r.positive).length }
    }
    let significantAt: number | undefined
    let firedAt: number | undefined
    let resolvedAt: number | undefined
    for (; clock.t <= END; clock.t += INTERVAL) {
      const cur = count(clock.t - 60 * MIN, clock.t)
      const base = count(clock.t - 61 * 60 * MIN, clock.t - 60 * MIN)
      const z = twoProportionZTest(cur, base, { continuityCorrection: true })
      const drop = (base.successes / base.n - cur.successes / cur.n) * 100
      if (significantAt === undefined && z && z.pValue <= 0.01 / 4 && drop >= 10)
        significantAt = clock.t
      const s = await a.evaluate()
      if (s.fired > 0) firedAt ??= clock.t
      if (s.resolved > 0) resolvedAt ??= clock.t
    }

    const chat = received.filter((r) => r.body.dimension_value === 'chat')
    const others = received.filter((r) => r.body.dimension_value !== 'chat')
    console.error(
      `[alerts] drop at ${new Date(DROP).toISOString()}, significant from ${new Date(significantAt ?? 0).toISOString()}, ` +
        `fired ${new Date(firedAt ?? 0).toISOString()}, resolved ${new Date(resolvedAt ?? 0).toISOString()}; ` +
        `webhooks: ${received.map((r) => `${r.body.dimension_value}:${r.body.state}`).join(', ')}`,
    )
    expect(significantAt).toBeDefined()
    expect(firedAt).toBeDefined()
    expect(firedAt! - significantAt!).toBeLessThanOrEqual(2 * INTERVAL)
    expect(chat.map((r) => r.body.state)).toEqual(['firing', 'resolved'])
    expect(others).toEqual([])
    expect(received.every((r) => r.valid)).toBe(true)
    expect(resolvedAt! > RECOVER).toBe(true)

    const alerts = await listAlerts(ch, { tenantId: 'acme', state: 'all', limit: 10 })
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ rule_id: ruleId, group_key: 'chat', state: 'resolved' })

    // The alerts topic carries both transitions.
    const seen: string[] = []
    const consumer = kafka.consumer({ groupId: uniqueName('alerts-reader') })
    await consumer.connect()
    await consumer.subscribe({ topic: topicNames(prefix).alerts, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        const m = z
          .object({ state: z.string(), tenant_id: z.string() })
          .parse(JSON.parse(String(message.value)))
        if (m.tenant_id === 'acme') seen.push(m.state)
      },
    })
    await waitFor('alerts on Kafka', async () => (seen.length >= 2 ? true : undefined))
    await consumer.disconnect()
    expect(seen).toEqual(['firing', 'resolved'])
  }, 300_000)

  it('a restarted alerter and two concurrent instances send no duplicate firing or resolution', async () => {
    await load(ch, 'initech')
    await rule('initech')
    const forTenant = () => received.filter((r) => r.body.tenant_id === 'initech')
    const clock = { t: DROP + 45 * MIN }

    // Instance A fires during the incident, then dies (no stop(): a crash).
    const a = alerter(clock, 'alerter-a')
    await a.evaluate()
    expect(forTenant().map((r) => r.body.state)).toEqual(['firing'])

    // Its replacement keeps evaluating through the incident: no second firing.
    const b = await started(clock, 'alerter-b')
    for (clock.t += INTERVAL; clock.t < RECOVER; clock.t += INTERVAL) await b.evaluate()
    expect(forTenant().map((r) => r.body.state)).toEqual(['firing'])

    // Two instances evaluate at the same moments after recovery: one resolution.
    const c = await started(clock, 'alerter-c')
    for (; clock.t < RECOVER + 3 * 60 * MIN; clock.t += INTERVAL) {
      await Promise.all([b.evaluate(), c.evaluate()])
    }
    expect(forTenant().map((r) => r.body.state)).toEqual(['firing', 'resolved'])
    const alerts = await listAlerts(ch, { tenantId: 'initech', state: 'all', limit: 10 })
    expect(alerts.map((x) => [x.group_key, x.state])).toEqual([['chat', 'resolved']])
  }, 300_000)
})
