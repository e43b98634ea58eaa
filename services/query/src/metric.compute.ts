import {
  QueryShapeError,
  queryCustomerPurchases,
  queryFcr,
  queryFeedbackReplies,
  queryOpenBacklog,
  queryIqs,
  queryLifecycle,
  queryLifecycleGroups,
  queryLifecycleSeries,
  queryPurchases,
  queryQueueWait,
  queryReplyTimes,
  queryResolvedFlags,
  querySla,
  querySurveyResponseRate,
  querySurveySums,
  queryTicketDurations,
  queryTicketsCreated,
  type ClickHouse,
  type Durations,
  type Keyed,
  type LifecycleCounts,
  type SurveySums,
  type WindowSpec,
} from '@cxpulse/clickhouse'
import { HttpError } from '@cxpulse/http'
import {
  computeAwt,
  computeChannelMix,
  computeChurnRate,
  computeClv,
  computeCrr,
  computeEscalationRate,
  computeFcr,
  computeFeedbackReplyRate,
  computeHistoricalClv,
  computeIqsFromSums,
  computeReferralRate,
  computeReopenRate,
  computeSlaAttainment,
  computeSurveyResponseRate,
  computeTicketCount,
  MixedScalesError,
  SLA_DEFAULT_TARGET_MINUTES,
  addSurveySums,
  computeSurveyMetric,
  oneCesScale,
  summarizeDurationAggregate,
  type MetricId,
  type MetricResult,
  type SurveyMetric,
} from '@cxpulse/metrics'
import type { MetricQuery } from './query.params.ts'

/** One metric over one window: the headline, plus a series or a breakdown when asked. */
export interface WindowResult {
  total: MetricResult<unknown>
  series?: (MetricResult<unknown> & { at: string })[]
  groups?: (MetricResult<unknown> & { key: string })[]
}

type Compute = (ch: ClickHouse, spec: WindowSpec, q: MetricQuery) => Promise<WindowResult>

/** Runs `fetch` for the whole window and, when asked, per series bucket or per group. */
async function byKey<R>(
  spec: WindowSpec,
  fetch: (spec: WindowSpec) => Promise<Keyed<R>[]>,
  toResult: (rows: Keyed<R>[]) => MetricResult<unknown>,
): Promise<WindowResult> {
  const { interval, groupBy, ...whole } = spec
  const total = toResult(await fetch(whole))
  const result: WindowResult = { total }
  if (interval || groupBy) {
    const rows = await fetch(spec)
    const keys = [...new Set(rows.map((r) => r.key ?? ''))]
    const keyed = keys.map((key) => ({
      key,
      ...toResult(rows.filter((r) => (r.key ?? '') === key)),
    }))
    if (interval) result.series = keyed.map(({ key, ...r }) => ({ at: key, ...r }))
    else result.groups = keyed
  }
  return result
}

/**
 * A survey metric from the sums of every row of a key. A CES mean never spans two scales: with
 * responses on several the caller must pick one (`scale=1-7`).
 */
function surveyMetric(metric: SurveyMetric): Compute {
  const kind = metric === 'csat_mean' ? 'csat' : metric === 'ces_pct' ? 'ces' : metric
  return async (ch, spec, q) => {
    const orientation = kind === 'ces' ? (q.orientation ?? 'agreement') : undefined
    return byKey(
      spec,
      async (s) =>
        (await querySurveySums(ch, { ...s, kind, ...(orientation ? { orientation } : {}) })).rows,
      (rows) => computeSurveyMetric(metric, addSurveySums(cesRows(metric, rows, q)), orientation),
    )
  }
}

function cesRows(metric: SurveyMetric, rows: Keyed<SurveySums>[], q: MetricQuery) {
  if (metric !== 'ces') return rows
  try {
    return oneCesScale(rows, q.scale)
  } catch (error) {
    if (!(error instanceof MixedScalesError)) throw error
    throw new HttpError(
      422,
      'mixed_scales',
      `${error.message} in this window; pass scale=MIN-MAX`,
      [{ path: 'scale', message: `one of ${error.scales.join(', ')}` }],
    )
  }
}

// One row per key: quantiles cannot be merged, so ClickHouse computes them per key.
const durationResult = (rows: Keyed<Durations>[]) =>
  summarizeDurationAggregate({
    n: rows[0]?.n ?? 0,
    sumSeconds: rows[0]?.sum ?? 0,
    median: rows[0]?.median ?? null,
    p90: rows[0]?.p90 ?? null,
  })

const durations =
  (metric: 'frt' | 'resolution_time' | 'complaint_resolution_time'): Compute =>
  (ch, spec) =>
    byKey(spec, (s) => queryTicketDurations(ch, { ...s, metric }), durationResult)

/** 422 naming `currency` when amounts in several currencies would otherwise be mixed. */
function oneCurrency<T extends { currency: string }>(
  rows: readonly T[],
  asked?: string,
): T | undefined {
  const currencies = rows.map((t) => t.currency)
  if (!asked && currencies.length > 1) {
    throw new HttpError(
      422,
      'mixed_currencies',
      `purchases in several currencies (${currencies.join(', ')}); pass currency=XXX`,
      [{ path: 'currency', message: `one of ${currencies.join(', ')}` }],
    )
  }
  return rows.find((x) => x.currency === (asked ?? currencies[0]))
}

function noSeries(metric: string, spec: WindowSpec): void {
  if (spec.interval || spec.groupBy) {
    throw new HttpError(
      400,
      'unsupported',
      `${metric} is computed per window only; remove interval and group_by`,
      [{ path: spec.interval ? 'interval' : 'group_by', message: `not supported for ${metric}` }],
    )
  }
}

/**
 * A lifecycle metric: the whole window from `queryLifecycle`; a series from one query that counts
 * every bucket as its own window (every bucket present, empty ones null with n 0); a breakdown by
 * the customer's dimension at the window start, ranked by the metric's n.
 */
function lifecycleMetric(
  rankBy: 'active_at_start' | 'active_during',
  toResult: (c: LifecycleCounts) => MetricResult<unknown>,
): Compute {
  return async (ch, spec) => {
    const { interval, groupBy, ...whole } = spec
    const result: WindowResult = { total: toResult(await queryLifecycle(ch, whole)) }
    if (interval) {
      const rows = await queryLifecycleSeries(ch, { ...whole, interval })
      result.series = rows.map((r) => ({ at: r.key ?? '', ...toResult(r) }))
    } else if (groupBy) {
      const rows = await queryLifecycleGroups(ch, { ...whole, groupBy, rankBy })
      result.groups = rows.map((r) => ({ key: r.key ?? '', ...toResult(r) }))
    }
    return result
  }
}

const YEAR_MS = 365.25 * 86_400_000

const COMPUTE: Partial<Record<MetricId, Compute>> = {
  csat: surveyMetric('csat'),
  csat_mean: surveyMetric('csat_mean'),
  nps: surveyMetric('nps'),
  ces: surveyMetric('ces'),
  ces_pct: surveyMetric('ces_pct'),
  frt: durations('frt'),
  reply_time: (ch, spec) => byKey(spec, (s) => queryReplyTimes(ch, s), durationResult),
  resolution_time: durations('resolution_time'),
  complaint_resolution_time: durations('complaint_resolution_time'),
  fcr: (ch, spec) =>
    byKey(
      spec,
      (s) => queryFcr(ch, s),
      (rows) => {
        const resolved = rows.reduce((a, r) => a + r.n, 0)
        return computeFcr({
          resolved,
          resolvedFirstContact: rows.reduce((a, r) => a + r.first_contact, 0),
        })
      },
    ),
  awt: (ch, spec) =>
    byKey(
      spec,
      (s) => queryQueueWait(ch, s),
      (rows) =>
        computeAwt({
          served: rows.reduce((a, r) => a + r.n, 0),
          totalWaitSeconds: rows.reduce((a, r) => a + r.wait_sum, 0),
        }),
    ),
  feedback_reply_rate: (ch, spec) =>
    byKey(
      spec,
      (s) => queryFeedbackReplies(ch, s),
      (rows) =>
        computeFeedbackReplyRate({
          feedbackItems: rows.reduce((a, r) => a + r.n, 0),
          replied: rows.reduce((a, r) => a + r.replied, 0),
        }),
    ),
  iqs: (ch, spec) =>
    byKey(
      spec,
      (s) => queryIqs(ch, s),
      (rows) =>
        computeIqsFromSums({
          n: rows.reduce((a, r) => a + r.n, 0),
          sum: rows.reduce((a, r) => a + r.iqs_sum, 0),
          sumSq: rows.reduce((a, r) => a + r.iqs_sum_sq, 0),
        }),
    ),
  channel_mix: async (ch, spec) => {
    noSeries('channel_mix', spec)
    const perChannel = { ...spec, groupBy: 'channel' as const, maxGroups: 1000 }
    const tickets = await queryTicketsCreated(ch, perChannel)
    const responses = (
      await Promise.all(
        (['csat', 'nps', 'ces'] as const).map((kind) =>
          querySurveySums(ch, { ...perChannel, kind }),
        ),
      )
    ).flatMap((r) => r.rows)
    const counts = (rows: Keyed<{ n: number }>[]) => {
      const out: Record<string, number> = {}
      for (const r of rows) out[r.key || '(none)'] = (out[r.key || '(none)'] ?? 0) + r.n
      return out
    }
    const ticketCounts = counts(tickets)
    const responseCounts = counts(responses)
    const both: Record<string, number> = { ...ticketCounts }
    for (const [k, v] of Object.entries(responseCounts)) both[k] = (both[k] ?? 0) + v
    const total = computeChannelMix({ counts: both })
    return {
      total: {
        ...total,
        components: {
          ...(total.components as object),
          tickets: computeChannelMix({ counts: ticketCounts }).components ?? null,
          responses: computeChannelMix({ counts: responseCounts }).components ?? null,
        },
      },
    }
  },
  churn_rate: lifecycleMetric('active_at_start', (c) =>
    computeChurnRate({
      activeAtStart: c.active_at_start,
      churned: c.churned,
      churnedNew: c.churned_new,
    }),
  ),
  crr: lifecycleMetric('active_at_start', (c) =>
    computeCrr({
      activeAtStart: c.active_at_start,
      activeAtEnd: c.active_at_end,
      becameActive: c.became_active,
    }),
  ),
  referral_rate: lifecycleMetric('active_during', (c) =>
    computeReferralRate({ referrers: c.referrers, activeCustomers: c.active_during }),
  ),
  clv: async (ch, spec, q) => {
    noSeries('clv', spec)
    const t = oneCurrency(await queryPurchases(ch, spec), q.currency)
    const periodYears = (spec.to.getTime() - spec.from.getTime()) / YEAR_MS
    let annualChurnRate: number | undefined
    if (q.lifespan_years === undefined) {
      // Lifespan = 1 / annual churn, measured over the year that ends with the window.
      const c = await queryLifecycle(ch, { ...spec, from: new Date(spec.to.getTime() - YEAR_MS) })
      annualChurnRate = c.active_at_start === 0 ? 0 : c.churned / c.active_at_start
    }
    const result = computeClv({
      revenue: t?.revenue ?? 0,
      purchases: t?.purchases ?? 0,
      purchasingCustomers: t?.customers ?? 0,
      periodYears,
      ...(q.lifespan_years !== undefined ? { lifespanYears: q.lifespan_years } : {}),
      ...(annualChurnRate !== undefined ? { annualChurnRate } : {}),
    })
    return {
      total: {
        ...result,
        components: {
          ...(result.components as object),
          currency: t?.currency ?? q.currency ?? null,
        },
      },
    }
  },
  ticket_volume: (ch, spec) =>
    byKey(
      spec,
      (s) => queryTicketsCreated(ch, s),
      (rows) => computeTicketCount(rows.reduce((a, r) => a + r.n, 0)),
    ),
  open_backlog: async (ch, spec) => {
    if (spec.interval) {
      throw new HttpError(400, 'unsupported', 'open_backlog is an instant (to); remove interval', [
        { path: 'interval', message: 'not supported for open_backlog' },
      ])
    }
    return byKey(
      spec,
      (s) => queryOpenBacklog(ch, s),
      (rows) => computeTicketCount(rows.reduce((a, r) => a + r.n, 0)),
    )
  },
  reopen_rate: (ch, spec) =>
    byKey(
      spec,
      (s) => queryResolvedFlags(ch, s),
      (rows) =>
        computeReopenRate({
          resolved: rows.reduce((a, r) => a + r.n, 0),
          flagged: rows.reduce((a, r) => a + r.reopened, 0),
        }),
    ),
  escalation_rate: (ch, spec) =>
    byKey(
      spec,
      (s) => queryResolvedFlags(ch, s),
      (rows) =>
        computeEscalationRate({
          resolved: rows.reduce((a, r) => a + r.n, 0),
          flagged: rows.reduce((a, r) => a + r.escalated, 0),
        }),
    ),
  sla_attainment: (ch, spec, q) => {
    const targetMinutes = q.target_minutes ?? SLA_DEFAULT_TARGET_MINUTES
    return byKey(
      spec,
      (s) => querySla(ch, { ...s, targetSeconds: targetMinutes * 60 }),
      (rows) => {
        const r = computeSlaAttainment({
          responded: rows.reduce((a, x) => a + x.n, 0),
          withinTarget: rows.reduce((a, x) => a + x.within, 0),
        })
        return { ...r, components: { targetMinutes } }
      },
    )
  },
  survey_response_rate: (ch, spec) =>
    byKey(
      spec,
      (s) => querySurveyResponseRate(ch, s),
      (rows) =>
        computeSurveyResponseRate({
          sent: rows.reduce((a, r) => a + r.n, 0),
          responded: rows.reduce((a, r) => a + r.responded, 0),
        }),
    ),
  historical_clv: async (ch, spec, q) => {
    noSeries('historical_clv', spec)
    if (q.customer_id === undefined) {
      throw new HttpError(400, 'invalid_query', 'historical_clv needs customer_id', [
        { path: 'customer_id', message: 'required for historical_clv: the customer to value' },
      ])
    }
    const rows = await queryCustomerPurchases(ch, { ...spec, customerId: q.customer_id })
    const t = oneCurrency(rows, q.currency)
    const result = computeHistoricalClv({
      revenue: t?.revenue ?? 0,
      purchases: t?.purchases ?? 0,
      averageGrossMargin: t?.average_gross_margin ?? null,
    })
    return {
      total: {
        ...result,
        components: {
          ...result.components,
          purchases: t?.purchases ?? 0,
          purchasesWithMargin: t?.with_margin ?? 0,
          currency: t?.currency ?? q.currency ?? null,
        },
      },
    }
  },
}

/** Parameters one metric takes: refused elsewhere, so a misdirected one is not silently ignored. */
const METRIC_ONLY_PARAMS = {
  customer_id: 'historical_clv',
  target_minutes: 'sla_attainment',
} as const satisfies Partial<Record<keyof MetricQuery, MetricId>>

export const SUPPORTED_METRICS = Object.keys(COMPUTE) as MetricId[]

export async function computeWindow(
  ch: ClickHouse,
  metric: MetricId,
  spec: WindowSpec,
  q: MetricQuery,
): Promise<WindowResult> {
  const compute = COMPUTE[metric]
  for (const [param, only] of Object.entries(METRIC_ONLY_PARAMS)) {
    if (q[param as keyof typeof METRIC_ONLY_PARAMS] !== undefined && metric !== only) {
      throw new HttpError(400, 'invalid_query', `${metric} does not take ${param}`, [
        { path: param, message: `only ${only} takes ${param}` },
      ])
    }
  }
  if (!compute)
    throw new HttpError(
      404,
      'unknown_metric',
      `metric ${metric} is not served by the query API yet`,
    )
  try {
    return await compute(ch, spec, q)
  } catch (error) {
    if (error instanceof QueryShapeError) {
      throw new HttpError(400, 'unsupported', `${metric}: ${error.message}`, [
        {
          path: error.param ?? (spec.groupBy ? 'group_by' : 'filter'),
          message: error.message,
        },
      ])
    }
    throw error
  }
}
