import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { testClickHouse } from './testing.ts'
import type { ClickHouse } from './client.ts'
import { runMigrations } from './migrations.ts'
import { insertRawBatch } from './processor.store.ts'
import { queryIqs } from './qa.queries.ts'
import { queryRows } from './query.ts'
import { querySurveySums } from './survey.queries.ts'
import { RAW_TABLE } from './tables.ts'
import {
  queryFcr,
  queryQueueWait,
  queryResolvedFlags,
  querySla,
  queryTicketDurations,
  queryTicketsCreated,
} from './ticket.queries.ts'
import type { WindowSpec } from './window.query.ts'

/**
 * Every query that is meant to read an aggregate does: the SQL each query function sends is
 * run through `EXPLAIN projections = 1`, and the plan must read the projection named, so an
 * edit that makes ClickHouse fall back to scanning raw rows fails here.
 */

/** A plan step that reads a table or one of its projections (both forms ClickHouse prints). */
const READ = /ReadFrom(?:MergeTree|PreparedSource) \(([^)]+)\)/
const DAY = 86_400_000
const T0 = Date.UTC(2026, 9, 5) // a fixed anchor: no test depends on today's date
const CHANNELS = ['chat', 'email', 'phone']
const AGENTS = ['ann', 'bob', '']

type Json = Record<string, unknown>
let seq = 0
function event(type: string, at: number, extra: Json): Json {
  seq++
  return {
    kafka_topic: 'p',
    kafka_partition: 0,
    kafka_offset: seq,
    kafka_index: 0,
    tenant_id: 'acme',
    event_id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    type,
    occurred_at: new Date(at).toISOString(),
    received_at: new Date(at + 1000).toISOString(),
    schema_version: 1,
    customer_id: `c${seq % 50}`,
    dimensions: { channel: CHANNELS[seq % 3], agent: AGENTS[seq % 3], team: 't1' },
    ...extra,
  }
}
const body = (rows: readonly Json[]) => Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n'))

/** A view of `ch` that remembers the SQL and parameters of every query it runs. */
function recording(ch: ClickHouse) {
  const sent: { query: string; params: Record<string, unknown> }[] = []
  const client = new Proxy(ch.client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (prop !== 'query' || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value
      }
      return (params: { query: string; query_params?: Record<string, unknown> }) => {
        sent.push({ query: params.query, params: params.query_params ?? {} })
        return (value as (p: unknown) => unknown).call(target, params)
      }
    },
  })
  return { ch: { ...ch, client } as ClickHouse, sent }
}

describe('rollup queries read their aggregate projections', () => {
  let ch: Awaited<ReturnType<typeof testClickHouse>>
  beforeAll(async () => {
    ch = await testClickHouse()
    await runMigrations(ch)
    const surveys: Json[] = []
    const tickets: Json[] = []
    const reviews: Json[] = []
    for (let i = 0; i < 3000; i++) {
      const at = T0 + ((i * 7_919_000) % (20 * DAY))
      surveys.push(
        event('survey.response', at, {
          kind: 'csat',
          score: 1 + (i % 5),
          scale_min: 1,
          scale_max: 5,
        }),
      )
      surveys.push(
        event('survey.response', at + 1, {
          kind: 'nps',
          score: i % 11,
          scale_min: 0,
          scale_max: 10,
        }),
      )
      if (i % 3 === 0) {
        const ticket = `t${i}`
        tickets.push(event('ticket.created', at, { ticket_id: ticket, queue_wait_seconds: i % 90 }))
        tickets.push(event('ticket.first_response', at + 600_000, { ticket_id: ticket }))
        tickets.push(
          event('ticket.resolved', at + 3_600_000, { ticket_id: ticket, complaint: i % 2 === 0 }),
        )
        reviews.push(
          event('qa.review', at, { criteria: [{ name: 'tone', score: i % 100, weight: 1 }] }),
        )
      }
    }
    // Several inserts, so several parts (each with its projections), as the processor writes.
    for (let i = 0; i < surveys.length; i += 1000) {
      await insertRawBatch(ch, RAW_TABLE.surveys, body(surveys.slice(i, i + 1000)), `s${i}`)
    }
    await insertRawBatch(ch, RAW_TABLE.tickets, body(tickets), 't')
    await insertRawBatch(ch, RAW_TABLE.qa, body(reviews), 'q')
  })
  afterAll(async () => {
    await ch.drop()
  })

  /** The projections (or the table itself, for raw reads) that the plan of each sent query reads. */
  async function plans(run: (ch: ClickHouse) => Promise<unknown[]>): Promise<string[][]> {
    const rec = recording(ch)
    const rows = await run(rec.ch)
    expect(rows.length, 'the query answered with data').toBeGreaterThan(0)
    const out: string[][] = []
    for (const { query, params } of rec.sent) {
      const explained = await queryRows(ch, {
        name: 'explain_projections',
        sql: `EXPLAIN projections = 1 ${query}`,
        params,
        row: z.object({ explain: z.string() }),
      })
      out.push(
        explained.map((r) => READ.exec(r.explain)?.[1]).filter((x): x is string => x !== undefined),
      )
    }
    return out
  }

  const window = (from: number, to: number, extra: Partial<WindowSpec> = {}): WindowSpec => ({
    tenantId: 'acme',
    from: new Date(from),
    to: new Date(to),
    ...extra,
  })
  const days = window(T0, T0 + 14 * DAY)
  const hours = window(T0 + 3 * 3_600_000, T0 + 10 * DAY + 5 * 3_600_000)
  const minutes = window(T0 + 3 * 60_000, T0 + 9 * DAY + 7 * 60_000)
  const seconds = window(T0 + 1_500, T0 + 9 * DAY)

  it.each([
    ['a day-aligned window', days, 'p_1d'],
    ['an hour-aligned window', hours, 'p_1h'],
    ['a minute-aligned window', minutes, 'p_1m'],
    ['a daily series in Berlin', { ...hours, interval: 'day', tz: 'Europe/Berlin' }, 'p_1h'],
    [
      'a breakdown by agent with a channel filter',
      { ...days, groupBy: 'agent', filters: { channel: 'chat' } },
      'p_1d',
    ],
  ] as const)('survey sums over %s read %s', async (_name, spec, projection) => {
    const read = await plans(
      async (c) => (await querySurveySums(c, { ...spec, kind: 'csat' })).rows,
    )
    expect(read).toEqual([[projection]])
  })

  it('survey sums over a window with edges inside a minute read the raw rows', async () => {
    const read = await plans(
      async (c) => (await querySurveySums(c, { ...seconds, kind: 'nps' })).rows,
    )
    expect(read).toEqual([[`${ch.database}.${RAW_TABLE.surveys}`]])
  })

  it.each([
    ['tickets created', (c: ClickHouse, s: WindowSpec) => queryTicketsCreated(c, s)],
    ['queue wait', (c: ClickHouse, s: WindowSpec) => queryQueueWait(c, s)],
    ['IQS', (c: ClickHouse, s: WindowSpec) => queryIqs(c, s)],
  ])('%s read the day and hour projections', async (_name, run) => {
    expect(await plans((c) => run(c, days))).toEqual([['p_1d']])
    expect(await plans((c) => run(c, { ...hours, groupBy: 'channel' }))).toEqual([['p_1h']])
  })

  it.each(['frt', 'resolution_time', 'complaint_resolution_time'] as const)(
    '%s reads the per-ticket state projection',
    async (metric) => {
      expect(await plans((c) => queryTicketDurations(c, { ...days, metric }))).toEqual([
        ['p_ticket'],
      ])
      expect(
        await plans((c) => queryTicketDurations(c, { ...seconds, metric, groupBy: 'agent' })),
      ).toEqual([['p_ticket']])
    },
  )

  it('FCR reads the per-ticket state projection', async () => {
    expect(await plans((c) => queryFcr(c, { ...days, interval: 'week' }))).toEqual([['p_ticket']])
  })

  // Reply time, open backlog and survey response rate read raw rows on purpose (a reply needs
  // the conversation before it, a backlog the state as of `to`, a response the send it answers);
  // they are not listed here.
  it('reopen/escalation flags and SLA attainment read the per-ticket state projection', async () => {
    expect(await plans((c) => queryResolvedFlags(c, { ...days, groupBy: 'agent' }))).toEqual([
      ['p_ticket'],
    ])
    expect(await plans((c) => querySla(c, { ...seconds, targetSeconds: 600 }))).toEqual([
      ['p_ticket'],
    ])
  })

  // bi_referral_monthly_v1 and bi_clv_inputs_monthly_v1 read customer_events_v2, which has no
  // projection; bi_feedback_reply_daily_v1 needs each response's own reply (raw survey rows).
  it.each([
    ['bi_csat_daily_v1', ['p_1d']],
    ['bi_csat_hourly_v1', ['p_1h']],
    ['bi_nps_daily_v1', ['p_1d']],
    ['bi_nps_hourly_v1', ['p_1h']],
    ['bi_ces_daily_v1', ['p_1d']],
    ['bi_ces_hourly_v1', ['p_1h']],
    ['bi_ticket_kpis_daily_v1', ['p_1d', 'p_ticket', 'p_ticket']],
    ['bi_iqs_daily_v1', ['p_1d']],
    ['bi_complaint_resolution_daily_v1', ['p_ticket']],
  ])('the BI view %s reads %j', async (view, projections) => {
    const explained = await queryRows(ch, {
      name: 'explain_bi_view',
      sql: `EXPLAIN projections = 1 SELECT * FROM ${ch.table(view)} WHERE tenant_id = {tenant:String}`,
      params: { tenant: 'acme' },
      row: z.object({ explain: z.string() }),
    })
    const read = explained
      .map((r) => READ.exec(r.explain)?.[1])
      .filter((x): x is string => x !== undefined)
    expect(read.sort(), explained.map((r) => r.explain).join('\n')).toEqual([...projections].sort())
  })
})
