import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { generateApiKey } from '@cxpulse/auth'
import { RAW_TABLES, queryRows } from '@cxpulse/clickhouse'
import type { CxEventInput } from '@cxpulse/contracts'
import { buildEvent, createCxClient, events } from '@cxpulse/sdk'
import { waitFor } from '@cxpulse/testkit'
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.ts'

/**
 * Every worked example of SPEC-metrics.md, and a hand-computed value for every other metric the
 * query API serves, through the real pipeline: events go in through the ingest API (SDK), Kafka
 * and the processor into ClickHouse, and answers come out of the query API. Each example has its
 * own tenant (or its own window in one), so none disturbs another. Expected values are worked out
 * here from the SPEC's formulas, in the comments, never with @cxpulse/metrics.
 *
 * Times are placed relative to ANCHOR, the current time rounded down to the hour: every event is
 * in the past (ingest refuses more than 5 minutes ahead; there is no late horizon by default) and
 * windows fall on hour edges whatever the date and time of day.
 */
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
/** The query API's year (CLV purchase frequency and annual churn): 365.25 days. */
const YEAR = 365.25 * DAY
const ANCHOR = Math.floor(Date.now() / HOUR) * HOUR
const iso = (ms: number) => new Date(ms).toISOString()
/** The API rounds every number to 4 decimals. */
const r4 = (x: number) => Math.round(x * 1e4) / 1e4
const Z = 1.96

const TENANTS = [
  'csat',
  'nps',
  'ces',
  'churn5',
  'churn8',
  'crr',
  'clv',
  'hclv',
  'awt',
  'tickets',
  'feedback',
  'qa',
  'srr',
  'empty',
  'single',
  'mixed',
  'late',
] as const
type Tenant = (typeof TENANTS)[number]

/** Every metric GET /v1/metrics lists; the first test fails when one is added unchecked. */
const ALL_METRICS = [
  'csat',
  'csat_mean',
  'nps',
  'ces',
  'ces_pct',
  'survey_response_rate',
  'churn_rate',
  'crr',
  'clv',
  'historical_clv',
  'referral_rate',
  'frt',
  'reply_time',
  'resolution_time',
  'complaint_resolution_time',
  'fcr',
  'ticket_volume',
  'open_backlog',
  'reopen_rate',
  'escalation_rate',
  'sla_attainment',
  'feedback_reply_rate',
  'awt',
  'channel_mix',
  'iqs',
] as const

interface Answer {
  value: number | null
  n: number
  ci95: [number, number] | null
  components: Record<string, unknown> | null
  groups?: { key: string; value: number | null; n: number }[]
}
type Want = { value: number | null; n: number }

const range = (n: number) => Array.from({ length: n }, (_, i) => i)
/** `count` copies of a score, for building response lists by hand. */
const times = (count: number, score: number) => range(count).map(() => score)

/** Wilson score interval in %, the SPEC's CSAT CI, written out. */
function wilson(positive: number, n: number): [number, number] {
  const p = positive / n
  const d = 1 + (Z * Z) / n
  const centre = (p + (Z * Z) / (2 * n)) / d
  const half = (Z / d) * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n))
  return [Math.max(0, centre - half) * 100, Math.min(1, centre + half) * 100]
}

// ------------------------------------------------------------------------------------------
// The data, per tenant.

const data: Record<Tenant, CxEventInput[]> = Object.fromEntries(
  TENANTS.map((t) => [t, [] as CxEventInput[]]),
) as Record<Tenant, CxEventInput[]>
let seq = 0
const cid = (prefix: string) => `${prefix}-${++seq}`

// CSAT: three hour windows.
const CSAT_60 = { from: ANCHOR - 4 * HOUR, to: ANCHOR - 3 * HOUR }
const CSAT_80A = { from: ANCHOR - 3 * HOUR, to: ANCHOR - 2 * HOUR }
const CSAT_80B = { from: ANCHOR - 2 * HOUR, to: ANCHOR - HOUR }
{
  // 30 positive of 50 on 1–5 (positive = 4 or 5).
  // ann: 10×5, 5×4, 5×1 → 20 responses, 15 positive → 75 %
  // bob: 5×5, 10×4, 10×3, 5×2 → 30 responses, 15 positive → 50 %
  const ann = [...times(10, 5), ...times(5, 4), ...times(5, 1)]
  const bob = [...times(5, 5), ...times(10, 4), ...times(10, 3), ...times(5, 2)]
  const all = [...ann.map((s) => ['ann', s] as const), ...bob.map((s) => ['bob', s] as const)]
  all.forEach(([agent, score], i) =>
    data.csat.push(
      events.csat({
        customer_id: cid('c'),
        score,
        occurred_at: iso(CSAT_60.from + i * MIN),
        dimensions: { agent, channel: 'email' },
      }),
    ),
  )
  // 160 positive of 200 on 1–7 (positive = 6 or 7): 80×7, 80×6, 10 each of 5, 4, 3, 2.
  const s7 = [...times(80, 7), ...times(80, 6), ...times(10, 5), ...times(10, 4)]
  const s7b = [...times(10, 3), ...times(10, 2)]
  ;[...s7, ...s7b].forEach((score, i) =>
    data.csat.push(
      events.csat({
        customer_id: cid('c'),
        score,
        scale_min: 1,
        scale_max: 7,
        occurred_at: iso(CSAT_80A.from + i * 15_000),
      }),
    ),
  )
  // 400 positive of 500 on 1–5: 200×5, 200×4, 50×3, 50×1.
  ;[...times(200, 5), ...times(200, 4), ...times(50, 3), ...times(50, 1)].forEach((score, i) =>
    data.csat.push(
      events.csat({
        customer_id: cid('c'),
        score,
        occurred_at: iso(CSAT_80B.from + i * 6_000),
      }),
    ),
  )
}

// NPS: 70 % promoters / 10 % detractors, then 60 % / 20 %.
const NPS_60 = { from: ANCHOR - 4 * HOUR, to: ANCHOR - 3 * HOUR }
const NPS_40 = { from: ANCHOR - 3 * HOUR, to: ANCHOR - 2 * HOUR }
{
  // ann: 8 promoters (9/10), 1 passive (7), 1 detractor (3) → (8 − 1) / 10 → 70
  // bob: 6 promoters, 3 passives (8), 1 detractor (6, the top detractor) → (6 − 1) / 10 → 50
  // all: 14 P, 4 passive, 2 D of 20 → 70 % − 10 % = 60
  const ann = [9, 10, 9, 10, 9, 10, 9, 10, 7, 3]
  const bob = [9, 10, 9, 10, 9, 10, 8, 8, 8, 6]
  ;[...ann.map((s) => ['ann', s] as const), ...bob.map((s) => ['bob', s] as const)].forEach(
    ([agent, score], i) =>
      data.nps.push(
        events.nps({
          customer_id: cid('n'),
          score,
          occurred_at: iso(NPS_60.from + i * MIN),
          dimensions: { agent },
        }),
      ),
  )
  // 6 P, 2 passives, 2 D of 10 → 60 % − 20 % = 40
  ;[9, 9, 10, 10, 9, 10, 7, 8, 0, 6].forEach((score, i) =>
    data.nps.push(
      events.nps({ customer_id: cid('n'), score, occurred_at: iso(NPS_40.from + i * MIN) }),
    ),
  )
}

// CES: 300 low-effort of 500 on agreement 1–7 (low effort = score ≥ 5).
const CES_W = { from: ANCHOR - 4 * HOUR, to: ANCHOR - 3 * HOUR }
const CES_W5 = { from: ANCHOR - 3 * HOUR, to: ANCHOR - 2 * HOUR }
{
  // ann: 100×7, 100×5, 50×3 → 250, low 200 → 80 %, mean (700 + 500 + 150) / 250 = 5.4
  // bob: 100×6, 100×4, 50×2 → 250, low 100 → 40 %, mean (600 + 400 + 100) / 250 = 4.4
  // all: 300 / 500 → 60 %, mean 2450 / 500 = 4.9
  const ann = [...times(100, 7), ...times(100, 5), ...times(50, 3)]
  const bob = [...times(100, 6), ...times(100, 4), ...times(50, 2)]
  ;[...ann.map((s) => ['ann', s] as const), ...bob.map((s) => ['bob', s] as const)].forEach(
    ([agent, score], i) =>
      data.ces.push(
        events.ces({
          customer_id: cid('e'),
          score,
          occurred_at: iso(CES_W.from + i * 6_000),
          dimensions: { agent },
        }),
      ),
  )
  // Effort-style question, same window: low effort = score ≤ 3 → 1, 2, 3 of 1, 2, 3, 6 → 75 %,
  // mean 12 / 4 = 3; never averaged with the agreement responses.
  ;[1, 2, 3, 6].forEach((score, i) =>
    data.ces.push(
      events.ces({
        customer_id: cid('e'),
        score,
        orientation: 'effort',
        occurred_at: iso(CES_W.from + i * 6_000 + 3_000),
        dimensions: { agent: 'ann' },
      }),
    ),
  )
  // Agreement on 1–5 in the next hour: low effort scaled proportionally (f ≥ 2/3: 4 and 5).
  ;[4, 5].forEach((score, i) =>
    data.ces.push(
      events.ces({
        customer_id: cid('e'),
        score,
        scale_min: 1,
        scale_max: 5,
        occurred_at: iso(CES_W5.from + i * MIN),
      }),
    ),
  )
}

// Churn: a month-long window (30 days) ending at the anchor.
const MONTH = { from: ANCHOR - 30 * DAY, to: ANCHOR }
function customerBase(tenant: Tenant, prefix: string, count: number, signedUpAt: number) {
  const ids = range(count).map((i) => `${prefix}-${i}`)
  ids.forEach((customer_id, i) =>
    data[tenant].push(
      events.customer('customer.signed_up', {
        customer_id,
        occurred_at: iso(signedUpAt + i * MIN),
      }),
    ),
  )
  return ids
}
const churn = (tenant: Tenant, customer_id: string, at: number) =>
  data[tenant].push(events.customer('customer.churned', { customer_id, occurred_at: iso(at) }))
{
  // 500 active at `from`, 25 of them churn in the window → 25 / 500 = 5 %. One customer signs up
  // and churns inside the window: churned_new, not in the rate.
  const base = customerBase('churn5', 'k', 500, ANCHOR - 60 * DAY)
  base.slice(0, 25).forEach((c, i) => churn('churn5', c, MONTH.from + (i + 1) * HOUR))
  // k-0 comes back and churns again inside the window: still one churned customer.
  data.churn5.push(
    events.customer('customer.reactivated', {
      customer_id: 'k-0',
      occurred_at: iso(MONTH.from + 3 * DAY),
    }),
  )
  churn('churn5', 'k-0', MONTH.from + 4 * DAY)
  data.churn5.push(
    events.customer('customer.signed_up', {
      customer_id: 'newcomer',
      occurred_at: iso(ANCHOR - 10 * DAY),
    }),
  )
  churn('churn5', 'newcomer', ANCHOR - 5 * DAY)
  // 250 active, 20 churn → 20 / 250 = 8 %.
  const base8 = customerBase('churn8', 'k', 250, ANCHOR - 60 * DAY)
  base8.slice(0, 20).forEach((c, i) => churn('churn8', c, MONTH.from + (i + 1) * HOUR))
}
{
  // CRR: S = 200 active at `from`; in the window 20 of them churn, 10 new customers sign up and
  // 10 former customers (churned before `from`) reactivate: N = 20, E = 180 + 20 = 200
  // → (200 − 20) / 200 = 90 %. Churn here: 20 / 200 = 10 %.
  const base = customerBase('crr', 'k', 200, ANCHOR - 60 * DAY)
  base.slice(0, 20).forEach((c, i) => churn('crr', c, MONTH.from + (i + 1) * HOUR))
  const former = customerBase('crr', 'former', 10, ANCHOR - 90 * DAY)
  former.forEach((c, i) => churn('crr', c, ANCHOR - 45 * DAY + i * MIN))
  former.forEach((customer_id, i) =>
    data.crr.push(
      events.customer('customer.reactivated', {
        customer_id,
        occurred_at: iso(MONTH.from + 2 * DAY + i * HOUR),
      }),
    ),
  )
  range(10).forEach((i) =>
    data.crr.push(
      events.customer('customer.signed_up', {
        customer_id: `new-${i}`,
        occurred_at: iso(MONTH.from + 3 * DAY + i * HOUR),
      }),
    ),
  )
  // Referral rate: 11 distinct referrers (k-50 twice) among the 200 + 20 customers active during
  // the window → 11 / 220 = 5 %. A referral before the window does not count.
  const referrers = base.slice(50, 61)
  ;[...referrers, 'k-50'].forEach((customer_id, i) =>
    data.crr.push(
      events.customer('customer.referred', {
        customer_id,
        referred_customer_id: `friend-${i}`,
        occurred_at: iso(MONTH.from + 5 * DAY + i * HOUR),
      }),
    ),
  )
  data.crr.push(
    events.customer('customer.referred', {
      customer_id: 'k-100',
      occurred_at: iso(MONTH.from - DAY),
    }),
  )
}

// CLV over exactly one API year ending at the anchor.
const CLV_W = { from: ANCHOR - YEAR, to: ANCHOR }
{
  // EUR: 20 purchases (10 × 40, 10 × 60 → revenue 1000) by 4 customers in one year:
  // average purchase value 1000 / 20 = 50, frequency 20 / 4 / 1 year = 5, lifespan 3 → 750.
  range(20).forEach((i) =>
    data.clv.push(
      events.customer('customer.purchase', {
        customer_id: `buyer-${i % 4}`,
        amount: i % 2 === 0 ? '40' : '60.00',
        currency: 'EUR',
        occurred_at: iso(CLV_W.from + 10 * DAY + i * 15 * DAY),
      }),
    ),
  )
  // USD, never summed with EUR: one purchase of 100 → 100 × 1 × lifespan.
  data.clv.push(
    events.customer('customer.purchase', {
      customer_id: 'usd-buyer',
      amount: '100',
      currency: 'USD',
      occurred_at: iso(ANCHOR - 100 * DAY),
    }),
  )
  // Annual churn over the year ending at `to`: 30 active at its start, 10 churn → 1/3, so the
  // lifespan is 1 / (1/3) = 3 years.
  const base = customerBase('clv', 'life', 30, ANCHOR - 400 * DAY)
  base.slice(0, 10).forEach((c, i) => churn('clv', c, ANCHOR - 200 * DAY + i * HOUR))
}
{
  // Historical CLV of `hero`: (40 + 60 + 100) × mean margin of (0.5, 0.3) = 200 × 0.4 = 80.
  const buy = (customer_id: string, amount: string, at: number, gross_margin?: number) =>
    data.hclv.push(
      events.customer('customer.purchase', {
        customer_id,
        amount,
        currency: 'EUR',
        occurred_at: iso(at),
        ...(gross_margin === undefined ? {} : { gross_margin }),
      }),
    )
  buy('hero', '40', ANCHOR - 50 * DAY, 0.5)
  buy('hero', '60', ANCHOR - 40 * DAY, 0.3)
  buy('hero', '100', ANCHOR - 30 * DAY)
  buy('someone-else', '500', ANCHOR - 30 * DAY, 0.9)
}

// AWT: 200 calls waiting 500 minutes in all.
const DAY_W = { from: ANCHOR - DAY, to: ANCHOR }
range(200).forEach((i) =>
  data.awt.push(
    events.ticket('ticket.created', {
      customer_id: cid('w'),
      ticket_id: `call-${i}`,
      // ann's 100 calls wait 120 s, bob's 100 wait 180 s: 12 000 + 18 000 = 30 000 s = 500 min.
      queue_wait_seconds: i < 100 ? 120 : 180,
      occurred_at: iso(DAY_W.from + i * 5 * MIN),
      dimensions: { agent: i < 100 ? 'ann' : 'bob', channel: 'phone' },
    }),
  ),
)

// Tickets: seven tickets in the day before the anchor; T0 = its start, times in minutes after.
const T0 = DAY_W.from
{
  const t = (
    type: Parameters<typeof events.ticket>[0],
    ticket_id: string,
    minute: number,
    extra: { agent?: string; channel?: string; complaint?: boolean } = {},
  ) =>
    data.tickets.push(
      events.ticket(type, {
        customer_id: `cust-${ticket_id}`,
        ticket_id,
        occurred_at: iso(T0 + minute * MIN),
        ...(extra.complaint ? { complaint: true } : {}),
        dimensions: {
          ...(extra.agent ? { agent: extra.agent } : {}),
          ...(extra.channel ? { channel: extra.channel } : {}),
        },
      }),
    )
  // t1 email: created 0 (assigned ann), first response ann 5, resolved ann 60.
  t('ticket.created', 't1', 0, { channel: 'email', agent: 'ann' })
  t('ticket.first_response', 't1', 5, { agent: 'ann' })
  t('ticket.resolved', 't1', 60, { agent: 'ann' })
  // t2 chat: created 10 (bob), first response bob 30, customer 40, bob 50, bob again 55 (answers
  // nothing new), resolved bob 120.
  t('ticket.created', 't2', 10, { channel: 'chat', agent: 'bob' })
  t('ticket.first_response', 't2', 30, { agent: 'bob' })
  t('ticket.customer_replied', 't2', 40)
  t('ticket.agent_replied', 't2', 50, { agent: 'bob' })
  t('ticket.agent_replied', 't2', 55, { agent: 'bob' })
  t('ticket.resolved', 't2', 120, { agent: 'bob' })
  // t3 email complaint: created 20 (ann), first response ann 28, resolved 80, reopened 90,
  // resolved again ann 150.
  t('ticket.created', 't3', 20, { channel: 'email', agent: 'ann', complaint: true })
  t('ticket.first_response', 't3', 28, { agent: 'ann' })
  t('ticket.resolved', 't3', 80, { agent: 'ann' })
  t('ticket.reopened', 't3', 90)
  t('ticket.resolved', 't3', 150, { agent: 'ann' })
  // t4 chat: created 30 (bob), first response bob 40 (exactly 10 min), escalated 45, resolved by
  // ann 100.
  t('ticket.created', 't4', 30, { channel: 'chat', agent: 'bob' })
  t('ticket.first_response', 't4', 40, { agent: 'bob' })
  t('ticket.escalated', 't4', 45)
  t('ticket.resolved', 't4', 100, { agent: 'ann' })
  // t5 email: created 40 (ann), first response ann 41 with an agent_replied by ann at the same
  // instant (the same message, so still one agent message), resolved ann 45.
  t('ticket.created', 't5', 40, { channel: 'email', agent: 'ann' })
  t('ticket.first_response', 't5', 41, { agent: 'ann' })
  t('ticket.agent_replied', 't5', 41, { agent: 'ann' })
  t('ticket.resolved', 't5', 45, { agent: 'ann' })
  // t6 chat: created 50 (bob), nothing else.
  t('ticket.created', 't6', 50, { channel: 'chat', agent: 'bob' })
  // t7 email: created 60 (bob), first response bob 62, resolved 70, reopened 80 (not resolved).
  t('ticket.created', 't7', 60, { channel: 'email', agent: 'bob' })
  t('ticket.first_response', 't7', 62, { agent: 'bob' })
  t('ticket.resolved', 't7', 70, { agent: 'bob' })
  t('ticket.reopened', 't7', 80)
  // Channel mix also counts survey responses: 5 on chat, 1 on email (agent ann).
  ;['chat', 'chat', 'chat', 'chat', 'chat', 'email'].forEach((channel, i) =>
    data.tickets.push(
      events.csat({
        customer_id: cid('m'),
        score: 5,
        occurred_at: iso(T0 + (200 + i) * MIN),
        dimensions: { channel, agent: 'ann' },
      }),
    ),
  )
}

// Feedback reply rate: five comments, three replied.
{
  const item = (agent: string, comment: boolean, replied: boolean, i: number) => {
    const response = events.csat({
      customer_id: cid('f'),
      score: 2,
      occurred_at: iso(T0 + i * 10 * MIN),
      dimensions: { agent },
      ...(comment ? { comment: 'slow answer' } : {}),
    })
    data.feedback.push(response)
    if (replied) {
      data.feedback.push(
        events.ticket('ticket.agent_replied', {
          customer_id: response.customer_id,
          ticket_id: `fb-${i}`,
          feedback_event_id: response.event_id,
          occurred_at: iso(T0 + i * 10 * MIN + 5 * MIN),
          dimensions: { agent },
        }),
      )
    }
  }
  // ann: 3 comments, 2 replied → 66.67 %; bob: 2 comments, 1 replied → 50 %, and one response
  // without a comment (not a feedback item); all: 3 / 5 → 60 %.
  item('ann', true, true, 0)
  item('bob', true, true, 1)
  item('ann', true, false, 2)
  item('bob', false, false, 3)
  item('bob', true, false, 4)
  item('ann', true, true, 5)
}

// IQS: Σ wᵢsᵢ / Σ wᵢ per review, averaged.
{
  const review = (agent: string, at: number, criteria: [number, number][]) =>
    data.qa.push(
      events.qaReview({
        customer_id: cid('q'),
        review_id: cid('review'),
        occurred_at: iso(at),
        dimensions: { agent },
        criteria: criteria.map(([score, weight], i) => ({ name: `c${i}`, score, weight })),
      }),
    )
  review('ann', T0 + HOUR, [
    [80, 2],
    [50, 1],
  ]) // (160 + 50) / 3 = 70
  review('ann', T0 + 2 * HOUR, [
    [100, 2],
    [70, 1],
  ]) // (200 + 70) / 3 = 90
  review('bob', T0 + 3 * HOUR, [
    [60, 1],
    [40, 1],
  ]) // (60 + 40) / 2 = 50
  review('bob', T0 - HOUR, [[0, 1]]) // before the window
}

// Survey response rate: sends in the day window and the responses that answer them.
{
  const send = (customer_id: string, survey_id: string, agent: string, minute: number) =>
    data.srr.push(
      buildEvent('survey.sent', {
        customer_id,
        survey_id,
        kind: 'csat',
        occurred_at: iso(T0 + minute * MIN),
        dimensions: { agent },
      }),
    )
  const respond = (customer_id: string, survey_id: string, at: number) =>
    data.srr.push(events.csat({ customer_id, survey_id, score: 4, occurred_at: iso(at) }))
  send('c1', 's1', 'ann', 0)
  respond('c1', 's1', T0 + 10 * MIN) // answers c1's send
  send('c2', 's1', 'ann', 0) // never answered
  send('c3', 's1', 'bob', 0)
  respond('c3', 's1', T0 + 5 * MIN) // answers c3's first send
  send('c3', 's1', 'bob', 60) // a resend: a new send, never answered
  send('c4', 's2', 'bob', 0)
  respond('c4', 's2', T0 + 30 * MIN) // answers
  send('c6', 's2', 'bob', 23 * 60)
  respond('c6', 's2', ANCHOR) // at `to`, outside the window, still answers its send
  respond('c5', 's2', T0 + MIN) // no send at all: answers nothing
  respond('c7', 's1', T0 + MIN) // before c7's send: answers nothing
  send('c7', 's1', 'ann', 2)
}

// Edge cases.
const EDGE_W = { from: ANCHOR - 3 * HOUR, to: ANCHOR - 2 * HOUR }
data.single.push(
  events.csat({ customer_id: 'one', score: 4, occurred_at: iso(EDGE_W.from + 7 * MIN) }),
  events.nps({ customer_id: 'one', score: 6, occurred_at: iso(EDGE_W.from + 8 * MIN) }),
  events.ces({ customer_id: 'one', score: 5, occurred_at: iso(EDGE_W.from + 9 * MIN) }),
)
{
  // Mixed CSAT scales in one window, each normalised to 0–100 by (score − min) / (max − min):
  // 1–5: 5 → positive, 100; 3 → negative, 50
  // 1–10: 9 → positive (≥ 9), 800/9; 8 → negative, 700/9; 10 → positive, 100
  // 1–7 with positive_min 5: 5 → positive, 4/6 × 100 = 200/3
  const m = (score: number, scale_max: number, i: number, positive_min?: number) =>
    data.mixed.push(
      events.csat({
        customer_id: cid('x'),
        score,
        scale_min: 1,
        scale_max,
        ...(positive_min === undefined ? {} : { positive_min }),
        occurred_at: iso(EDGE_W.from + i * MIN),
      }),
    )
  m(5, 5, 0)
  m(3, 5, 1)
  m(9, 10, 2)
  m(8, 10, 3)
  m(10, 10, 4)
  m(5, 7, 5, 5)
}
const LATE_W = { from: ANCHOR - 5 * HOUR, to: ANCHOR - 4 * HOUR }
;[5, 4, 4, 2].forEach((score, i) =>
  data.late.push(
    events.csat({ customer_id: cid('l'), score, occurred_at: iso(LATE_W.from + i * MIN) }),
  ),
)

// ------------------------------------------------------------------------------------------

describe('SPEC worked examples through ingest → Kafka → processor → ClickHouse → query API', () => {
  let running: TestPipeline
  const keys = Object.fromEntries(TENANTS.map((t) => [t, generateApiKey()])) as Record<
    Tenant,
    { key: string; hash: string }
  >
  let accepted = 0

  async function send(tenant: Tenant, batch: CxEventInput[]) {
    const client = createCxClient({ url: running.pipeline.ingest.url, apiKey: keys[tenant].key })
    const result = await client.send(batch)
    expect(result.rejected).toEqual([])
    accepted += result.accepted.length
  }

  async function rawRows(): Promise<number> {
    let total = 0
    for (const table of RAW_TABLES) {
      const [row] = await queryRows(running.ch, {
        name: 'count',
        sql: `SELECT count() AS n FROM ${running.ch.table(table)}`,
        row: z.object({ n: z.coerce.number() }),
      })
      total += row?.n ?? 0
    }
    return total
  }

  beforeAll(async () => {
    running = await startTestPipeline(
      'spec_examples',
      TENANTS.map((t) => ({
        id: `${t}-key`,
        tenant_id: t,
        hash: keys[t].hash,
        scopes: ['ingest', 'query'] as ('ingest' | 'query')[],
      })),
    )
    for (const tenant of TENANTS) if (data[tenant].length > 0) await send(tenant, data[tenant])
    expect(accepted).toBe(TENANTS.reduce((a, t) => a + data[t].length, 0))
    await waitFor(
      'every accepted event in ClickHouse',
      async () => ((await rawRows()) === accepted ? true : undefined),
      120_000,
    )
  }, 240_000)

  afterAll(async () => {
    await running?.stop()
  })

  async function call(tenant: Tenant, metric: string, params: Record<string, string>) {
    const qs = new URLSearchParams(params).toString()
    const res = await fetch(`${running.pipeline.query.url}/v1/metrics/${metric}?${qs}`, {
      headers: { authorization: `Bearer ${keys[tenant].key}` },
    })
    return { status: res.status, body: (await res.json()) as Answer & { errors?: unknown[] } }
  }
  async function api(tenant: Tenant, metric: string, params: Record<string, string>) {
    const { status, body } = await call(tenant, metric, params)
    expect(status, `${metric} ${JSON.stringify(params)} → ${JSON.stringify(body)}`).toBe(200)
    return body
  }
  const win = (w: { from: number; to: number }, extra: Record<string, string> = {}) => ({
    from: iso(w.from),
    to: iso(w.to),
    ...extra,
  })
  const pick = (a: Want) => ({ value: a.value, n: a.n })
  const rounded = (w: Want) => ({ value: w.value === null ? null : r4(w.value), n: w.n })

  /** The window's answer, its breakdown by agent, and each agent's filtered answer. */
  async function expectMetric(
    tenant: Tenant,
    metric: string,
    params: Record<string, string>,
    total: Want,
    byAgent?: Record<string, Want>,
  ) {
    const whole = await api(tenant, metric, params)
    expect(pick(whole), `${tenant} ${metric}`).toEqual(rounded(total))
    if (!byAgent) return whole
    const grouped = await api(tenant, metric, { ...params, group_by: 'agent' })
    const groups = Object.fromEntries((grouped.groups ?? []).map((g) => [g.key, pick(g)]))
    const nonEmpty = Object.entries(byAgent).filter(([, w]) => w.n > 0)
    expect(groups, `${tenant} ${metric} by agent`).toEqual(
      Object.fromEntries(nonEmpty.map(([k, w]) => [k, rounded(w)])),
    )
    for (const [agent, want] of Object.entries(byAgent)) {
      const filtered = await api(tenant, metric, { ...params, agent })
      expect(pick(filtered), `${tenant} ${metric} agent=${agent}`).toEqual(rounded(want))
    }
    return whole
  }

  it('serves exactly the metrics this file checks', async () => {
    const res = await fetch(`${running.pipeline.query.url}/v1/metrics`, {
      headers: { authorization: `Bearer ${keys.empty.key}` },
    })
    const { metrics } = (await res.json()) as { metrics: { id: string }[] }
    expect(metrics.map((m) => m.id).sort()).toEqual([...ALL_METRICS].sort())
  })

  it('CSAT: 30 of 50 → 60 %, 160 of 200 → 80 %, 400 of 500 → 80 %', async () => {
    const sixty = await expectMetric(
      'csat',
      'csat',
      win(CSAT_60),
      { value: 60, n: 50 },
      { ann: { value: 75, n: 20 }, bob: { value: 50, n: 30 } },
    )
    const [lo, hi] = wilson(30, 50) // ≈ [46.18, 72.39]
    expect(sixty.ci95?.[0]).toBeCloseTo(lo, 3)
    expect(sixty.ci95?.[1]).toBeCloseTo(hi, 3)
    // Edges off the minute (read from the raw rows, not a projection): the same 50 responses,
    // which lie in [from, from + 50 min).
    await expectMetric(
      'csat',
      'csat',
      win({ from: CSAT_60.from - 30_500, to: CSAT_60.from + 49 * MIN + 30_500 }),
      { value: 60, n: 50 },
    )
    await expectMetric('csat', 'csat', win(CSAT_80A), { value: 80, n: 200 })
    await expectMetric('csat', 'csat', win(CSAT_80B), { value: 80, n: 500 })
    // Both hours: (160 + 400) / 700 = 80 %.
    await expectMetric('csat', 'csat', win({ from: CSAT_80A.from, to: CSAT_80B.to }), {
      value: 80,
      n: 700,
    })
    // CSAT mean of the 50: normalised 5 → 100, 4 → 75, 3 → 50, 2 → 25, 1 → 0.
    // ann: (10×100 + 5×75 + 5×0) / 20 = 1375 / 20 = 68.75
    // bob: (5×100 + 10×75 + 10×50 + 5×25) / 30 = 1875 / 30 = 62.5
    // all: 3250 / 50 = 65
    await expectMetric(
      'csat',
      'csat_mean',
      win(CSAT_60),
      { value: 65, n: 50 },
      { ann: { value: 68.75, n: 20 }, bob: { value: 62.5, n: 30 } },
    )
  })

  it('NPS: 70 % / 10 % → 60, 60 % / 20 % → 40', async () => {
    const sixty = await expectMetric(
      'nps',
      'nps',
      win(NPS_60),
      { value: 60, n: 20 },
      { ann: { value: 70, n: 10 }, bob: { value: 50, n: 10 } },
    )
    // variance = 0.7 + 0.1 − 0.6² = 0.44; SE = 100 × √(0.44 / 20) ≈ 14.832; CI = 60 ± 1.96 × SE.
    const se = 100 * Math.sqrt(0.44 / 20)
    expect(sixty.ci95?.[0]).toBeCloseTo(60 - Z * se, 3)
    expect(sixty.ci95?.[1]).toBeCloseTo(60 + Z * se, 3)
    await expectMetric('nps', 'nps', win(NPS_40), { value: 40, n: 10 })
    // Both hours: (20 − 4) / 30 × 100 = 53.33.
    await expectMetric('nps', 'nps', win({ from: NPS_60.from, to: NPS_40.to }), {
      value: (16 / 30) * 100,
      n: 30,
    })
  })

  it('CES: 300 of 500 → 60 %, mean 4.9, per orientation and scale', async () => {
    const byAgentPct = { ann: { value: 80, n: 250 }, bob: { value: 40, n: 250 } }
    await expectMetric('ces', 'ces_pct', win(CES_W), { value: 60, n: 500 }, byAgentPct)
    await expectMetric(
      'ces',
      'ces',
      win(CES_W),
      { value: 4.9, n: 500 },
      { ann: { value: 5.4, n: 250 }, bob: { value: 4.4, n: 250 } },
    )
    await expectMetric('ces', 'ces_pct', win(CES_W, { orientation: 'effort' }), {
      value: 75,
      n: 4,
    })
    await expectMetric('ces', 'ces', win(CES_W, { orientation: 'effort' }), { value: 3, n: 4 })
    // Two hours with agreement responses on 1–7 and on 1–5: a mean needs one scale…
    const both = { from: CES_W.from, to: CES_W5.to }
    const mixed = await call('ces', 'ces', win(both))
    expect(mixed.status).toBe(422)
    expect(JSON.stringify(mixed.body.errors)).toContain('scale')
    await expectMetric('ces', 'ces', win(both, { scale: '1-5' }), { value: 4.5, n: 2 })
    await expectMetric('ces', 'ces', win(both, { scale: '1-7' }), { value: 4.9, n: 500 })
    // …while the low-effort share spans them: (300 + 2) / 502.
    await expectMetric('ces', 'ces_pct', win(both), { value: (302 / 502) * 100, n: 502 })
  })

  it('churn: 25 of 500 → 5 %, 20 of 250 → 8 %; CRR S=200 E=200 N=20 → 90 %; referral rate', async () => {
    const five = await expectMetric('churn5', 'churn_rate', win(MONTH), { value: 5, n: 500 })
    expect(five.components?.['churnedNew']).toBe(1)
    await expectMetric('churn8', 'churn_rate', win(MONTH), { value: 8, n: 250 })
    await expectMetric('crr', 'crr', win(MONTH), { value: 90, n: 200 })
    await expectMetric('crr', 'churn_rate', win(MONTH), { value: 10, n: 200 })
    await expectMetric('crr', 'referral_rate', win(MONTH), { value: 5, n: 220 })
    // Lifecycle state has no agent: the API refuses the filter and the breakdown.
    for (const extra of [{ agent: 'ann' }, { group_by: 'agent' }]) {
      const refused = await call('churn5', 'churn_rate', win(MONTH, extra))
      expect(refused.status, JSON.stringify(refused.body)).toBe(400)
    }
  })

  it('CLV: 50 × 5 × 3 → 750, from lifespan_years=3 and from the annual churn', async () => {
    const given = await expectMetric(
      'clv',
      'clv',
      win(CLV_W, { currency: 'EUR', lifespan_years: '3' }),
      { value: 750, n: 4 },
    )
    expect(given.components).toMatchObject({
      averagePurchaseValue: 50,
      purchaseFrequency: 5,
      lifespanYears: 3,
      currency: 'EUR',
    })
    // No lifespan given: 1 / annual churn (10 of 30 over the year ending at `to`) = 3 years.
    const fromChurn = await expectMetric('clv', 'clv', win(CLV_W, { currency: 'EUR' }), {
      value: 750,
      n: 4,
    })
    expect(fromChurn.components?.['lifespanYears']).toBe(3)
    await expectMetric('clv', 'clv', win(CLV_W, { currency: 'EUR', lifespan_years: '2' }), {
      value: 500, // 50 × 5 × 2
      n: 4,
    })
    // USD alone: 100 × 1 purchase per year × 3.
    await expectMetric('clv', 'clv', win(CLV_W, { currency: 'USD' }), { value: 300, n: 1 })
    const mixed = await call('clv', 'clv', win(CLV_W))
    expect(mixed.status).toBe(422)
    expect(JSON.stringify(mixed.body.errors)).toContain('currency')
  })

  it("historical CLV: one customer's purchases × average gross margin", async () => {
    const lifetime = await expectMetric(
      'hclv',
      'historical_clv',
      { from: '2000-01-01T00:00:00Z', to: iso(ANCHOR), customer_id: 'hero' },
      { value: 80, n: 3 }, // 200 × (0.5 + 0.3) / 2
    )
    expect(lifetime.components).toMatchObject({ revenue: 200, averageGrossMargin: 0.4 })
    // From 45 days back: (60 + 100) × 0.3 = 48.
    await expectMetric(
      'hclv',
      'historical_clv',
      { from: iso(ANCHOR - 45 * DAY), to: iso(ANCHOR), customer_id: 'hero' },
      { value: 48, n: 2 },
    )
  })

  it('AWT: 500 minutes over 200 calls → 2.5 minutes, answered in seconds (150)', async () => {
    await expectMetric(
      'awt',
      'awt',
      win(DAY_W),
      { value: 150, n: 200 }, // 30 000 s / 200 = 150 s = 2.5 min
      { ann: { value: 120, n: 100 }, bob: { value: 180, n: 100 } },
    )
  })

  it('ticket metrics over seven hand-made tickets', async () => {
    const w = win(DAY_W)
    // FRT by first response (agent = first responder), seconds:
    // t1 300 ann, t2 1200 bob, t3 480 ann, t4 600 bob, t5 60 ann, t7 120 bob → 2760 / 6 = 460
    // ann 840 / 3 = 280; bob 1920 / 3 = 640
    const frt = await expectMetric(
      'tickets',
      'frt',
      w,
      { value: 460, n: 6 },
      { ann: { value: 280, n: 3 }, bob: { value: 640, n: 3 } },
    )
    // Sorted 60, 120, 300, 480, 600, 1200: median (300 + 480) / 2 = 390; p90 at rank 4.5 →
    // 600 + 0.5 × 600 = 900.
    expect(frt.components).toMatchObject({ median: 390, p90: 900 })
    // Replies: t1 300, t2 1200 and 600 (its 55-minute follow-up answers nothing), t3 480, t4 600,
    // t5 60 (the agent_replied at the first response's instant is that message), t7 120
    // → 3360 / 7 = 480; ann 840 / 3 = 280; bob (1200 + 600 + 600 + 120) / 4 = 630
    await expectMetric(
      'tickets',
      'reply_time',
      w,
      { value: 480, n: 7 },
      { ann: { value: 280, n: 3 }, bob: { value: 630, n: 4 } },
    )
    // Resolved (last resolve after last reopen): t1 3600 ann, t2 6600 bob, t3 7800 ann (to its
    // last resolve), t4 4200 ann, t5 300 ann; t7 was reopened after its resolve
    // → 22 500 / 5 = 4500; ann 15 900 / 4 = 3975; bob 6600
    const resolution = await expectMetric(
      'tickets',
      'resolution_time',
      w,
      { value: 4500, n: 5 },
      { ann: { value: 3975, n: 4 }, bob: { value: 6600, n: 1 } },
    )
    // Sorted 300, 3600, 4200, 6600, 7800: median 4200; p90 at rank 3.6 → 6600 + 0.6 × 1200
    // = 7320.
    expect(resolution.components).toMatchObject({ median: 4200, p90: 7320 })
    // Complaints or escalated: t3 7800, t4 4200 (both resolved by ann) → 6000.
    await expectMetric(
      'tickets',
      'complaint_resolution_time',
      w,
      { value: 6000, n: 2 },
      { ann: { value: 6000, n: 2 }, bob: { value: null, n: 0 } },
    )
    // FCR: t1 (one agent message), t4 (one: bob's; a resolve is no message) and t5 (first
    // response and agent_replied at one instant by one agent: one message) of 5 → 60 %;
    // t2 has three agent messages, t3 was reopened. By resolver: ann t1 t3 t4 t5 → 3 / 4;
    // bob t2 → 0 / 1.
    await expectMetric(
      'tickets',
      'fcr',
      w,
      { value: 60, n: 5 },
      { ann: { value: 75, n: 4 }, bob: { value: 0, n: 1 } },
    )
    // Reopen rate: t3 of 5 resolved → 20 %; escalation rate: t4 of 5 → 20 %; ann 1 / 4 each.
    const byResolver = { ann: { value: 25, n: 4 }, bob: { value: 0, n: 1 } }
    await expectMetric('tickets', 'reopen_rate', w, { value: 20, n: 5 }, byResolver)
    await expectMetric('tickets', 'escalation_rate', w, { value: 20, n: 5 }, byResolver)
    // SLA ≤ 10 min (inclusive): all but t2 (20 min) → 5 / 6; ann 3 / 3; bob 2 / 3 (t4 at exactly
    // 10 min counts).
    await expectMetric(
      'tickets',
      'sla_attainment',
      w,
      { value: (5 / 6) * 100, n: 6 },
      { ann: { value: 100, n: 3 }, bob: { value: (2 / 3) * 100, n: 3 } },
    )
    // Target 5 min: t1 (exactly 5), t5, t7 → 3 / 6.
    await expectMetric(
      'tickets',
      'sla_attainment',
      { ...w, target_minutes: '5' },
      {
        value: 50,
        n: 6,
      },
    )
    // Ticket volume: 7 created; by the created event's agent: ann t1 t3 t5, bob t2 t4 t6 t7.
    await expectMetric(
      'tickets',
      'ticket_volume',
      w,
      { value: 7, n: 7 },
      { ann: { value: 3, n: 3 }, bob: { value: 4, n: 4 } },
    )
    // Open backlog at `to`: t6 and t7 (reopened) → 2; email t7, chat t6.
    await expectMetric('tickets', 'open_backlog', w, { value: 2, n: 2 })
    await expectMetric('tickets', 'open_backlog', { ...w, channel: 'email' }, { value: 1, n: 1 })
    const byChannel = await api('tickets', 'open_backlog', { ...w, group_by: 'channel' })
    expect(Object.fromEntries((byChannel.groups ?? []).map((g) => [g.key, g.n]))).toEqual({
      email: 1,
      chat: 1,
    })
    // At T0 + 75 min: t1 (resolved at 60), t5 (45) and t7 (resolved at 70, reopened only at 80)
    // are closed; t2, t3, t4 (resolved only at 120, 80, 100) and t6 are open → 4.
    await expectMetric('tickets', 'open_backlog', win({ from: T0, to: T0 + 75 * MIN }), {
      value: 4,
      n: 4,
    })
    // A backlog has no single agent: the API says 400 rather than answer.
    const refused = await call('tickets', 'open_backlog', { ...w, group_by: 'agent' })
    expect(refused.status, JSON.stringify(refused.body)).toBe(400)
    // Channel mix: tickets email 4 (t1 t3 t5 t7), chat 3; responses chat 5, email 1
    // → chat 8 of 13 = 61.54 % is the top share.
    const mix = await expectMetric('tickets', 'channel_mix', w, { value: (8 / 13) * 100, n: 13 })
    expect(mix.components).toMatchObject({
      top: 'chat',
      shares: { chat: r4((8 / 13) * 100), email: r4((5 / 13) * 100) },
      tickets: { shares: { email: r4((4 / 7) * 100), chat: r4((3 / 7) * 100) } },
    })
    // Filtered to ann: tickets t1 t3 t5 (email 3), responses chat 5, email 1 → chat 5 of 9.
    await expectMetric(
      'tickets',
      'channel_mix',
      { ...w, agent: 'ann' },
      {
        value: (5 / 9) * 100,
        n: 9,
      },
    )
    expect((await call('tickets', 'channel_mix', { ...w, group_by: 'agent' })).status).toBe(400)
  })

  it('feedback reply rate, IQS and survey response rate', async () => {
    await expectMetric(
      'feedback',
      'feedback_reply_rate',
      win(DAY_W),
      { value: 60, n: 5 },
      { ann: { value: (2 / 3) * 100, n: 3 }, bob: { value: 50, n: 2 } },
    )
    // IQS: (70 + 90 + 50) / 3 = 70; ann (70 + 90) / 2 = 80; bob 50.
    await expectMetric(
      'qa',
      'iqs',
      win(DAY_W),
      { value: 70, n: 3 },
      { ann: { value: 80, n: 2 }, bob: { value: 50, n: 1 } },
    )
    // Sends in the window: c1 ✓, c2 ✗, c3 ✓, c3's resend ✗, c4 ✓, c6 ✓ (answered at `to`),
    // c7 ✗ (its response came before the send) → 4 / 7; by the send's agent: ann c1 c2 c7 → 1 / 3,
    // bob c3 c3' c4 c6 → 3 / 4.
    await expectMetric(
      'srr',
      'survey_response_rate',
      win(DAY_W),
      { value: (4 / 7) * 100, n: 7 },
      { ann: { value: 100 / 3, n: 3 }, bob: { value: 75, n: 4 } },
    )
    // Per survey: s1 c1 ✓ c2 ✗ c3 ✓ c3' ✗ c7 ✗ → 2 / 5; s2 c4 ✓ c6 ✓ → 2 / 2.
    const perSurvey = await api(
      'srr',
      'survey_response_rate',
      win(DAY_W, { group_by: 'survey_id' }),
    )
    expect(Object.fromEntries((perSurvey.groups ?? []).map((g) => [g.key, pick(g)]))).toEqual({
      s1: { value: 40, n: 5 },
      s2: { value: 100, n: 2 },
    })
  })

  it('an empty window is null with n 0 for every metric', async () => {
    for (const metric of ALL_METRICS) {
      const params = win(DAY_W, metric === 'historical_clv' ? { customer_id: 'nobody' } : {})
      const body = await api('empty', metric, params)
      expect(pick(body), metric).toEqual({ value: null, n: 0 })
    }
    // And an hour of the CSAT tenant that holds none of its responses.
    const quiet = await api('csat', 'csat', win({ from: ANCHOR - 6 * HOUR, to: ANCHOR - 5 * HOUR }))
    expect(pick(quiet)).toEqual({ value: null, n: 0 })
  })

  it('a single response', async () => {
    const w = win(EDGE_W)
    const csat = await expectMetric('single', 'csat', w, { value: 100, n: 1 }) // 4 on 1–5
    const [lo, hi] = wilson(1, 1)
    expect(csat.ci95?.[0]).toBeCloseTo(lo, 3)
    expect(csat.ci95?.[1]).toBeCloseTo(hi, 3)
    await expectMetric('single', 'csat_mean', w, { value: 75, n: 1 }) // (4 − 1) / 4
    await expectMetric('single', 'nps', w, { value: -100, n: 1 }) // one detractor (6)
    await expectMetric('single', 'ces', w, { value: 5, n: 1 })
    await expectMetric('single', 'ces_pct', w, { value: 100, n: 1 }) // 5 ≥ 5
  })

  it('mixed CSAT scales in one window aggregate by the SPEC normalisation', async () => {
    const w = win(EDGE_W)
    // Positive: 5 (1–5), 9 and 10 (1–10), 5 (1–7, positive_min 5) → 4 of 6.
    await expectMetric('mixed', 'csat', w, { value: (4 / 6) * 100, n: 6 })
    // (100 + 50 + 800/9 + 700/9 + 100 + 200/3) / 6 = 483.33 / 6 = 80.56
    await expectMetric('mixed', 'csat_mean', w, {
      value: (100 + 50 + 800 / 9 + 700 / 9 + 100 + 200 / 3) / 6,
      n: 6,
    })
  })

  it('a late event changes the answer for the window it belongs to', async () => {
    const w = win(LATE_W)
    await expectMetric('late', 'csat', w, { value: 75, n: 4 }) // 5, 4, 4 positive of 4
    // Sent now, occurred half-way through that already answered hour: 3 of 5 → 60 %.
    await send('late', [
      events.csat({ customer_id: 'late-one', score: 1, occurred_at: iso(LATE_W.from + 30 * MIN) }),
    ])
    const after = await waitFor(
      'the late response in its window',
      async () => {
        const body = await api('late', 'csat', w)
        return body.n === 5 ? body : undefined
      },
      60_000,
    )
    expect(pick(after)).toEqual({ value: 60, n: 5 })
    await expectMetric('late', 'csat_mean', w, {
      value: (100 + 75 + 75 + 25 + 0) / 5, // 55
      n: 5,
    })
  })
})
