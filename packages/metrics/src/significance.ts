import { MetricInputError, assertPart } from './result.ts'
import { npsStandardError, type NpsAggregate } from './survey.ts'
import { normalCdf, studentTCdf, studentTTail, type SampleSummary } from './stats.ts'

/**
 * Outcome of comparing a current window against a baseline. Every test puts the current
 * window first, so `statistic < 0` means the current value is lower.
 * - `pValue` is one-sided for a DROP: P(statistic <= observed) under "no difference". For a
 *   metric where a rise is bad (CES mean on an effort scale), swap the arguments.
 * - `pValueTwoSided` = P(|statistic| >= |observed|).
 * A zero standard error with a non-zero difference gives statistic ±Infinity and p-values of
 * 0 or 1; with no difference it gives statistic 0.
 */
export interface SignificanceResult {
  statistic: number
  pValue: number
  pValueTwoSided: number
  /** current − baseline, in the metric's unit (percentage points, NPS points, scale points). */
  difference: number
  /** Degrees of freedom, for t tests. */
  df?: number
}

function ratio(difference: number, se: number): number {
  if (se > 0) return difference / se
  return difference === 0 ? 0 : difference * Infinity
}

function normalTest(difference: number, se: number): SignificanceResult {
  const statistic = ratio(difference, se)
  return {
    statistic,
    pValue: normalCdf(statistic),
    pValueTwoSided: Math.min(1, 2 * normalCdf(-Math.abs(statistic))),
    difference,
  }
}

export interface ProportionSample {
  n: number
  successes: number
}

/**
 * Pooled two-proportion z-test (CSAT %, CES %): z = (p₁ − p₂) / √(p(1 − p)(1/n₁ + 1/n₂)) with
 * p the pooled proportion. `difference` is in percentage points. Null if either n is 0.
 *
 * `continuityCorrection` (Yates) shrinks |p₁ − p₂| by ½(1/n₁ + 1/n₂) before dividing, which
 * keeps the test at or under its nominal level for small samples and skewed proportions
 * (CSAT near 80 % with a few dozen responses), where the plain normal approximation fires
 * too often. `difference` stays the observed one.
 */
export function twoProportionZTest(
  current: ProportionSample,
  baseline: ProportionSample,
  options: { continuityCorrection?: boolean } = {},
): SignificanceResult | null {
  assertPart('current.successes', current.successes, 'current.n', current.n)
  assertPart('baseline.successes', baseline.successes, 'baseline.n', baseline.n)
  if (current.n === 0 || baseline.n === 0) return null
  const p1 = current.successes / current.n
  const p2 = baseline.successes / baseline.n
  const pooled = (current.successes + baseline.successes) / (current.n + baseline.n)
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / current.n + 1 / baseline.n))
  // Scale numerator and SE alike so the statistic is unchanged and difference is in points.
  if (!options.continuityCorrection) return normalTest((p1 - p2) * 100, se * 100)
  const shrink = 0.5 * (1 / current.n + 1 / baseline.n)
  const corrected = Math.sign(p1 - p2) * Math.max(0, Math.abs(p1 - p2) - shrink)
  return { ...normalTest(corrected * 100, se * 100), difference: (p1 - p2) * 100 }
}

/**
 * Difference of two NPS: z = (NPS₁ − NPS₂) / √(SE₁² + SE₂²), each SE from its own sample's
 * trinomial variance ({@link npsStandardError}). Null if either sample is empty.
 */
export function npsDifferenceTest(
  current: NpsAggregate,
  baseline: NpsAggregate,
): SignificanceResult | null {
  const se1 = npsStandardError(current)
  const se2 = npsStandardError(baseline)
  if (se1 === null || se2 === null) return null
  const nps = (a: NpsAggregate) => ((a.promoters - a.detractors) / a.n) * 100
  return normalTest(nps(current) - nps(baseline), Math.sqrt(se1 * se1 + se2 * se2))
}

function assertMeanSample(name: string, s: SampleSummary): void {
  if (!Number.isInteger(s.n) || s.n < 0) {
    throw new MetricInputError(`${name}.n must be a non-negative integer, got ${s.n}`)
  }
  if (!Number.isFinite(s.mean)) throw new MetricInputError(`${name}.mean must be finite`)
  if (s.sd !== null && !(s.sd >= 0 && Number.isFinite(s.sd))) {
    throw new MetricInputError(`${name}.sd must be a finite number >= 0, got ${s.sd}`)
  }
}

/**
 * Welch's t-test on two means from (n, mean, sample sd), e.g. {@link summarizeSums} of CES
 * rollups. df by Welch–Satterthwaite (fractional); p-values from Student's t. When both sds
 * are 0 the df formula is 0/0 and df falls back to n₁ + n₂ − 2. Null if either sample has
 * fewer than 2 observations (no sd).
 */
export function welchTTest(
  current: SampleSummary,
  baseline: SampleSummary,
): SignificanceResult | null {
  assertMeanSample('current', current)
  assertMeanSample('baseline', baseline)
  if (current.n < 2 || baseline.n < 2 || current.sd === null || baseline.sd === null) return null
  const v1 = (current.sd * current.sd) / current.n
  const v2 = (baseline.sd * baseline.sd) / baseline.n
  const se = Math.sqrt(v1 + v2)
  const df =
    se > 0
      ? (v1 + v2) ** 2 / ((v1 * v1) / (current.n - 1) + (v2 * v2) / (baseline.n - 1))
      : current.n + baseline.n - 2
  const difference = current.mean - baseline.mean
  const statistic = ratio(difference, se)
  return {
    statistic,
    pValue: studentTCdf(statistic, df),
    pValueTwoSided: Math.min(1, 2 * studentTTail(statistic, df)),
    difference,
    df,
  }
}
