import { MetricInputError, type MetricResult } from './result.ts'
import {
  computeCes,
  computeCesPct,
  computeCsat,
  computeCsatMean,
  computeNps,
  type CesOrientation,
} from './survey.ts'

/**
 * The survey sums of one window (or one bucket or group), named as the ClickHouse rollups
 * hold them: the one record the query API and the alerter both fold and compute from.
 */
export interface SurveySums {
  n: number
  positive: number
  norm_sum: number
  norm_sum_sq: number
  promoters: number
  passives: number
  detractors: number
  score_sum: number
  score_sum_sq: number
  low_effort: number
}

/** Survey sums of responses on one scale (ClickHouse splits by scale). */
export interface ScaledSurveySums extends SurveySums {
  scale_min: number
  scale_max: number
}

export const EMPTY_SURVEY_SUMS: Readonly<SurveySums> = {
  n: 0,
  positive: 0,
  norm_sum: 0,
  norm_sum_sq: 0,
  promoters: 0,
  passives: 0,
  detractors: 0,
  score_sum: 0,
  score_sum_sq: 0,
  low_effort: 0,
}

const FIELDS = Object.keys(EMPTY_SURVEY_SUMS) as (keyof SurveySums)[]

/** Adds sums (buckets into a window, scales into one figure where that is valid). */
export function addSurveySums(rows: readonly SurveySums[]): SurveySums {
  const total: SurveySums = { ...EMPTY_SURVEY_SUMS }
  for (const row of rows) for (const f of FIELDS) total[f] += row[f]
  return total
}

/** A CES mean over responses on several scales was asked for without naming one. */
export class MixedScalesError extends MetricInputError {
  constructor(readonly scales: readonly string[]) {
    super(`CES responses on several scales (${scales.join(', ')})`)
    this.name = 'MixedScalesError'
  }
}

export const scaleName = (r: ScaledSurveySums) => `${r.scale_min}-${r.scale_max}`

/**
 * The rows one CES mean may use: the mean lives on the survey's own scale, so it never spans
 * two. With `scale` ("1-7") only that scale's rows; without, all rows when they share one
 * scale, else {@link MixedScalesError}.
 */
export function oneCesScale<R extends ScaledSurveySums>(
  rows: readonly R[],
  scale?: string | null,
): R[] {
  if (scale) return rows.filter((r) => scaleName(r) === scale)
  const scales = [...new Set(rows.map(scaleName))]
  if (scales.length > 1) throw new MixedScalesError(scales)
  return [...rows]
}

export type SurveyMetric = 'csat' | 'csat_mean' | 'nps' | 'ces' | 'ces_pct'

/** One survey metric from its sums (CES: of one orientation). */
export function computeSurveyMetric(
  metric: SurveyMetric,
  s: SurveySums,
  orientation: CesOrientation = 'agreement',
): MetricResult<unknown> {
  switch (metric) {
    case 'csat':
    case 'csat_mean': {
      const agg = { n: s.n, positive: s.positive, normSum: s.norm_sum, normSumSq: s.norm_sum_sq }
      return metric === 'csat' ? computeCsat(agg) : computeCsatMean(agg)
    }
    case 'nps':
      return computeNps({
        n: s.n,
        promoters: s.promoters,
        passives: s.passives,
        detractors: s.detractors,
      })
    case 'ces':
    case 'ces_pct': {
      const agg = {
        orientation,
        n: s.n,
        sum: s.score_sum,
        sumSq: s.score_sum_sq,
        lowEffort: s.low_effort,
      }
      return metric === 'ces' ? computeCes(agg) : computeCesPct(agg)
    }
  }
}
