import {
  MetricInputError,
  assertCount,
  assertNonNegative,
  assertPart,
  percentOf,
  type Interval,
  type MetricResult,
} from './result.ts'
import { Z95, meanCi95, summarizeSums, wilsonInterval } from './stats.ts'

function assertScale(scaleMin: number, scaleMax: number): void {
  if (!Number.isInteger(scaleMin) || !Number.isInteger(scaleMax) || scaleMin >= scaleMax) {
    throw new MetricInputError(
      `scale must be integers with scale_min < scale_max, got ${scaleMin}–${scaleMax}`,
    )
  }
}

function assertScore(score: number, scaleMin: number, scaleMax: number): void {
  assertScale(scaleMin, scaleMax)
  if (!Number.isInteger(score) || score < scaleMin || score > scaleMax) {
    throw new MetricInputError(`score ${score} is outside its scale ${scaleMin}–${scaleMax}`)
  }
}

function assertFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new MetricInputError(`${name} must be finite, got ${value}`)
}

/** A score's position on its scale, 0–100: (score − scale_min) / (scale_max − scale_min) × 100. */
export function normalizeScore(score: number, scaleMin: number, scaleMax: number): number {
  assertScore(score, scaleMin, scaleMax)
  return ((score - scaleMin) / (scaleMax - scaleMin)) * 100
}

// ---------------------------------------------------------------------------------------------
// CSAT

/** Lowest positive CSAT score: the survey's own `positive_min`, else top-two-box (max − 1). */
export function csatPositiveMin(scaleMin: number, scaleMax: number, positiveMin?: number): number {
  assertScale(scaleMin, scaleMax)
  if (positiveMin === undefined) return scaleMax - 1
  if (!Number.isInteger(positiveMin) || positiveMin < scaleMin || positiveMin > scaleMax) {
    throw new MetricInputError(
      `positive_min ${positiveMin} is outside the scale ${scaleMin}–${scaleMax}`,
    )
  }
  return positiveMin
}

/** Whether a CSAT score counts as positive (top-two-box unless `positiveMin` is declared). */
export function isCsatPositive(
  score: number,
  scaleMin: number,
  scaleMax: number,
  positiveMin?: number,
): boolean {
  assertScore(score, scaleMin, scaleMax)
  return score >= csatPositiveMin(scaleMin, scaleMax, positiveMin)
}

/** CSAT rollup state; responses on different scales aggregate through the normalised sums. */
export interface CsatAggregate {
  n: number
  /** Responses with score >= their survey's positive threshold ({@link isCsatPositive}). */
  positive: number
  /** Σ normalised scores ({@link normalizeScore}), 0–100 each. */
  normSum: number
  /** Σ squared normalised scores. */
  normSumSq: number
}

export interface CsatResponse {
  score: number
  scaleMin: number
  scaleMax: number
  positiveMin?: number | undefined
}

/** Folds raw responses into the rollup state, exactly as the processor fills the rollup. */
export function aggregateCsat(responses: readonly CsatResponse[]): CsatAggregate {
  const agg: CsatAggregate = { n: 0, positive: 0, normSum: 0, normSumSq: 0 }
  for (const r of responses) {
    const norm = normalizeScore(r.score, r.scaleMin, r.scaleMax)
    agg.n += 1
    if (isCsatPositive(r.score, r.scaleMin, r.scaleMax, r.positiveMin)) agg.positive += 1
    agg.normSum += norm
    agg.normSumSq += norm * norm
  }
  return agg
}

function assertCsat(agg: CsatAggregate): void {
  assertPart('positive', agg.positive, 'n', agg.n)
  assertNonNegative('normSum', agg.normSum)
  assertNonNegative('normSumSq', agg.normSumSq)
}

export interface CsatMeanComponents {
  /** Sample standard deviation of the normalised scores; null when n < 2. */
  sd: number | null
}

/**
 * CSAT mean: mean of scores normalised to 0–100. The SPEC gives no interval for it; it gets
 * the same mean ± 1.96 × sd / √n the SPEC gives for the CES mean, so every mean is read alike,
 * clamped to 0–100 because the normal approximation can overshoot a bounded score.
 */
export function computeCsatMean(agg: CsatAggregate): MetricResult<CsatMeanComponents> {
  assertCsat(agg)
  const summary = summarizeSums(agg.n, agg.normSum, agg.normSumSq)
  if (summary === null) return { value: null, n: 0, ci95: null, components: { sd: null } }
  const ci = meanCi95(summary)
  const ci95: Interval | null = ci && [Math.max(0, ci[0]), Math.min(100, ci[1])]
  return { value: summary.mean, n: agg.n, ci95, components: { sd: summary.sd } }
}

export interface CsatComponents {
  positive: number
  /** Normalised 0–100 mean ({@link computeCsatMean}). */
  mean: number | null
  meanCi95: Interval | null
}

/** CSAT % = positive / all × 100, with a Wilson 95 % interval. */
export function computeCsat(agg: CsatAggregate): MetricResult<CsatComponents> {
  assertCsat(agg)
  const mean = computeCsatMean(agg)
  const components = { positive: agg.positive, mean: mean.value, meanCi95: mean.ci95 ?? null }
  const value = percentOf(agg.positive, agg.n)
  if (value === null) return { value: null, n: 0, ci95: null, components }
  const ci = wilsonInterval(agg.positive, agg.n)
  return { value, n: agg.n, ci95: ci && [ci[0] * 100, ci[1] * 100], components }
}

// ---------------------------------------------------------------------------------------------
// NPS

export type NpsCategory = 'promoter' | 'passive' | 'detractor'

/** NPS is asked on 0–10 only: promoters 9–10, passives 7–8, detractors 0–6. */
export function npsCategory(score: number): NpsCategory {
  assertScore(score, 0, 10)
  if (score >= 9) return 'promoter'
  if (score >= 7) return 'passive'
  return 'detractor'
}

export interface NpsAggregate {
  n: number
  promoters: number
  passives: number
  detractors: number
}

export function aggregateNps(scores: readonly number[]): NpsAggregate {
  const agg: NpsAggregate = { n: 0, promoters: 0, passives: 0, detractors: 0 }
  for (const score of scores) {
    const category = npsCategory(score)
    agg.n += 1
    if (category === 'promoter') agg.promoters += 1
    else if (category === 'passive') agg.passives += 1
    else agg.detractors += 1
  }
  return agg
}

function assertNps(agg: NpsAggregate): void {
  assertCount('n', agg.n)
  assertCount('promoters', agg.promoters)
  assertCount('passives', agg.passives)
  assertCount('detractors', agg.detractors)
  if (agg.promoters + agg.passives + agg.detractors !== agg.n) {
    throw new MetricInputError(
      `promoters + passives + detractors (${agg.promoters + agg.passives + agg.detractors}) must equal n (${agg.n})`,
    )
  }
}

/**
 * Standard error of an NPS in points: each response is +1 / 0 / −1, so
 * variance = p_P + p_D − (p_P − p_D)² and SE = 100 × √(variance / n). Null when n = 0.
 */
export function npsStandardError(agg: NpsAggregate): number | null {
  assertNps(agg)
  if (agg.n === 0) return null
  const pP = agg.promoters / agg.n
  const pD = agg.detractors / agg.n
  // Clamp: for all-promoter samples the expression is 0 up to float rounding.
  const variance = Math.max(0, pP + pD - (pP - pD) ** 2)
  return 100 * Math.sqrt(variance / agg.n)
}

export interface NpsComponents {
  /** Shares of all responses, in %. */
  promotersPct: number | null
  passivesPct: number | null
  detractorsPct: number | null
  /** Standard error in NPS points ({@link npsStandardError}). */
  se: number | null
}

/**
 * NPS = % promoters − % detractors, −100 to 100, with CI = NPS ± 1.96 × SE clamped to
 * [−100, 100]. A sample with no spread (e.g. all promoters) has SE = 0 and so a zero-width
 * interval: that is the SPEC's formula, not a claim of certainty.
 */
export function computeNps(agg: NpsAggregate): MetricResult<NpsComponents> {
  assertNps(agg)
  const promotersPct = percentOf(agg.promoters, agg.n)
  const detractorsPct = percentOf(agg.detractors, agg.n)
  const se = npsStandardError(agg)
  const components = {
    promotersPct,
    passivesPct: percentOf(agg.passives, agg.n),
    detractorsPct,
    se,
  }
  if (promotersPct === null || detractorsPct === null || se === null) {
    return { value: null, n: 0, ci95: null, components }
  }
  const value = promotersPct - detractorsPct
  const ci95: Interval = [Math.max(-100, value - Z95 * se), Math.min(100, value + Z95 * se)]
  return { value, n: agg.n, ci95, components }
}

// ---------------------------------------------------------------------------------------------
// CES

/** agreement: higher = less effort (the default); effort: higher = more effort. */
export type CesOrientation = 'agreement' | 'effort'

export const CES_DEFAULT_SCALE = { min: 1, max: 7 } as const

function assertOrientation(orientation: string): asserts orientation is CesOrientation {
  if (orientation !== 'agreement' && orientation !== 'effort') {
    throw new MetricInputError(`CES orientation must be agreement or effort, got ${orientation}`)
  }
}

/**
 * Whether a CES score signals low effort. On 1–7 the SPEC says `score >= 5` (agreement) and
 * `score <= 3` (effort). Other scales keep the same position on the scale: with
 * f = (score − min) / (max − min), low effort is f >= 2/3 for agreement and f <= 1/3 for
 * effort (5 and 3 sit at 4/6 and 2/6 of 1–7). Compared in integers, 3·(score − min) against
 * 2·(max − min) or (max − min), so no rounding is involved. Examples: 1–5 → agreement 4–5,
 * effort 1–2; 1–10 → agreement 7–10, effort 1–4; 0–10 → agreement 7–10, effort 0–3. The two
 * rules mirror each other: s is low effort on an effort scale iff (min + max − s) is on an
 * agreement scale.
 */
export function isCesLowEffort(
  score: number,
  scaleMin: number,
  scaleMax: number,
  orientation: CesOrientation,
): boolean {
  assertScore(score, scaleMin, scaleMax)
  assertOrientation(orientation)
  const position = 3 * (score - scaleMin)
  const range = scaleMax - scaleMin
  return orientation === 'agreement' ? position >= 2 * range : position <= range
}

/**
 * CES rollup state for ONE orientation (and one scale: the mean is on the survey's own scale,
 * so rollups must be keyed by orientation and scale). The type parameter carries the
 * orientation so aggregates of different orientations cannot be merged.
 */
export interface CesAggregate<O extends CesOrientation = CesOrientation> {
  orientation: O
  n: number
  sum: number
  sumSq: number
  /** Responses for which {@link isCesLowEffort} holds. */
  lowEffort: number
}

export function aggregateCes<O extends CesOrientation>(
  orientation: O,
  scaleMin: number,
  scaleMax: number,
  scores: readonly number[],
): CesAggregate<O> {
  const agg: CesAggregate<O> = { orientation, n: 0, sum: 0, sumSq: 0, lowEffort: 0 }
  for (const score of scores) {
    if (isCesLowEffort(score, scaleMin, scaleMax, orientation)) agg.lowEffort += 1
    agg.n += 1
    agg.sum += score
    agg.sumSq += score * score
  }
  return agg
}

/**
 * Adds CES rollup states of one orientation (e.g. hourly buckets into a window). The
 * orientation is named up front and every part must match it: by type when it is a literal,
 * and at run time always (throws {@link MetricInputError}).
 */
export function mergeCesAggregates<O extends CesOrientation>(
  orientation: O,
  parts: readonly CesAggregate<NoInfer<O>>[],
): CesAggregate<O> {
  assertOrientation(orientation)
  const total: CesAggregate<O> = { orientation, n: 0, sum: 0, sumSq: 0, lowEffort: 0 }
  for (const part of parts) {
    assertCes(part)
    if (part.orientation !== orientation) {
      throw new MetricInputError(
        `cannot merge CES orientations: ${part.orientation} into ${orientation}`,
      )
    }
    total.n += part.n
    total.sum += part.sum
    total.sumSq += part.sumSq
    total.lowEffort += part.lowEffort
  }
  return total
}

function assertCes(agg: CesAggregate): void {
  assertOrientation(agg.orientation)
  assertPart('lowEffort', agg.lowEffort, 'n', agg.n)
  assertFinite('sum', agg.sum)
  assertNonNegative('sumSq', agg.sumSq)
}

export interface CesComponents {
  orientation: CesOrientation
  /** CES % of the same responses ({@link computeCesPct}). */
  pct: number | null
  lowEffort: number
  sd: number | null
}

/** CES mean on the survey's own scale, with mean ± 1.96 × sd / √n. One orientation only. */
export function computeCes(agg: CesAggregate): MetricResult<CesComponents> {
  assertCes(agg)
  const summary = summarizeSums(agg.n, agg.sum, agg.sumSq)
  const components: CesComponents = {
    orientation: agg.orientation,
    pct: percentOf(agg.lowEffort, agg.n),
    lowEffort: agg.lowEffort,
    sd: summary?.sd ?? null,
  }
  if (summary === null) return { value: null, n: 0, ci95: null, components }
  return { value: summary.mean, n: agg.n, ci95: meanCi95(summary), components }
}

export interface CesPctComponents {
  orientation: CesOrientation
  lowEffort: number
}

/** CES % = low-effort responses / all × 100 (the SPEC gives no interval for it). */
export function computeCesPct(agg: CesAggregate): MetricResult<CesPctComponents> {
  assertCes(agg)
  const value = percentOf(agg.lowEffort, agg.n)
  const components = { orientation: agg.orientation, lowEffort: agg.lowEffort }
  return { value, n: value === null ? 0 : agg.n, ci95: null, components }
}

export interface SurveyResponseRateInput {
  /** Surveys sent in the window (`survey.sent` events). */
  sent: number
  /** Of those, the sends a response answered (same survey_id and customer). */
  responded: number
}

/** Survey response rate % = answered sends / sends in the window × 100; n = sends. */
export function computeSurveyResponseRate(input: SurveyResponseRateInput): MetricResult {
  assertPart('responded', input.responded, 'sent', input.sent)
  const value = percentOf(input.responded, input.sent)
  return { value, n: value === null ? 0 : input.sent }
}
