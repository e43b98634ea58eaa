import {
  EMPTY_SURVEY_SUMS,
  computeSurveyMetric,
  npsDifferenceTest,
  summarizeSums,
  twoProportionZTest,
  welchTTest,
  type SignificanceResult,
  type SurveySums,
} from '@cxpulse/metrics'
import type { AlertRule } from './rule.schema.ts'

/** Survey sums of one window (and one group), as the rollups hold them. */
export type WindowCounts = SurveySums

export interface WindowFigures {
  value: number | null
  n: number
  ci95: [number, number] | null
}

/** One rule (or one fan-out group) compared across its two windows. */
export interface Comparison {
  current: WindowFigures
  baseline: WindowFigures
  /** How far the metric moved in the bad direction (positive = worse), in the metric's points. */
  drop: number | null
  /** One-sided p-value for a move in the bad direction; null when not testable. */
  pValue: number | null
  /** Both windows reached the rule's minimum sample. */
  enoughData: boolean
}

function figures(rule: AlertRule, c: WindowCounts): WindowFigures {
  const r = computeSurveyMetric(rule.metric, c, rule.orientation)
  const ci = r.ci95 ? ([r.ci95[0], r.ci95[1]] as [number, number]) : null
  return { value: r.value, n: r.n, ci95: ci }
}

/**
 * Alerts run the z-test with Yates' continuity correction: the noise study (noise.test.ts)
 * measured the plain test firing on 5.1 % of no-change windows at α = 5 % with 20–60
 * responses, and 7.7 % with a six-way fan-out.
 */
const CONTINUITY = { continuityCorrection: true }

/** The SPEC's test per metric, arranged so `statistic < 0` always means "worse now". */
function test(rule: AlertRule, cur: WindowCounts, base: WindowCounts): SignificanceResult | null {
  switch (rule.metric) {
    case 'csat':
      return twoProportionZTest(
        { n: cur.n, successes: cur.positive },
        { n: base.n, successes: base.positive },
        CONTINUITY,
      )
    case 'ces_pct':
      return twoProportionZTest(
        { n: cur.n, successes: cur.low_effort },
        { n: base.n, successes: base.low_effort },
        CONTINUITY,
      )
    case 'nps':
      return npsDifferenceTest(
        { n: cur.n, promoters: cur.promoters, passives: cur.passives, detractors: cur.detractors },
        {
          n: base.n,
          promoters: base.promoters,
          passives: base.passives,
          detractors: base.detractors,
        },
      )
    case 'ces': {
      const a = summarizeSums(cur.n, cur.score_sum, cur.score_sum_sq)
      const b = summarizeSums(base.n, base.score_sum, base.score_sum_sq)
      if (!a || !b) return null
      // On an effort scale a higher mean is worse: test baseline against current.
      return rule.orientation === 'effort' ? welchTTest(b, a) : welchTTest(a, b)
    }
  }
}

export function compareWindows(
  rule: AlertRule,
  current: WindowCounts,
  baseline: WindowCounts,
): Comparison {
  const enoughData = current.n >= rule.min_n && baseline.n >= rule.min_n
  const t = enoughData ? test(rule, current, baseline) : null
  return {
    current: figures(rule, current),
    baseline: figures(rule, baseline),
    drop: t ? -t.difference : null,
    pValue: t ? t.pValue : null,
    enoughData,
  }
}

/**
 * Holm's step-down adjustment: controls the family-wise error rate at α over all groups a
 * fan-out rule tests, uniformly more powerful than Bonferroni. Untested groups (null) stay null.
 */
export function holmAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const tested = pValues
    .map((p, i) => ({ p, i }))
    .filter((x): x is { p: number; i: number } => x.p !== null)
    .sort((a, b) => a.p - b.p)
  const m = tested.length
  const out: (number | null)[] = pValues.map(() => null)
  let running = 0
  tested.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p))
    out[i] = running
  })
  return out
}

export type AlertState = 'ok' | 'firing'
export type Decision = 'fire' | 'resolve' | 'stay'

/**
 * Fires when the drop is at least the minimum AND significant at α (p already adjusted for
 * fan-out) with both windows at the minimum sample. A firing alert resolves only once the
 * evidence is clearly gone — drop below half the minimum, or p above 2α, or too little data —
 * so an alert hovering at the threshold does not flap.
 */
export function decide(
  state: AlertState,
  c: Comparison,
  adjustedP: number | null,
  rule: AlertRule,
): Decision {
  const significantAt = (alpha: number) =>
    c.enoughData && adjustedP !== null && adjustedP <= alpha && c.drop !== null
  if (state === 'ok') {
    return significantAt(rule.significance) && (c.drop ?? 0) >= rule.min_drop ? 'fire' : 'stay'
  }
  const stillBad =
    significantAt(Math.min(0.5, 2 * rule.significance)) && (c.drop ?? 0) >= rule.min_drop / 2
  return stillBad ? 'stay' : 'resolve'
}

/** One group of one rule evaluated: its comparison, adjusted p and what to do. */
export interface GroupEvaluation {
  group: string | null
  comparison: Comparison
  adjustedP: number | null
  decision: Decision
}

/**
 * Evaluates a rule over its groups (one group, key null, without fan-out). `states` holds
 * which groups are firing now; groups absent from `counts` count as empty windows.
 */
export function evaluateRule(
  rule: AlertRule,
  counts: ReadonlyMap<string | null, { current: WindowCounts; baseline: WindowCounts }>,
  firing: ReadonlySet<string | null>,
): GroupEvaluation[] {
  const groups = [...new Set([...counts.keys(), ...firing])]
  const comparisons = groups.map((g) => {
    const c = counts.get(g)
    return compareWindows(rule, c?.current ?? EMPTY_SURVEY_SUMS, c?.baseline ?? EMPTY_SURVEY_SUMS)
  })
  const adjusted = holmAdjust(comparisons.map((c) => c.pValue))
  return groups.map((group, i) => {
    const comparison = comparisons[i]!
    const adjustedP = adjusted[i] ?? null
    const state: AlertState = firing.has(group) ? 'firing' : 'ok'
    return { group, comparison, adjustedP, decision: decide(state, comparison, adjustedP, rule) }
  })
}
