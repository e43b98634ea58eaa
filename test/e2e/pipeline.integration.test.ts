import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { generateApiKey } from '@cxpulse/auth'
import { RAW_TABLES, queryRows, zoneOffsetMinutes } from '@cxpulse/clickhouse'
import type { CxEventInput } from '@cxpulse/contracts'
import { createCxClient } from '@cxpulse/sdk'
import { createSimulator } from '@cxpulse/simulator'
import { waitFor } from '@cxpulse/testkit'
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.ts'
import {
  expectAwt,
  expectCes,
  expectCsat,
  expectCsatMean,
  expectFrt,
  expectIqs,
  expectLifecycle,
  expectNps,
  expectResolutionAndFcr,
  type Window,
} from './expected.ts'

/**
 * The whole pipeline: simulated events for two tenants over a month go through the ingest
 * API (SDK), Kafka and the processor into ClickHouse; every metric the query API returns for
 * a dozen windows, groupings and filters must equal the reference computed from the events.
 */
const DAY = 86_400_000
const HOUR = 3_600_000
// Placed by the calendar, so every check has data whatever the date and time of day: the data
// ends at the start of this calendar month and begins a week before the previous month, so the
// churn check's whole month (the previous one) has customers active on its first day.
const NOW = new Date()
const MONTH_START = Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth() - 1, 1)
const TO = Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth(), 1)
const FROM = MONTH_START - 7 * DAY

/** The UTC instant of midnight in `timeZone` on the calendar day that starts at `utcDay`. */
const midnightIn = (timeZone: string, utcDay: number) =>
  utcDay - zoneOffsetMinutes(timeZone, new Date(utcDay)) * 60_000

const TENANTS = ['acme', 'globex'] as const

type Ev = CxEventInput & { tenant: string }
const round4 = (x: number | null) => (x === null ? null : Math.round(x * 1e4) / 1e4)

describe('end to end: ingest → Kafka → processor → ClickHouse → query API', () => {
  let running: TestPipeline
  let ch: TestPipeline['ch']
  let pipeline: TestPipeline['pipeline']
  const keys = Object.fromEntries(TENANTS.map((t) => [t, generateApiKey()])) as Record<
    (typeof TENANTS)[number],
    { key: string; hash: string }
  >
  const events: Ev[] = []
  let accepted = 0

  beforeAll(async () => {
    running = await startTestPipeline(
      'e2e',
      TENANTS.map((t) => ({
        id: `${t}-key`,
        tenant_id: t,
        hash: keys[t].hash,
        scopes: ['ingest', 'query'] as ('ingest' | 'query')[],
      })),
    )
    ch = running.ch
    pipeline = running.pipeline
    for (const [i, tenant] of TENANTS.entries()) {
      const generated = createSimulator({
        seed: 100 + i,
        responsesPerMinute: 0.4,
        customers: 1500,
      }).eventsBetween(new Date(FROM), new Date(TO))
      events.push(...generated.map((e) => ({ ...e, tenant })))
      const client = createCxClient({
        url: pipeline.ingest.url,
        apiKey: keys[tenant].key,
        batchSize: 1000,
      })
      for (let j = 0; j < generated.length; j += 5000) {
        const result = await client.send(generated.slice(j, j + 5000))
        expect(result.rejected).toEqual([])
        accepted += result.accepted.length
      }
    }
    expect(accepted).toBe(events.length)
    expect(accepted).toBeGreaterThanOrEqual(50_000)

    // Wait until every accepted event is a raw row (each event lands in exactly one primary table).
    const counted = z.object({ n: z.coerce.number() })
    await waitFor(
      'all events in ClickHouse',
      async () => {
        const tables = RAW_TABLES
        let total = 0
        for (const table of tables) {
          const [row] = await queryRows(ch, {
            name: 'count',
            sql: `SELECT count() AS n FROM ${ch.table(table)}`,
            row: counted,
          })
          total += row?.n ?? 0
        }
        return total === accepted ? total : undefined
      },
      240_000,
    )
    console.error(
      `[e2e] ${accepted} events for ${TENANTS.length} tenants accepted by ingest and counted in ClickHouse`,
    )
  }, 600_000)

  afterAll(async () => {
    await running?.stop()
  })

  async function api(
    tenant: (typeof TENANTS)[number],
    metric: string,
    params: Record<string, string>,
  ) {
    const qs = new URLSearchParams(params).toString()
    const res = await fetch(`${pipeline.query.url}/v1/metrics/${metric}?${qs}`, {
      headers: { authorization: `Bearer ${keys[tenant].key}` },
    })
    const body = (await res.json()) as {
      value: number | null
      n: number
      series?: { at: string; value: number | null; n: number }[]
      groups?: { key: string; value: number | null; n: number }[]
      previous?: { value: number | null; n: number }
      components?: Record<string, number | null> | null
    }
    expect(res.status, JSON.stringify(body)).toBe(200)
    return body
  }

  const iso = (ms: number) => new Date(ms).toISOString()
  const check = (
    got: { value: number | null; n: number },
    want: { value: number | null; n: number },
  ) => {
    expect(got.n).toBe(want.n)
    expect(got.value).toBe(round4(want.value))
  }

  const windows: [string, Window][] = [
    ['the whole month', { tenant: 'acme', from: FROM, to: TO }],
    [
      'one week, hour-aligned edges',
      { tenant: 'acme', from: FROM + 3 * DAY + 5 * HOUR, to: FROM + 10 * DAY + 17 * HOUR },
    ],
    [
      'minute-aligned edges',
      { tenant: 'globex', from: FROM + 2 * DAY + 61 * 60_000, to: FROM + 9 * DAY + 7 * 60_000 },
    ],
    [
      'odd-second edges (raw table)',
      { tenant: 'globex', from: FROM + 4 * DAY + 12_345, to: FROM + 6 * DAY + 999 },
    ],
    ['chat only', { tenant: 'acme', from: FROM, to: TO, filters: { channel: 'chat' } }],
    [
      'enterprise segment, billing product',
      {
        tenant: 'globex',
        from: FROM + 7 * DAY,
        to: FROM + 21 * DAY,
        filters: { segment: 'enterprise', product: 'billing' },
      },
    ],
  ]

  it.each(windows)('survey metrics over %s equal the reference', async (_name, w) => {
    const params = { from: iso(w.from), to: iso(w.to), ...w.filters }
    check(await api(w.tenant as 'acme', 'csat', params), expectCsat(events, w))
    check(await api(w.tenant as 'acme', 'csat_mean', params), expectCsatMean(events, w))
    check(await api(w.tenant as 'acme', 'nps', params), expectNps(events, w))
    const ces = expectCes(events, w)
    check(await api(w.tenant as 'acme', 'ces', params), ces.mean)
    check(await api(w.tenant as 'acme', 'ces_pct', params), ces.pct)
    check(
      await api(w.tenant as 'acme', 'iqs', {
        from: iso(w.from),
        to: iso(w.to),
        ...(w.filters?.['channel'] ? { channel: w.filters['channel'] } : {}),
      }),
      expectIqs(events, {
        ...w,
        filters: w.filters?.['channel'] ? { channel: w.filters['channel'] } : {},
      }),
    )
  })

  it.each(
    windows.filter(([, w]) => !w.filters || Object.keys(w.filters).every((k) => k === 'channel')),
  )('ticket metrics over %s equal the reference', async (_name, w) => {
    const params = { from: iso(w.from), to: iso(w.to), ...w.filters }
    check(await api(w.tenant as 'acme', 'frt', params), expectFrt(events, w))
    const r = expectResolutionAndFcr(events, { ...w, filters: {} })
    if (!w.filters) {
      check(await api(w.tenant as 'acme', 'resolution_time', params), r.resolution)
      check(await api(w.tenant as 'acme', 'fcr', params), r.fcr)
    }
    check(await api(w.tenant as 'acme', 'awt', params), expectAwt(events, w))
  })

  it('a daily series in Europe/Berlin and a breakdown by agent match bucket by bucket', async () => {
    // Berlin midnights (23:00 UTC in winter, 22:00 in summer; a week may cross a DST change).
    const start = midnightIn('Europe/Berlin', FROM + 15 * DAY)
    const end = midnightIn('Europe/Berlin', FROM + 22 * DAY)
    const series =
      (
        await api('acme', 'csat', {
          from: iso(start),
          to: iso(end),
          interval: 'day',
          tz: 'Europe/Berlin',
        })
      ).series ?? []
    expect(series).toHaveLength(7)
    for (const p of series) {
      const at = Date.parse(p.at)
      const next = midnightIn('Europe/Berlin', Math.floor(at / DAY) * DAY + 2 * DAY)
      check(p, expectCsat(events, { tenant: 'acme', from: at, to: next }))
    }
    const groups =
      (
        await api('globex', 'nps', {
          from: iso(FROM),
          to: iso(TO),
          group_by: 'agent',
          product: 'core',
        })
      ).groups ?? []
    expect(groups.length).toBeGreaterThan(5)
    for (const g of groups)
      check(
        g,
        expectNps(events, {
          tenant: 'globex',
          from: FROM,
          to: TO,
          filters: { agent: g.key, product: 'core' },
        }),
      )
  })

  it('previous-period comparison uses the window just before', async () => {
    const from = FROM + 15 * DAY
    const to = FROM + 22 * DAY
    const body = await api('acme', 'csat', {
      from: iso(from),
      to: iso(to),
      compare: 'previous_period',
    })
    check(body, expectCsat(events, { tenant: 'acme', from, to }))
    check(body.previous!, expectCsat(events, { tenant: 'acme', from: from - 7 * DAY, to: from }))
  })

  it('churn, CRR and referral rate equal the reference', async () => {
    for (const [from, to] of [
      [FROM + 10 * DAY, FROM + 20 * DAY],
      [FROM + 20 * DAY, TO],
    ] as const) {
      for (const tenant of TENANTS) {
        const want = expectLifecycle(events, tenant, from, to)
        const params = { from: iso(from), to: iso(to) }
        check(await api(tenant, 'churn_rate', params), want.churn)
        check(await api(tenant, 'crr', params), want.crr)
        check(await api(tenant, 'referral_rate', params), want.referral)
      }
    }
  })

  it('the BI views return the same numbers as the API for the same window', async () => {
    const viewRow = z.record(z.string(), z.union([z.coerce.number(), z.null()]))
    const view = async (name: string, sql: string, params: Record<string, unknown>) => {
      const [row] = await queryRows(ch, {
        name,
        sql: sql.replaceAll('{view}', ch.table(name)),
        params,
        row: viewRow,
      })
      return row ?? {}
    }
    const ratio = (num: number | null | undefined, den: number | null | undefined, k = 1) =>
      den ? round4(((num ?? 0) / den) * k) : null
    const day = (ms: number) => iso(ms).slice(0, 10)
    for (const tenant of TENANTS) {
      const from = FROM + 7 * DAY
      const to = FROM + 14 * DAY
      const window = { tenant, from: day(from), to: day(to) }
      const daily = (cols: string, extra = '') =>
        `SELECT ${cols} FROM {view} WHERE tenant_id = {tenant:String} ` +
        `AND day >= toDate({from:String}) AND day < toDate({to:String})${extra}`
      const params = { from: iso(from), to: iso(to) }

      const csat = await view(
        'bi_csat_daily_v1',
        daily('sum(responses) AS n, sum(positive) AS p, sum(norm_score_sum) AS s'),
        window,
      )
      check(await api(tenant, 'csat', params), {
        n: csat['n']!,
        value: ratio(csat['p'], csat['n'], 100),
      })
      check(await api(tenant, 'csat_mean', params), {
        n: csat['n']!,
        value: ratio(csat['s'], csat['n']),
      })

      const nps = await view(
        'bi_nps_daily_v1',
        daily('sum(responses) AS n, sum(promoters) - sum(detractors) AS net'),
        window,
      )
      check(await api(tenant, 'nps', params), {
        n: nps['n']!,
        value: ratio(nps['net'], nps['n'], 100),
      })

      const ces = await view(
        'bi_ces_daily_v1',
        daily(
          'sum(responses) AS n, sum(score_sum) AS s, sum(low_effort) AS low',
          " AND orientation = 'agreement'",
        ),
        window,
      )
      check(await api(tenant, 'ces', params), { n: ces['n']!, value: ratio(ces['s'], ces['n']) })
      check(await api(tenant, 'ces_pct', params), {
        n: ces['n']!,
        value: ratio(ces['low'], ces['n'], 100),
      })

      const tickets = await view(
        'bi_ticket_kpis_daily_v1',
        daily(
          'sum(first_responses) AS frt_n, sum(frt_sum_seconds) AS frt_sum, ' +
            'sum(tickets_resolved) AS resolved, sum(resolution_sum_seconds) AS res_sum, ' +
            'sum(first_contact_resolved) AS fcr, sum(customers_served) AS served, ' +
            'sum(queue_wait_sum_seconds) AS wait',
        ),
        window,
      )
      check(await api(tenant, 'frt', params), {
        n: tickets['frt_n']!,
        value: ratio(tickets['frt_sum'], tickets['frt_n']),
      })
      check(await api(tenant, 'resolution_time', params), {
        n: tickets['resolved']!,
        value: ratio(tickets['res_sum'], tickets['resolved']),
      })
      check(await api(tenant, 'fcr', params), {
        n: tickets['resolved']!,
        value: ratio(tickets['fcr'], tickets['resolved'], 100),
      })
      check(await api(tenant, 'awt', params), {
        n: tickets['served']!,
        value: ratio(tickets['wait'], tickets['served']),
      })

      // Medians cannot be combined across rows: compare one day and one channel.
      const oneDay = { from: iso(from), to: iso(from + DAY), channel: 'email' }
      const frtDay = await view(
        'bi_ticket_kpis_daily_v1',
        'SELECT first_responses AS n, frt_median_seconds AS median, frt_p90_seconds AS p90 FROM {view} ' +
          "WHERE tenant_id = {tenant:String} AND day = toDate({from:String}) AND channel = 'email'",
        window,
      )
      const frtApi = await api(tenant, 'frt', oneDay)
      expect(frtApi.n).toBeGreaterThan(0)
      expect(frtApi.n).toBe(frtDay['n'])
      expect(frtApi.components?.['median']).toBe(round4(frtDay['median'] ?? null))
      expect(frtApi.components?.['p90']).toBe(round4(frtDay['p90'] ?? null))

      // The calendar month of the newest data, whole.
      const monthStart = MONTH_START
      const nextMonth = TO
      const churn = await view(
        'bi_churn_monthly_v1',
        'SELECT active_at_start AS s, churned, churn_pct, crr_pct FROM {view} ' +
          'WHERE tenant_id = {tenant:String} AND month = toDate({from:String})',
        { tenant, from: day(monthStart) },
      )
      const month = { from: iso(monthStart), to: iso(nextMonth) }
      const churnApi = await api(tenant, 'churn_rate', month)
      expect(churnApi.n).toBeGreaterThan(0)
      check(churnApi, { n: churn['s']!, value: round4(churn['churn_pct'] ?? null) })
      check(await api(tenant, 'crr', month), {
        n: churn['s']!,
        value: round4(churn['crr_pct'] ?? null),
      })
    }
  })

  it('a key sees only its own tenant', async () => {
    const w = { from: iso(FROM), to: iso(TO) }
    const acme = await api('acme', 'csat', w)
    const globex = await api('globex', 'csat', w)
    check(acme, expectCsat(events, { tenant: 'acme', from: FROM, to: TO }))
    check(globex, expectCsat(events, { tenant: 'globex', from: FROM, to: TO }))
    expect(acme.n).not.toBe(globex.n)
  })
})
