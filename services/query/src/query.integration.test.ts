import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { generateApiKey } from '@cxpulse/auth'
import { RAW_TABLE, insertRawRows, queryRows, runMigrations } from '@cxpulse/clickhouse'
import { testClickHouse } from '@cxpulse/testkit'
import type { QueryHandle } from './query.ts'
import { startTestQuery } from './query.test-support.ts'

/**
 * Rows go straight into the raw tables (the materialized views fill the rollups); expected
 * values are computed here from the same rows with plain arithmetic, not the metric library.
 */
const DAY = 86_400_000
const BASE = Date.UTC(2026, 9, 1) // 2026-10-01T00:00:00Z
const CHANNELS = ['email', 'chat', 'phone'] as const

interface Csat {
  tenant: string
  at: number
  score: number
  min: number
  max: number
  channel: string
}

function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
const round4 = (x: number) => Math.round(x * 1e4) / 1e4

describe('query API over ClickHouse', () => {
  let ch: Awaited<ReturnType<typeof testClickHouse>>
  let handle: QueryHandle
  const keyA = generateApiKey()
  const keyB = generateApiKey()
  const keyC = generateApiKey()
  const keyL = generateApiKey()
  const keyV = generateApiKey()
  const ingestOnly = generateApiKey()
  const csat: Csat[] = []
  const nps: { tenant: string; at: number; score: number; channel: string }[] = []

  beforeAll(async () => {
    ch = await testClickHouse()
    await runMigrations(ch)
    const random = rng(42)
    // 30 days, both tenants, CSAT on 1–5 and 1–10, timestamps with seconds and milliseconds.
    for (let i = 0; i < 3000; i++) {
      const tenant = i % 3 === 0 ? 'tenant-b' : 'tenant-a'
      const tenScale = random() < 0.3
      const max = tenScale ? 10 : 5
      csat.push({
        tenant,
        at: BASE + Math.floor(random() * 30 * DAY),
        score: 1 + Math.floor(random() * max),
        min: 1,
        max,
        channel: CHANNELS[Math.floor(random() * 3)]!,
      })
      nps.push({
        tenant,
        at: BASE + Math.floor(random() * 30 * DAY),
        score: Math.floor(random() * 11),
        channel: CHANNELS[i % 3]!,
      })
    }
    const surveyRow = (
      kind: string,
      r: { tenant: string; at: number; score: number; channel: string },
      min: number,
      max: number,
    ) => {
      return {
        tenant_id: r.tenant,
        event_id: randomUUID(),
        type: 'survey.response',
        occurred_at: iso(r.at),
        received_at: iso(r.at),
        customer_id: 'c',
        kind,
        score: r.score,
        scale_min: min,
        scale_max: max,
        orientation: '',
        dimensions: { channel: r.channel },
      }
    }
    await insertRawRows(ch, RAW_TABLE.surveys, [
      ...csat.map((r) => surveyRow('csat', r, r.min, r.max)),
      ...nps.map((r) => surveyRow('nps', r, 0, 10)),
    ])
    // CES on two scales for tenant-a.
    await insertRawRows(ch, RAW_TABLE.surveys, [
      {
        ...surveyRow(
          'ces',
          { tenant: 'tenant-a', at: BASE + DAY, score: 6, channel: 'chat' },
          1,
          7,
        ),
        orientation: 'agreement',
      },
      {
        ...surveyRow(
          'ces',
          { tenant: 'tenant-a', at: BASE + DAY, score: 3, channel: 'chat' },
          1,
          5,
        ),
        orientation: 'agreement',
      },
    ])
    // Lifecycle: c1 active since September and churns in October; c2 signs up and churns in
    // October (churned_new); c3 active throughout; c4 churned in September; c5 reactivates.
    const life = (customer: string, type: string, at: number) => ({
      tenant_id: 'tenant-a',
      event_id: randomUUID(),
      type,
      occurred_at: iso(at),
      received_at: iso(at),
      customer_id: customer,
    })
    await insertRawRows(ch, RAW_TABLE.customers, [
      life('c1', 'customer.signed_up', BASE - 20 * DAY),
      life('c1', 'customer.churned', BASE + 5 * DAY),
      life('c2', 'customer.signed_up', BASE + 2 * DAY),
      life('c2', 'customer.churned', BASE + 9 * DAY),
      life('c3', 'customer.signed_up', BASE - 40 * DAY),
      life('c4', 'customer.signed_up', BASE - 40 * DAY),
      life('c4', 'customer.churned', BASE - 10 * DAY),
      life('c5', 'customer.signed_up', BASE - 60 * DAY),
      life('c5', 'customer.churned', BASE - 30 * DAY),
      life('c5', 'customer.reactivated', BASE + 3 * DAY),
      life('c3', 'customer.referred', BASE + 4 * DAY),
    ])

    handle = await startTestQuery(ch, [
      { id: 'a', tenant_id: 'tenant-a', hash: keyA.hash, scopes: ['query'] },
      { id: 'b', tenant_id: 'tenant-b', hash: keyB.hash, scopes: ['query'] },
      { id: 'c', tenant_id: 'tenant-c', hash: keyC.hash, scopes: ['query'] },
      { id: 'l', tenant_id: 'tenant-l', hash: keyL.hash, scopes: ['query'] },
      { id: 'v', tenant_id: 'tenant-v', hash: keyV.hash, scopes: ['query'] },
      { id: 'ingest', tenant_id: 'tenant-a', hash: ingestOnly.hash, scopes: ['ingest'] },
    ])
  })

  afterAll(async () => {
    await handle?.stop()
    await ch?.drop()
  })

  async function get(path: string, key: string | null = keyA.key) {
    const res = await fetch(`${handle.url}${path}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    })
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown> & { errors?: { path: string }[] },
    }
  }

  function expectedCsat(tenant: string, from: number, to: number, channel?: string) {
    const rows = csat.filter(
      (r) =>
        r.tenant === tenant && r.at >= from && r.at < to && (!channel || r.channel === channel),
    )
    const positive = rows.filter((r) => r.score >= r.max - 1).length
    return { n: rows.length, value: rows.length ? round4((positive / rows.length) * 100) : null }
  }

  it.each([
    ['whole days (daily rollup)', BASE, BASE + 30 * DAY],
    ['whole hours (hourly rollup)', BASE + 5 * 3_600_000, BASE + 10 * DAY + 7 * 3_600_000],
    ['whole minutes (minute rollup)', BASE + 61 * 60_000, BASE + 3 * DAY + 17 * 60_000],
    ['odd seconds (raw table)', BASE + 12_345, BASE + 4 * DAY + 999],
  ])('CSAT %% over %s equals the value computed from the rows', async (_name, from, to) => {
    const { status, body } = await get(
      `/v1/metrics/csat?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
    )
    expect(status).toBe(200)
    const want = expectedCsat('tenant-a', from, to)
    expect(want.n).toBeGreaterThan(0)
    expect(body['n']).toBe(want.n)
    expect(body['value']).toBe(want.value)
  })

  it('CSAT mean normalises mixed scales to 0–100', async () => {
    const from = BASE
    const to = BASE + 30 * DAY
    const rows = csat.filter((r) => r.tenant === 'tenant-a')
    const mean =
      rows.reduce((a, r) => a + ((r.score - r.min) / (r.max - r.min)) * 100, 0) / rows.length
    const { body } = await get(
      `/v1/metrics/csat_mean?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
    )
    expect(body['value']).toBe(round4(mean))
  })

  it('daily series and channel breakdown match the rows; previous period and delta too', async () => {
    const from = BASE + 10 * DAY
    const to = BASE + 17 * DAY
    const q = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`
    const series = await get(`/v1/metrics/csat?${q}&interval=day`)
    const points = series.body['series'] as { at: string; value: number; n: number }[]
    expect(points).toHaveLength(7)
    for (const p of points) {
      const start = Date.parse(p.at)
      expect(p).toMatchObject(expectedCsat('tenant-a', start, start + DAY))
    }
    const groups = (await get(`/v1/metrics/csat?${q}&group_by=channel`)).body['groups'] as {
      key: string
      value: number
      n: number
    }[]
    expect(groups.map((g) => g.key).sort()).toEqual([...CHANNELS].sort())
    for (const g of groups) expect(g).toMatchObject(expectedCsat('tenant-a', from, to, g.key))

    const filtered = await get(`/v1/metrics/csat?${q}&channel=chat&compare=previous_period`)
    expect(filtered.body).toMatchObject(expectedCsat('tenant-a', from, to, 'chat'))
    const prev = expectedCsat('tenant-a', from - 7 * DAY, from, 'chat')
    expect(filtered.body['previous']).toMatchObject(prev)
    expect(filtered.body['delta']).toBeCloseTo(
      (filtered.body['value'] as number) - (prev.value as number),
      3,
    )
  })

  it('NPS equals % promoters − % detractors of the rows', async () => {
    const rows = nps.filter((r) => r.tenant === 'tenant-a' && r.channel === 'phone')
    const p = rows.filter((r) => r.score >= 9).length
    const d = rows.filter((r) => r.score <= 6).length
    const { body } = await get(
      `/v1/metrics/nps?from=${new Date(BASE).toISOString()}&to=${new Date(BASE + 30 * DAY).toISOString()}&channel=phone`,
    )
    expect(body['n']).toBe(rows.length)
    expect(body['value']).toBe(round4(((p - d) / rows.length) * 100))
  })

  it('an empty window is null with n = 0, never 0', async () => {
    const { status, body } = await get(
      `/v1/metrics/csat?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`,
    )
    expect(status).toBe(200)
    expect(body).toMatchObject({ value: null, n: 0 })
  })

  it('refuses a CES mean across scales and answers per scale', async () => {
    const q = `from=${new Date(BASE).toISOString()}&to=${new Date(BASE + 30 * DAY).toISOString()}`
    const mixed = await get(`/v1/metrics/ces?${q}`)
    expect(mixed.status).toBe(422)
    expect(mixed.body.errors?.[0]?.path).toBe('scale')
    const seven = await get(`/v1/metrics/ces?${q}&scale=1-7`)
    expect(seven.body).toMatchObject({ value: 6, n: 1 })
    const pct = await get(`/v1/metrics/ces_pct?${q}`)
    expect(pct.body).toMatchObject({ value: 50, n: 2 })
  })

  it('churn, CRR and referral rate follow the SPEC definitions', async () => {
    const q = `from=${new Date(BASE).toISOString()}&to=${new Date(BASE + 31 * DAY).toISOString()}`
    // Active at from: c1, c3 (c4 and c5 churned in September, c2 not yet signed up).
    const churn = await get(`/v1/metrics/churn_rate?${q}`)
    expect(churn.body).toMatchObject({ value: 50, n: 2 })
    expect(churn.body['components']).toMatchObject({ churned: 1, churnedNew: 1 })
    // E = c3, c5 → 2; N = c2, c5 → 2; CRR = (2 − 2) / 2.
    const crr = await get(`/v1/metrics/crr?${q}`)
    expect(crr.body).toMatchObject({ value: 0, n: 2 })
    // Active during the window: c1, c2, c3, c5; referrers: c3.
    const referral = await get(`/v1/metrics/referral_rate?${q}`)
    expect(referral.body).toMatchObject({ value: 25, n: 4 })
  })

  describe('churn, CRR and referral rate series and breakdowns', () => {
    // Tenant L alone: customers signing up from September 2026 (none before), churning,
    // reactivating and referring at random instants, plus events exactly on Berlin midnights
    // around the end of summer time (Sunday 2026-10-25: a 25-hour day).
    type Life = { customer: string; type: string; at: number; segment: string }
    const events: Life[] = []
    const SEP = Date.UTC(2026, 8, 1)
    const getL = (path: string) => get(path, keyL.key)
    const METRICS = ['churn_rate', 'crr', 'referral_rate'] as const
    beforeAll(async () => {
      const random = rng(7)
      for (let i = 0; i < 150; i++) {
        const customer = `l${i}`
        const segment = i % 3 === 0 ? 'enterprise' : 'smb'
        const signup = SEP + Math.floor(random() * 85 * DAY)
        events.push({ customer, type: 'customer.signed_up', at: signup, segment })
        if (random() < 0.6) {
          const churn = signup + Math.floor(random() * 20 * DAY)
          events.push({ customer, type: 'customer.churned', at: churn, segment })
          if (random() < 0.5) {
            const back = churn + Math.floor(random() * 10 * DAY)
            events.push({ customer, type: 'customer.reactivated', at: back, segment })
          }
        }
        if (random() < 0.4) {
          const at = signup + Math.floor(random() * 40 * DAY)
          events.push({ customer, type: 'customer.referred', at, segment })
        }
      }
      // On the Berlin midnights that open and close the 25-hour day, and inside its extra hour.
      const oct25 = Date.UTC(2026, 9, 24, 22)
      const oct26 = Date.UTC(2026, 9, 25, 23)
      events.push(
        { customer: 'm1', type: 'customer.signed_up', at: SEP + 3 * DAY, segment: 'smb' },
        { customer: 'm1', type: 'customer.churned', at: oct25, segment: 'smb' },
        { customer: 'm2', type: 'customer.signed_up', at: SEP + 4 * DAY, segment: 'smb' },
        { customer: 'm2', type: 'customer.churned', at: oct26, segment: 'smb' },
        {
          customer: 'm3',
          type: 'customer.signed_up',
          at: oct25 + 24.5 * 3_600_000,
          segment: 'smb',
        },
        { customer: 'm3', type: 'customer.referred', at: oct26 - 1, segment: 'smb' },
        // Changes segment during a window: its group stays the one it started in.
        { customer: 'm4', type: 'customer.signed_up', at: SEP + DAY, segment: 'smb' },
        { customer: 'm4', type: 'customer.churned', at: oct25 + DAY, segment: 'enterprise' },
      )
      await insertRawRows(
        ch,
        RAW_TABLE.customers,
        events.map((e) => ({
          tenant_id: 'tenant-l',
          event_id: randomUUID(),
          type: e.type,
          occurred_at: iso(e.at),
          received_at: iso(e.at),
          customer_id: e.customer,
          dimensions: { segment: e.segment },
        })),
      )
    })

    /** The API's answer for one standalone window. */
    async function standalone(metric: string, from: number, to: number) {
      const { status, body } = await getL(
        `/v1/metrics/${metric}?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
      )
      expect(status).toBe(200)
      return { value: body['value'], n: body['n'], components: body['components'] }
    }

    it.each([
      // Across the end of summer time: 21 Oct – 30 Oct local, the 25th lasting 25 hours.
      ['day', '2026-10-20T22:00:00Z', '2026-10-29T23:00:00Z', 9],
      ['week', '2026-09-27T22:00:00Z', '2026-11-22T23:00:00Z', 8],
      // August has no customer at all: S = 0, so null with n 0.
      ['month', '2026-07-31T22:00:00Z', '2026-11-30T23:00:00Z', 4],
    ])(
      'a %s series in Europe/Berlin equals standalone windows bucket by bucket',
      async (interval, from, to, points) => {
        for (const metric of METRICS) {
          const { status, body } = await getL(
            `/v1/metrics/${metric}?from=${from}&to=${to}&interval=${interval}&tz=Europe/Berlin`,
          )
          expect(status).toBe(200)
          const series = body['series'] as { at: string; value: unknown; n: number }[]
          expect(series.map((p) => p.at)[0]).toBe(new Date(from).toISOString())
          expect(series).toHaveLength(points)
          const edges = [...series.map((p) => Date.parse(p.at)), Date.parse(to)]
          for (const [i, point] of series.entries()) {
            const want = await standalone(metric, edges[i]!, edges[i + 1]!)
            expect(point, `${metric} ${point.at}`).toEqual({ at: point.at, ci95: null, ...want })
          }
          if (interval === 'month') {
            // Nobody is active on 1 September either (the first sign-ups come during it).
            expect(series[0]).toMatchObject({ value: null, n: 0 })
            expect(series.slice(2).every((p) => p.n > 0)).toBe(true)
          }
          if (interval === 'day') {
            // 25 October local runs 22:00Z (summer time) to 23:00Z the next day.
            expect(series[4]!.at).toBe('2026-10-24T22:00:00.000Z')
            expect(series[5]!.at).toBe('2026-10-25T23:00:00.000Z')
            const whole = await standalone(metric, Date.parse(from), Date.parse(to))
            expect(body['value']).toEqual(whole.value)
          }
        }
      },
    )

    it('a UTC daily churn series puts each churn on a midnight in the day it opens', async () => {
      const q = 'from=2026-10-24T00:00:00Z&to=2026-10-27T00:00:00Z&interval=day'
      const { body } = await getL(`/v1/metrics/churn_rate?${q}`)
      const series = body['series'] as { at: string; components: { churned: number } }[]
      // m1 churns at 22:00Z on the 24th, m2 at 23:00Z on the 25th (UTC days).
      expect(series.map((p) => p.at)).toEqual([
        '2026-10-24T00:00:00.000Z',
        '2026-10-25T00:00:00.000Z',
        '2026-10-26T00:00:00.000Z',
      ])
      for (const [i, p] of series.entries()) {
        const start = Date.parse(p.at)
        const want = await standalone('churn_rate', start, start + DAY)
        expect(p.components, `day ${i}`).toEqual(want.components)
      }
    })

    /** The SPEC's counts for [from, to) by plain arithmetic, per group key. */
    function expectedGroups(from: number, to: number) {
      const byCustomer = new Map<string, Life[]>()
      for (const e of events) {
        if (e.at >= to) continue
        byCustomer.set(e.customer, [...(byCustomer.get(e.customer) ?? []), e])
      }
      const groups = new Map<string, { s: number; churned: number; e: number; n: number }>()
      const lifecycle = (e: Life) => e.type !== 'customer.referred'
      const active = (list: Life[]) => {
        const last = list
          .filter(lifecycle)
          .sort((a, b) => a.at - b.at)
          .at(-1)
        return last !== undefined && last.type !== 'customer.churned'
      }
      for (const list of byCustomer.values()) {
        const before = list.filter((e) => e.at < from)
        const inside = list.filter((e) => e.at >= from)
        const keyFrom =
          before
            .filter(lifecycle)
            .sort((a, b) => a.at - b.at)
            .at(-1) ?? inside.filter(lifecycle).sort((a, b) => a.at - b.at)[0]
        if (!keyFrom) continue
        const g = groups.get(keyFrom.segment) ?? { s: 0, churned: 0, e: 0, n: 0 }
        const s = active(before)
        const activated = inside.some((e) => e.type !== 'customer.churned' && lifecycle(e))
        if (s) g.s++
        if (s && inside.some((e) => e.type === 'customer.churned')) g.churned++
        if (active(list)) g.e++
        if (!s && activated) g.n++
        groups.set(keyFrom.segment, g)
      }
      return groups
    }

    it('breaks churn and CRR down by the segment each customer had at the window start', async () => {
      const from = Date.UTC(2026, 9, 20)
      const to = Date.UTC(2026, 10, 3)
      const q = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`
      const want = expectedGroups(from, to)
      expect(want.get('smb')?.churned).toBeGreaterThan(0)
      const churn = (await getL(`/v1/metrics/churn_rate?${q}&group_by=segment`)).body
      const crr = (await getL(`/v1/metrics/crr?${q}&group_by=segment`)).body
      for (const [body, value] of [
        [churn, (g: { s: number; churned: number }) => (g.churned / g.s) * 100],
        [crr, (g: { s: number; e: number; n: number }) => ((g.e - g.n) / g.s) * 100],
      ] as const) {
        const groups = body['groups'] as { key: string; value: number; n: number }[]
        expect(groups.map((g) => g.key).sort()).toEqual(['enterprise', 'smb'])
        // Largest S first.
        expect(groups[0]!.n).toBeGreaterThanOrEqual(groups[1]!.n)
        for (const g of groups) {
          const w = want.get(g.key)!
          expect(g, g.key).toMatchObject({ n: w.s, value: round4(value(w)) })
        }
      }
      // No lifecycle event carries a region: one group, equal to the whole window.
      const referral = await getL(`/v1/metrics/referral_rate?${q}&group_by=region`)
      const whole = await standalone('referral_rate', from, to)
      expect(referral.body['groups']).toEqual([{ key: '', ci95: null, ...whole }])
      const bad = await getL(`/v1/metrics/churn_rate?${q}&group_by=agent`)
      expect(bad.status).toBe(400)
      expect(bad.body.errors?.[0]?.path).toBe('group_by')
    })
  })

  describe('the 0007 BI views return the API’s numbers', () => {
    // Tenant V alone. Each check reads one view row (or sums a day's rows, as the docs tell BI
    // users to) and asks the API for the same window.
    const OCT = Date.UTC(2026, 9, 1)
    const NOV = Date.UTC(2026, 10, 1)
    const D = Date.UTC(2026, 9, 14)
    const MIN = 60_000
    const getV = (path: string) => get(path, keyV.key)
    const base = (type: string, at: number, extra: Record<string, unknown> = {}) => ({
      tenant_id: 'tenant-v',
      event_id: randomUUID(),
      type,
      occurred_at: iso(at),
      received_at: iso(at),
      customer_id: 'v',
      ...extra,
    })
    const view = async (name: string, where: string, params: Record<string, unknown>) =>
      queryRows(ch, {
        name: `test_${name}`,
        sql: `SELECT * FROM ${ch.table(name)} WHERE tenant_id = 'tenant-v' AND ${where}`,
        params,
        row: z.record(z.string(), z.unknown()),
      })
    const numOf = (x: unknown) => (x === null ? null : round4(Number(x)))
    const feedbackIds: string[] = []

    beforeAll(async () => {
      const random = rng(99)
      const customers: object[] = []
      for (let i = 0; i < 40; i++) {
        const who = { customer_id: `v${i}`, dimensions: { segment: i % 2 ? 'smb' : 'enterprise' } }
        const signup = OCT - 40 * DAY + Math.floor(random() * 70 * DAY)
        customers.push(base('customer.signed_up', signup, who))
        if (random() < 0.4) customers.push(base('customer.churned', signup + 9 * DAY, who))
        if (random() < 0.5) {
          customers.push(base('customer.referred', signup + Math.floor(random() * 30 * DAY), who))
        }
        for (let k = 0; k < 1 + (i % 3); k++) {
          const at = OCT + Math.floor(random() * 31 * DAY)
          const money =
            i % 4 === 0
              ? { amount: String(10 + k * 7.25), currency: 'USD' }
              : { amount_minor: 1000 + i * 13 + k, currency: 'EUR' }
          customers.push(base('customer.purchase', at, { ...who, ...money }))
        }
      }
      await insertRawRows(ch, RAW_TABLE.customers, customers)

      const reviews: object[] = []
      for (let i = 0; i < 30; i++) {
        reviews.push(
          base('qa.review', D + Math.floor(random() * DAY), {
            review_id: `r${i}`,
            ticket_id: `T${i}`,
            criteria: [
              { name: 'tone', score: Math.floor(random() * 101), weight: 2 },
              { name: 'accuracy', score: Math.floor(random() * 101), weight: 1 },
            ],
            dimensions: { channel: CHANNELS[i % 3], agent: i % 2 ? 'ann' : 'bob' },
          }),
        )
      }
      await insertRawRows(ch, RAW_TABLE.qa, reviews)

      const responses: { event_id: string }[] = []
      for (let i = 0; i < 20; i++) {
        responses.push(
          base('survey.response', D + i * 60 * MIN, {
            kind: 'csat',
            score: 1 + (i % 5),
            scale_min: 1,
            scale_max: 5,
            orientation: '',
            comment: i % 4 === 3 ? '   ' : `comment ${i}`,
            dimensions: { channel: CHANNELS[i % 3] },
          }),
        )
      }
      await insertRawRows(ch, RAW_TABLE.surveys, responses)
      const tickets: object[] = []
      for (const [i, r] of responses.entries()) {
        if (i % 3 === 0) {
          feedbackIds.push(r.event_id)
          // Some replies land days later: they still count for the response's day.
          tickets.push(
            base('ticket.agent_replied', D + (i % 2 ? 3 * DAY : 2 * 3_600_000), {
              ticket_id: `F${i}`,
              feedback_event_id: r.event_id,
              dimensions: { agent: 'ann' },
            }),
          )
        }
      }
      for (let i = 0; i < 12; i++) {
        const created = D - DAY + i * 97 * MIN
        const chat = { dimensions: { channel: i % 4 === 0 ? 'email' : 'chat' } }
        const t = `V${i}`
        tickets.push(
          base('ticket.created', created, { ticket_id: t, complaint: i % 3 === 0, ...chat }),
        )
        if (i % 3 === 1)
          tickets.push(base('ticket.escalated', created + MIN, { ticket_id: t, ...chat }))
        if (i === 4) {
          tickets.push(base('ticket.resolved', D + 2 * MIN, { ticket_id: t, ...chat }))
          tickets.push(base('ticket.reopened', D + 3 * MIN, { ticket_id: t, ...chat }))
        }
        tickets.push(
          base('ticket.resolved', D + 30 * MIN + i * 41 * MIN, { ticket_id: t, ...chat }),
        )
      }
      await insertRawRows(ch, RAW_TABLE.tickets, tickets)
    })

    const day = `from=${new Date(D).toISOString()}&to=${new Date(D + DAY).toISOString()}`
    const month = `from=${new Date(OCT).toISOString()}&to=${new Date(NOV).toISOString()}`

    it('bi_referral_monthly_v1 equals referral_rate for the month', async () => {
      const [row] = await view('bi_referral_monthly_v1', 'month = {m:Date}', { m: '2026-10-01' })
      const api = (await getV(`/v1/metrics/referral_rate?${month}`)).body
      expect(Number(row!['active_customers'])).toBeGreaterThan(0)
      expect(Number(row!['referrers'])).toBeGreaterThan(0)
      expect({ value: numOf(row!['referral_pct']), n: Number(row!['active_customers']) }).toEqual({
        value: api['value'],
        n: api['n'],
      })
    })

    it('bi_clv_inputs_monthly_v1 equals the CLV inputs for the month, per currency', async () => {
      const rows = await view('bi_clv_inputs_monthly_v1', 'month = {m:Date} ORDER BY currency', {
        m: '2026-10-01',
      })
      expect(rows.map((r) => r['currency'])).toEqual(['EUR', 'USD'])
      for (const row of rows) {
        const api = (
          await getV(`/v1/metrics/clv?${month}&currency=${row['currency']}&lifespan_years=3`)
        ).body as {
          n: number
          components: { averagePurchaseValue: number; purchaseFrequency: number }
        }
        const years = (NOV - OCT) / (365.25 * DAY)
        expect(Number(row['purchasing_customers'])).toBe(api.n)
        expect(numOf(row['average_purchase_value'])).toBe(api.components.averagePurchaseValue)
        expect(round4(Number(row['purchases_per_customer']) / years)).toBe(
          api.components.purchaseFrequency,
        )
        expect(round4(Number(row['revenue']) / Number(row['purchases']))).toBe(
          api.components.averagePurchaseValue,
        )
      }
    })

    it('bi_iqs_daily_v1 equals iqs for the day, whole and per channel', async () => {
      const rows = await view('bi_iqs_daily_v1', 'day = {d:Date}', { d: '2026-10-14' })
      const sum = (list: typeof rows, col: string) => list.reduce((a, r) => a + Number(r[col]), 0)
      const whole = (await getV(`/v1/metrics/iqs?${day}`)).body
      expect(whole['n']).toBe(30)
      expect({
        value: round4(sum(rows, 'iqs_sum') / sum(rows, 'reviews')),
        n: sum(rows, 'reviews'),
      }).toEqual({ value: whole['value'], n: whole['n'] })
      const chat = rows.filter((r) => r['channel'] === 'chat')
      const api = (await getV(`/v1/metrics/iqs?${day}&channel=chat`)).body
      expect(round4(sum(chat, 'iqs_sum') / sum(chat, 'reviews'))).toBe(api['value'])
    })

    it('bi_feedback_reply_daily_v1 equals feedback_reply_rate for the day', async () => {
      const rows = await view('bi_feedback_reply_daily_v1', 'day = {d:Date}', { d: '2026-10-14' })
      const items = rows.reduce((a, r) => a + Number(r['feedback_items']), 0)
      const replied = rows.reduce((a, r) => a + Number(r['replied']), 0)
      const api = (await getV(`/v1/metrics/feedback_reply_rate?${day}`)).body
      // 20 responses, 5 with a blank comment; replies to responses 0, 3, 6, … but 3 and 15 are blank.
      expect({ items, replied }).toEqual({ items: 15, replied: 5 })
      expect({ value: round4((replied / items) * 100), n: items }).toEqual({
        value: api['value'],
        n: api['n'],
      })
      const email = rows.filter((r) => r['channel'] === 'email')
      const apiEmail = (await getV(`/v1/metrics/feedback_reply_rate?${day}&channel=email`)).body
      expect(email.reduce((a, r) => a + Number(r['feedback_items']), 0)).toBe(apiEmail['n'])
    })

    it('bi_complaint_resolution_daily_v1 equals complaint_resolution_time per day and channel', async () => {
      const rows = await view(
        'bi_complaint_resolution_daily_v1',
        'day = {d:Date} ORDER BY channel',
        {
          d: '2026-10-14',
        },
      )
      expect(rows.map((r) => r['channel'])).toEqual(['chat', 'email'])
      for (const row of rows) {
        const api = (
          await getV(`/v1/metrics/complaint_resolution_time?${day}&channel=${row['channel']}`)
        ).body
        expect({
          value: numOf(row['resolution_mean_seconds']),
          n: Number(row['complaints_resolved']),
          components: {
            median: numOf(row['resolution_median_seconds']),
            p90: numOf(row['resolution_p90_seconds']),
          },
        }).toEqual({ value: api['value'], n: api['n'], components: api['components'] })
      }
    })
  })

  it('keeps tenants apart whatever the query says', async () => {
    const q = `from=${new Date(BASE).toISOString()}&to=${new Date(BASE + 30 * DAY).toISOString()}`
    const b = await get(`/v1/metrics/csat?${q}`, keyB.key)
    expect(b.body).toMatchObject(expectedCsat('tenant-b', BASE, BASE + 30 * DAY))
    const sneaky = await get(`/v1/metrics/csat?${q}&tenant_id=tenant-b`)
    expect(sneaky.status).toBe(400)
    expect(sneaky.body.errors?.map((e) => e.path)).toContain('tenant_id')
    const injected = await get(
      `/v1/metrics/csat?${q}&channel=${encodeURIComponent("x' OR tenant_id != '")}`,
    )
    expect(injected.body).toMatchObject({ value: null, n: 0 })
    const churnB = await get(`/v1/metrics/churn_rate?${q}`, keyB.key)
    expect(churnB.body).toMatchObject({ value: null, n: 0 })
  })

  it.each([
    [
      'no key',
      '/v1/metrics/csat?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z',
      null,
      401,
      'missing_key',
    ],
    [
      'wrong key',
      '/v1/metrics/csat?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z',
      'cxp_' + 'x'.repeat(43),
      401,
      'unknown_key',
    ],
    [
      'ingest-only key',
      '/v1/metrics/csat?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z',
      ingestOnly.key,
      403,
      'scope',
    ],
    [
      'unknown metric',
      '/v1/metrics/happiness?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z',
      keyA.key,
      404,
      'unknown_metric',
    ],
    ['bad from', '/v1/metrics/csat?from=yesterday&to=2026-10-02T00:00:00Z', keyA.key, 400, 'from'],
    [
      'to before from',
      '/v1/metrics/csat?from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z',
      keyA.key,
      400,
      'to',
    ],
    [
      'unknown group_by',
      '/v1/metrics/csat?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z&group_by=tenant_id',
      keyA.key,
      400,
      'group_by',
    ],
    [
      'huge window',
      '/v1/metrics/csat?from=2000-01-01T00:00:00Z&to=2026-10-02T00:00:00Z',
      keyA.key,
      400,
      'to',
    ],
    [
      'too many points',
      '/v1/metrics/csat?from=2026-01-01T00:00:00Z&to=2026-10-02T00:00:00Z&interval=minute',
      keyA.key,
      400,
      'interval',
    ],
    [
      'bad time zone',
      '/v1/metrics/csat?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z&tz=Mars/Base',
      keyA.key,
      400,
      'tz',
    ],
    [
      'unknown parameter',
      '/v1/metrics/csat?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z&sql=1',
      keyA.key,
      400,
      'sql',
    ],
    [
      'an hourly series on churn',
      '/v1/metrics/churn_rate?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z&interval=hour',
      keyA.key,
      400,
      'interval',
    ],
  ])('%s → %s', async (_name, path, key, status, named) => {
    const res = await get(path, key)
    expect(res.status).toBe(status)
    const names = [res.body['error'], ...(res.body.errors ?? []).map((e) => e.path)]
    expect(names).toContain(named)
  })

  describe('average reply time', () => {
    const MIN = 60_000
    const q = `from=${new Date(BASE).toISOString()}&to=${new Date(BASE + 10 * DAY).toISOString()}`
    beforeAll(async () => {
      const ev = (
        tenant: string,
        ticket: string,
        type: string,
        at: number,
        dims: Record<string, string> = {},
      ) => ({
        tenant_id: tenant,
        event_id: randomUUID(),
        type,
        occurred_at: iso(at),
        received_at: iso(at),
        customer_id: 'c',
        ticket_id: ticket,
        dimensions: dims,
      })
      const ann = { agent: 'ann', team: 't1' }
      const bob = { agent: 'bob', team: 't2' }
      const t1 = BASE + 3_600_000
      const t2 = BASE + DAY
      const t5 = BASE + 20 * DAY
      await insertRawRows(ch, RAW_TABLE.tickets, [
        // T1 (chat): created 0; first response ann +10 min, repeated as an agent_replied (one
        // message); customer +30 and +40; bob +45 answers +40 (300 s); ann +50 is a follow-up
        // with nothing to answer; customer +60; ann +90 answers it (1800 s). ann +10: 600 s.
        ev('tenant-a', 'T1', 'ticket.created', t1, { channel: 'chat' }),
        ev('tenant-a', 'T1', 'ticket.first_response', t1 + 10 * MIN, { channel: 'chat', ...ann }),
        ev('tenant-a', 'T1', 'ticket.agent_replied', t1 + 10 * MIN, { channel: 'chat', ...ann }),
        ev('tenant-a', 'T1', 'ticket.customer_replied', t1 + 30 * MIN, { channel: 'chat' }),
        ev('tenant-a', 'T1', 'ticket.customer_replied', t1 + 40 * MIN, { channel: 'chat' }),
        ev('tenant-a', 'T1', 'ticket.agent_replied', t1 + 45 * MIN, { channel: 'chat', ...bob }),
        ev('tenant-a', 'T1', 'ticket.agent_replied', t1 + 50 * MIN, { channel: 'chat', ...ann }),
        ev('tenant-a', 'T1', 'ticket.customer_replied', t1 + 60 * MIN, { channel: 'chat' }),
        ev('tenant-a', 'T1', 'ticket.agent_replied', t1 + 90 * MIN, { channel: 'chat', ...ann }),
        ev('tenant-a', 'T1', 'ticket.resolved', t1 + 91 * MIN, { channel: 'chat', ...ann }),
        // T2 (email): bob +2 min (120 s); customer +5, bob +8 (180 s).
        ev('tenant-a', 'T2', 'ticket.created', t2, { channel: 'email' }),
        ev('tenant-a', 'T2', 'ticket.first_response', t2 + 2 * MIN, { channel: 'email', ...bob }),
        ev('tenant-a', 'T2', 'ticket.customer_replied', t2 + 5 * MIN, { channel: 'email' }),
        ev('tenant-a', 'T2', 'ticket.agent_replied', t2 + 8 * MIN, { channel: 'email', ...bob }),
        // T3 (phone): created and first answered before the window (not counted); the customer
        // writes 10 min before the window, ann answers 5 min into it (900 s, counted).
        ev('tenant-a', 'T3', 'ticket.created', BASE - DAY, { channel: 'phone' }),
        ev('tenant-a', 'T3', 'ticket.first_response', BASE - DAY + 20 * MIN, {
          channel: 'phone',
          ...ann,
        }),
        ev('tenant-a', 'T3', 'ticket.customer_replied', BASE - 10 * MIN, { channel: 'phone' }),
        ev('tenant-a', 'T3', 'ticket.agent_replied', BASE + 5 * MIN, { channel: 'phone', ...ann }),
        // T5: after the window. T4: another tenant's, inside the window.
        ev('tenant-a', 'T5', 'ticket.created', t5, { channel: 'chat' }),
        ev('tenant-a', 'T5', 'ticket.first_response', t5 + 100_000, { channel: 'chat', ...ann }),
        ev('tenant-b', 'T4', 'ticket.created', t1, { channel: 'chat' }),
        ev('tenant-b', 'T4', 'ticket.first_response', t1 + MIN, { channel: 'chat', ...ann }),
      ])
    })

    it('pairs each agent reply with the customer message it answers', async () => {
      // Replies in the window: 600, 300, 1800 (T1), 120, 180 (T2), 900 (T3) → 3900 / 6.
      // Sorted 120 180 300 600 900 1800: median (300 + 600) / 2, p90 900 + 0.5 × 900.
      const { status, body } = await get(`/v1/metrics/reply_time?${q}`)
      expect(status).toBe(200)
      expect(body).toMatchObject({
        value: 650,
        n: 6,
        components: { median: 450, p90: 1350 },
      })
    })

    it('breaks down by the replying agent and filters by the ticket channel', async () => {
      // ann: 600, 1800, 900 → mean 1100, median 900, p90 900 + 0.8 × 900.
      // bob: 300, 120, 180 → mean 200, median 180, p90 180 + 0.8 × 120.
      const { body } = await get(`/v1/metrics/reply_time?${q}&group_by=agent`)
      expect(body['groups']).toEqual([
        { key: 'ann', value: 1100, n: 3, ci95: null, components: { median: 900, p90: 1620 } },
        { key: 'bob', value: 200, n: 3, ci95: null, components: { median: 180, p90: 276 } },
      ])
      const email = await get(`/v1/metrics/reply_time?${q}&channel=email`)
      expect(email.body).toMatchObject({ value: 150, n: 2 })
      const bobOnly = await get(`/v1/metrics/reply_time?${q}&agent=bob&channel=chat`)
      expect(bobOnly.body).toMatchObject({ value: 300, n: 1 })
      // A daily series: T3 on day 0 and T1 on day 0 (4 replies), T2 on day 1.
      const daily = await get(`/v1/metrics/reply_time?${q}&interval=day`)
      expect(daily.body['series']).toMatchObject([
        { at: new Date(BASE).toISOString(), value: 900, n: 4 },
        { at: new Date(BASE + DAY).toISOString(), value: 150, n: 2 },
      ])
    })

    it('counts only replies inside the window and only the key tenant', async () => {
      const later = await get(
        `/v1/metrics/reply_time?from=${new Date(BASE + 15 * DAY).toISOString()}&to=${new Date(BASE + 25 * DAY).toISOString()}`,
      )
      expect(later.body).toMatchObject({ value: 100, n: 1 })
      const b = await get(`/v1/metrics/reply_time?${q}`, keyB.key)
      expect(b.body).toMatchObject({ value: 60, n: 1 })
      const empty = await get(
        `/v1/metrics/reply_time?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`,
      )
      expect(empty.body).toMatchObject({
        value: null,
        n: 0,
        components: { median: null, p90: null },
      })
    })
  })

  describe('historical CLV', () => {
    const q = `from=${new Date(BASE).toISOString()}&to=${new Date(BASE + 30 * DAY).toISOString()}`
    beforeAll(async () => {
      const purchase = (
        tenant: string,
        customer: string,
        at: number,
        money: { amount?: string; amount_minor?: number; currency: string; gross_margin?: number },
      ) => ({
        tenant_id: tenant,
        event_id: randomUUID(),
        type: 'customer.purchase',
        occurred_at: iso(at),
        received_at: iso(at),
        customer_id: customer,
        ...money,
      })
      await insertRawRows(ch, RAW_TABLE.customers, [
        purchase('tenant-a', 'h7', BASE + DAY, {
          amount: '100',
          currency: 'EUR',
          gross_margin: 0.4,
        }),
        purchase('tenant-a', 'h7', BASE + 2 * DAY, {
          amount: '50',
          currency: 'EUR',
          gross_margin: 0.2,
        }),
        // 30.00 EUR in minor units and without a margin: in the sum, not in the average margin.
        purchase('tenant-a', 'h7', BASE + 3 * DAY, { amount_minor: 3000, currency: 'EUR' }),
        purchase('tenant-a', 'h7', BASE + 4 * DAY, {
          amount: '200',
          currency: 'USD',
          gross_margin: 0.5,
        }),
        // Before the window; another customer; another tenant's customer of the same id.
        purchase('tenant-a', 'h7', BASE - DAY, {
          amount: '1000',
          currency: 'EUR',
          gross_margin: 1,
        }),
        purchase('tenant-a', 'h8', BASE + DAY, { amount: '999', currency: 'EUR', gross_margin: 1 }),
        purchase('tenant-b', 'h7', BASE + DAY, {
          amount: '5000',
          currency: 'EUR',
          gross_margin: 1,
        }),
        // No purchase with a margin.
        purchase('tenant-a', 'h9', BASE + DAY, { amount: '70', currency: 'EUR' }),
      ])
    })

    it('sums one customer’s purchases per currency × their average gross margin', async () => {
      // EUR: (100 + 50 + 30) × mean(0.4, 0.2) = 180 × 0.3.
      const eur = await get(`/v1/metrics/historical_clv?${q}&customer_id=h7&currency=EUR`)
      expect(eur.status).toBe(200)
      expect(eur.body).toMatchObject({
        value: 54,
        n: 3,
        components: {
          revenue: 180,
          averageGrossMargin: 0.3,
          purchases: 3,
          purchasesWithMargin: 2,
          currency: 'EUR',
        },
      })
      const usd = await get(`/v1/metrics/historical_clv?${q}&customer_id=h7&currency=USD`)
      expect(usd.body).toMatchObject({ value: 100, n: 1, components: { currency: 'USD' } })
      // The whole history: no window limit for one customer (other metrics keep theirs).
      const life = new URLSearchParams({
        from: '2000-01-01T00:00:00Z',
        to: new Date().toISOString(),
      })
      const lifetime = await get(`/v1/metrics/historical_clv?${life}&customer_id=h7&currency=EUR`)
      expect(lifetime.status).toBe(200)
      // (1000 + 100 + 50 + 30) × mean(1, 0.4, 0.2)
      expect(lifetime.body['n']).toBe(4)
      expect(lifetime.body['value']).toBeCloseTo((1180 * 1.6) / 3, 3)
      expect((await get(`/v1/metrics/clv?${life}&currency=EUR`)).status).toBe(400)
      // Never summed across currencies: without a choice, 422 names currency.
      const mixed = await get(`/v1/metrics/historical_clv?${q}&customer_id=h7`)
      expect(mixed.status).toBe(422)
      expect(mixed.body['error']).toBe('mixed_currencies')
      expect(mixed.body.errors?.[0]?.path).toBe('currency')
      // One currency needs no choice; the other tenant's h7 is its own customer.
      const b = await get(`/v1/metrics/historical_clv?${q}&customer_id=h7`, keyB.key)
      expect(b.body).toMatchObject({ value: 5000, n: 1 })
    })

    it('is null with n = 0 without purchases or without any gross margin', async () => {
      const noMargin = await get(`/v1/metrics/historical_clv?${q}&customer_id=h9`)
      expect(noMargin.body).toMatchObject({
        value: null,
        n: 0,
        components: { revenue: 70, averageGrossMargin: null, purchases: 1, purchasesWithMargin: 0 },
      })
      const nobody = await get(
        `/v1/metrics/historical_clv?${q}&customer_id=${encodeURIComponent("h7' OR '1'='1")}`,
      )
      expect(nobody.status).toBe(200)
      expect(nobody.body).toMatchObject({ value: null, n: 0 })
    })

    it.each([
      ['missing', '', 'historical_clv needs customer_id'],
      ['empty', '&customer_id=', 'invalid query parameters'],
      ['a control character', '&customer_id=%01', 'invalid query parameters'],
    ])('customer_id %s → 400 naming customer_id', async (_name, extra, message) => {
      const res = await get(`/v1/metrics/historical_clv?${q}${extra}`)
      expect(res.status).toBe(400)
      expect(res.body['message']).toBe(message)
      expect(res.body.errors?.map((e) => e.path)).toEqual(['customer_id'])
    })

    it('refuses customer_id on other metrics and a series', async () => {
      const other = await get(`/v1/metrics/csat?${q}&customer_id=h7`)
      expect(other.status).toBe(400)
      expect(other.body.errors?.map((e) => e.path)).toEqual(['customer_id'])
      const series = await get(`/v1/metrics/historical_clv?${q}&customer_id=h7&interval=day`)
      expect(series.status).toBe(400)
    })
  })

  describe('ticket volume, backlog, reopen, escalation, SLA and survey response rate', () => {
    // Tenant C alone, so every count below is over exactly these rows.
    const MIN = 60_000
    const HOUR = 3_600_000
    const D0 = BASE + 40 * DAY
    const at = (ms: number) => new Date(ms).toISOString()
    const day = `from=${at(D0)}&to=${at(D0 + DAY)}`
    const getC = (path: string) => get(path, keyC.key)
    beforeAll(async () => {
      const ev = (ticket: string, type: string, t: number, dims: Record<string, string>) => ({
        tenant_id: 'tenant-c',
        event_id: randomUUID(),
        type,
        occurred_at: iso(t),
        received_at: iso(t),
        customer_id: 'c',
        ticket_id: ticket,
        dimensions: dims,
      })
      const chat = { channel: 'chat' }
      const ann = { agent: 'ann', team: 't1' }
      const bob = { agent: 'bob', team: 't2' }
      await insertRawRows(ch, RAW_TABLE.tickets, [
        // K1 chat: created before the day; first response after 65 min; resolved, reopened,
        // resolved again in the day (resolved in the window, reopened once).
        ev('K1', 'ticket.created', D0 - HOUR, chat),
        ev('K1', 'ticket.first_response', D0 + 5 * MIN, { ...chat, ...ann }),
        ev('K1', 'ticket.resolved', D0 + 2 * HOUR, { ...chat, ...ann }),
        ev('K1', 'ticket.reopened', D0 + 3 * HOUR, chat),
        ev('K1', 'ticket.resolved', D0 + 4 * HOUR, { ...chat, ...ann }),
        // K2 email: answered in 3 min, escalated, resolved by bob.
        ev('K2', 'ticket.created', D0 + HOUR, { channel: 'email' }),
        ev('K2', 'ticket.first_response', D0 + HOUR + 3 * MIN, { channel: 'email', ...bob }),
        ev('K2', 'ticket.escalated', D0 + HOUR + 10 * MIN, { channel: 'email' }),
        ev('K2', 'ticket.resolved', D0 + 2 * HOUR, { channel: 'email', ...bob }),
        // K3 chat: answered in exactly 10 min (within the target: ≤), resolved by ann.
        ev('K3', 'ticket.created', D0 + 2 * HOUR, chat),
        ev('K3', 'ticket.first_response', D0 + 2 * HOUR + 10 * MIN, { ...chat, ...ann }),
        ev('K3', 'ticket.resolved', D0 + 5 * HOUR, { ...chat, ...ann }),
        // K4 chat: answered in 11 min, never resolved.
        ev('K4', 'ticket.created', D0 + 3 * HOUR, chat),
        ev('K4', 'ticket.first_response', D0 + 3 * HOUR + 11 * MIN, { ...chat, ...bob }),
        // K5 phone: resolved, then reopened and not resolved again: not resolved, open.
        ev('K5', 'ticket.created', D0 + 4 * HOUR, { channel: 'phone' }),
        ev('K5', 'ticket.resolved', D0 + 6 * HOUR, { channel: 'phone', ...ann }),
        ev('K5', 'ticket.reopened', D0 + 7 * HOUR, { channel: 'phone' }),
        // K6 the next day; K7 created and resolved before.
        ev('K6', 'ticket.created', D0 + 30 * HOUR, chat),
        ev('K6', 'ticket.first_response', D0 + 30 * HOUR + MIN, { ...chat, ...ann }),
        ev('K7', 'ticket.created', D0 - 2 * DAY, { channel: 'email' }),
        ev('K7', 'ticket.resolved', D0 - DAY, { channel: 'email', ...bob }),
      ])
      const survey = (
        type: 'survey.sent' | 'survey.response',
        id: string,
        who: string,
        t: number,
      ) => ({
        tenant_id: 'tenant-c',
        event_id: randomUUID(),
        type,
        occurred_at: iso(t),
        received_at: iso(t),
        customer_id: who,
        survey_id: id,
        ...(type === 'survey.response'
          ? { kind: 'csat', score: 5, scale_min: 1, scale_max: 5, orientation: '' }
          : {}),
        dimensions: { channel: 'email' },
      })
      await insertRawRows(ch, RAW_TABLE.surveys, [
        survey('survey.sent', 'S1', 'u1', D0 + HOUR),
        survey('survey.response', 'S1', 'u1', D0 + 2 * HOUR),
        // u2 answered before being sent S1: that answers nothing.
        survey('survey.response', 'S1', 'u2', D0 + 30 * MIN),
        survey('survey.sent', 'S1', 'u2', D0 + HOUR),
        // Sent in the window, answered after it: counts toward its send.
        survey('survey.sent', 'S1', 'u3', D0 + 23 * HOUR),
        survey('survey.response', 'S1', 'u3', D0 + DAY + 5 * HOUR),
        // Answered at the instant it was sent.
        survey('survey.sent', 'S2', 'u1', D0 + 2 * HOUR),
        survey('survey.response', 'S2', 'u1', D0 + 2 * HOUR),
        // Sent before the window (answered in it): not a send of this window.
        survey('survey.sent', 'S2', 'u4', D0 - HOUR),
        survey('survey.response', 'S2', 'u4', D0 + HOUR),
        // Sent twice; the one response answers the resend only.
        survey('survey.sent', 'S2', 'u5', D0 + 3 * HOUR),
        survey('survey.sent', 'S2', 'u5', D0 + 5 * HOUR),
        survey('survey.response', 'S2', 'u5', D0 + 6 * HOUR),
        survey('survey.sent', 'S2', 'u7', D0 + 4 * HOUR),
        // A response to a survey never sent to u6.
        survey('survey.response', 'S1', 'u6', D0 + 3 * HOUR),
      ])
    })

    it('ticket volume counts tickets created in the window', async () => {
      // K2, K3, K4, K5 (K1 before, K6 after).
      const { status, body } = await getC(`/v1/metrics/ticket_volume?${day}`)
      expect(status).toBe(200)
      expect(body).toMatchObject({ value: 4, n: 4 })
      const groups = (await getC(`/v1/metrics/ticket_volume?${day}&group_by=channel`)).body
      expect(groups['groups']).toMatchObject([
        { key: 'chat', value: 2, n: 2 },
        { key: 'email', value: 1, n: 1 },
        { key: 'phone', value: 1, n: 1 },
      ])
      const none = await getC(
        `/v1/metrics/ticket_volume?from=${at(D0 - 10 * DAY)}&to=${at(D0 - 9 * DAY)}`,
      )
      expect(none.body).toMatchObject({ value: null, n: 0 })
    })

    it('open backlog counts tickets open at the instant to', async () => {
      // At the day's end: K4 (never resolved) and K5 (reopened after its resolve).
      const end = await getC(`/v1/metrics/open_backlog?${day}`)
      expect(end.body).toMatchObject({ value: 2, n: 2 })
      const byChannel = await getC(`/v1/metrics/open_backlog?${day}&group_by=channel`)
      expect(byChannel.body['groups']).toMatchObject([
        { key: 'chat', n: 1 },
        { key: 'phone', n: 1 },
      ])
      // At 03:30: K1 (reopened at 03:00, resolved again only at 04:00), K3, K4.
      const early = await getC(`/v1/metrics/open_backlog?from=${at(D0)}&to=${at(D0 + 3.5 * HOUR)}`)
      expect(early.body).toMatchObject({ value: 3, n: 3 })
      // At 06:30 K5 is resolved (its reopen comes at 07:00): only K4.
      const late = await getC(`/v1/metrics/open_backlog?from=${at(D0)}&to=${at(D0 + 6.5 * HOUR)}`)
      expect(late.body).toMatchObject({ value: 1, n: 1 })
      const series = await getC(`/v1/metrics/open_backlog?${day}&interval=hour`)
      expect(series.status).toBe(400)
      expect(series.body.errors?.[0]?.path).toBe('interval')
    })

    it('reopen and escalation rate over tickets resolved in the window', async () => {
      // Resolved in the day: K1 (reopened), K2 (escalated), K3; K5 is reopened, not resolved.
      const reopen = await getC(`/v1/metrics/reopen_rate?${day}`)
      expect(reopen.body).toMatchObject({ value: round4(100 / 3), n: 3 })
      const escalation = await getC(`/v1/metrics/escalation_rate?${day}`)
      expect(escalation.body).toMatchObject({ value: round4(100 / 3), n: 3 })
      // By the resolving agent: ann K1, K3; bob K2.
      const byAgent = await getC(`/v1/metrics/reopen_rate?${day}&group_by=agent`)
      expect(byAgent.body['groups']).toMatchObject([
        { key: 'ann', value: 50, n: 2 },
        { key: 'bob', value: 0, n: 1 },
      ])
    })

    it('SLA attainment: first responses within the target, 10 minutes unless given', async () => {
      // First responses in the day: K1 65 min, K2 3 min, K3 10 min, K4 11 min.
      const def = await getC(`/v1/metrics/sla_attainment?${day}`)
      expect(def.body).toMatchObject({ value: 50, n: 4, components: { targetMinutes: 10 } })
      const wide = await getC(`/v1/metrics/sla_attainment?${day}&target_minutes=70`)
      expect(wide.body).toMatchObject({ value: 100, n: 4 })
      const tight = await getC(`/v1/metrics/sla_attainment?${day}&target_minutes=5&group_by=agent`)
      expect(tight.body).toMatchObject({ value: 25, n: 4 })
      expect(tight.body['groups']).toMatchObject([
        { key: 'ann', value: 0, n: 2 },
        { key: 'bob', value: 50, n: 2 },
      ])
      const bad = await getC(`/v1/metrics/sla_attainment?${day}&target_minutes=-1`)
      expect(bad.status).toBe(400)
      expect(bad.body.errors?.map((e) => e.path)).toEqual(['target_minutes'])
      const elsewhere = await getC(`/v1/metrics/frt?${day}&target_minutes=5`)
      expect(elsewhere.status).toBe(400)
      expect(elsewhere.body.errors?.map((e) => e.path)).toEqual(['target_minutes'])
    })

    it('survey response rate counts each response toward the send it answers', async () => {
      // Sends in the day: S1 u1 ✓, u2 ✗ (answered before it), u3 ✓ (answered after the day);
      // S2 u1 ✓, u5 ✗ then ✓ (the resend is answered), u7 ✗ → 4 of 7.
      const { body } = await getC(`/v1/metrics/survey_response_rate?${day}`)
      expect(body).toMatchObject({ value: round4((4 / 7) * 100), n: 7 })
      const bySurvey = await getC(`/v1/metrics/survey_response_rate?${day}&group_by=survey_id`)
      expect(bySurvey.body['groups']).toMatchObject([
        { key: 'S2', value: 50, n: 4 },
        { key: 'S1', value: round4((2 / 3) * 100), n: 3 },
      ])
      const s1 = await getC(`/v1/metrics/survey_response_rate?${day}&survey_id=S1`)
      expect(s1.body).toMatchObject({ n: 3 })
      const other = await get(`/v1/metrics/survey_response_rate?${day}`)
      expect(other.body).toMatchObject({ value: null, n: 0 })
    })
  })

  it('serves an OpenAPI document naming every parameter', async () => {
    const res = await fetch(`${handle.url}/openapi.json`)
    const doc = (await res.json()) as {
      paths: Record<
        string,
        { get: { parameters: { name: string; schema: { enum?: string[] } }[] } }
      >
    }
    const params = doc.paths['/v1/metrics/{metric}']!.get.parameters
    expect(params.find((p) => p.name === 'metric')?.schema.enum).toEqual(
      expect.arrayContaining([
        'reply_time',
        'historical_clv',
        'ticket_volume',
        'open_backlog',
        'reopen_rate',
        'escalation_rate',
        'sla_attainment',
        'survey_response_rate',
      ]),
    )
    const names = params.map((p) => p.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'metric',
        'from',
        'to',
        'tz',
        'interval',
        'group_by',
        'compare',
        'channel',
        'customer_id',
        'target_minutes',
      ]),
    )
  })
})
