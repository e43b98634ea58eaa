import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { RAW_TABLE } from './tables.ts'
import {
  DIMENSIONS,
  aggregate,
  chooseGranularity,
  num,
  timeAt,
  type Granularity,
  type Keyed,
  type WindowSpec,
} from './window.query.ts'

export type SurveyKind = 'csat' | 'nps' | 'ces'

const surveySumsRow = z.object({
  scale_min: num,
  scale_max: num,
  n: num,
  positive: num,
  norm_sum: num,
  norm_sum_sq: num,
  promoters: num,
  passives: num,
  detractors: num,
  score_sum: num,
  score_sum_sq: num,
  low_effort: num,
  with_comment: num,
})
export type SurveySums = z.output<typeof surveySumsRow>

/**
 * The survey sums the metric library consumes, written exactly as the projections p_1m/p_1h/
 * p_1d aggregate them (0005_projections.sql), so ClickHouse answers from a projection whenever
 * the window lies on its buckets; the same expressions over raw rows otherwise.
 */
export const SURVEY_SUM_COLUMNS = {
  n: 'count()',
  positive: 'sum(is_positive)',
  norm_sum: 'sum(norm_score)',
  norm_sum_sq: 'sum(norm_score * norm_score)',
  promoters: "countIf(nps_category = 'promoter')",
  passives: "countIf(nps_category = 'passive')",
  detractors: "countIf(nps_category = 'detractor')",
  score_sum: 'sum(score)',
  score_sum_sq: 'sum(toInt64(score) * score)',
  low_effort: 'sum(low_effort)',
  with_comment: 'sum(has_comment)',
}

/**
 * Survey sums for one kind (and, for CES, one orientation), split by scale so a CES mean is
 * never taken across scales. Rows per key and scale; callers merge scales where that is valid.
 */
export async function querySurveySums(
  ch: ClickHouse,
  spec: WindowSpec & {
    kind: SurveyKind
    orientation?: 'agreement' | 'effort'
    granularity?: Granularity
  },
): Promise<{ granularity: Granularity; rows: Keyed<SurveySums>[] }> {
  const granularity = spec.granularity ?? chooseGranularity(spec)
  const rows = await aggregate(
    ch,
    `survey_sums_${spec.kind}_${granularity}`,
    { table: ch.table(RAW_TABLE.surveys), time: timeAt(granularity), columns: SURVEY_SUM_COLUMNS },
    spec,
    surveySumsRow,
    {
      dimensions: DIMENSIONS,
      extraWhere: `type = 'survey.response' AND kind = {kind:String}${spec.orientation ? ' AND orientation = {orientation:String}' : ''}`,
      extraParams: {
        kind: spec.kind,
        ...(spec.orientation ? { orientation: spec.orientation } : {}),
      },
      extraGroupBy: ['scale_min', 'scale_max'],
    },
  )
  return { granularity, rows }
}

const feedbackRow = z.object({ n: num, replied: num })

/** Survey responses with a comment in the window, and how many of them an agent reply answered. */
export async function queryFeedbackReplies(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof feedbackRow>>[]> {
  return aggregate(
    ch,
    'feedback_replies',
    {
      table: ch.table(RAW_TABLE.surveys),
      time: 'occurred_at',
      columns: {
        n: 'count()',
        replied:
          `countIf(event_id GLOBAL IN (SELECT feedback_event_id FROM ${ch.table(RAW_TABLE.tickets)} ` +
          `WHERE tenant_id = {tenant:String} AND type = 'ticket.agent_replied' AND feedback_event_id IS NOT NULL))`,
      },
    },
    spec,
    feedbackRow,
    { dimensions: DIMENSIONS, extraWhere: "type = 'survey.response' AND has_comment = 1" },
  )
}

const responseRateRow = z.object({ n: num, responded: num })

/**
 * Surveys sent in the window (`survey.sent`, by send time; every dimension, survey_id
 * included, is the send's) and those of them answered. A response answers the latest send of
 * the same survey to the same customer at or before it (at one instant the send comes first), so
 * a resend starts a new send and a response before any send answers nothing; a response after
 * `to` still counts toward its send in the window. Reads raw rows: the pairing needs every
 * event of each (survey_id, customer_id) that had a send in the window.
 */
export async function querySurveyResponseRate(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof responseRateRow>>[]> {
  const table = ch.table(RAW_TABLE.surveys)
  const dims = ['channel', 'agent', 'team', 'product', 'region', 'segment'] as const
  const events =
    `SELECT survey_id, customer_id, occurred_at, type = 'survey.sent' AS is_send, ` +
    dims.map((d) => `\`dimensions.${d}\` AS d_${d}`).join(', ') +
    `, sum(toUInt64(is_send)) OVER (PARTITION BY survey_id, customer_id ` +
    `ORDER BY occurred_at, NOT is_send, event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS send_seq ` +
    `FROM ${table} WHERE tenant_id = {tenant:String} AND survey_id != '' ` +
    `AND (survey_id, customer_id) GLOBAL IN (SELECT survey_id, customer_id FROM ${table} ` +
    `WHERE tenant_id = {tenant:String} AND type = 'survey.sent' ` +
    `AND occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') ` +
    `AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC'))`
  const sends =
    `(SELECT {tenant:String} AS tenant_id, survey_id, minIf(occurred_at, is_send) AS sent_at, ` +
    `countIf(NOT is_send) > 0 AS responded, ` +
    dims.map((d) => `anyIf(d_${d}, is_send) AS ${d}`).join(', ') +
    ` FROM (${events}) WHERE send_seq > 0 GROUP BY survey_id, customer_id, send_seq)`
  return aggregate(
    ch,
    'survey_response_rate',
    { table: sends, time: 'sent_at', columns: { n: 'count()', responded: 'countIf(responded)' } },
    spec,
    responseRateRow,
    { dimensions: DIMENSIONS },
  )
}
