import { describe, expect, it } from 'vitest'
import { MetricInputError } from './result.ts'
import {
  aggregateCes,
  aggregateCsat,
  aggregateNps,
  computeCes,
  computeCesPct,
  computeCsat,
  computeCsatMean,
  computeNps,
  computeSurveyResponseRate,
  csatPositiveMin,
  isCesLowEffort,
  isCsatPositive,
  mergeCesAggregates,
  normalizeScore,
  npsCategory,
  type CesAggregate,
  type CesOrientation,
} from './survey.ts'

/** A CSAT rollup with `positive` of `n` and the normalised sums left at zero. */
const csatCounts = (positive: number, n: number) => ({ n, positive, normSum: 0, normSumSq: 0 })

const npsOf = (promoters: number, passives: number, detractors: number) => ({
  n: promoters + passives + detractors,
  promoters,
  passives,
  detractors,
})

describe('CSAT', () => {
  it.each([
    [30, 50, 60],
    [160, 200, 80],
    [400, 500, 80],
  ])('SPEC check: %i positive of %i → %i %%', (positive, n, expected) => {
    const result = computeCsat(csatCounts(positive, n))
    expect(result.value).toBeCloseTo(expected, 10)
    expect(result.n).toBe(n)
    expect(result.components?.positive).toBe(positive)
  })

  it('gives the Wilson interval computed by hand for 30 of 50', () => {
    // p = 0.6, z² = 3.8416: centre = (0.6 + 0.038416) / 1.076832 = 0.592860…,
    // half = 1.96 / 1.076832 × √(0.24/50 + 3.8416/10000) = 0.131053…
    const [lo, hi] = computeCsat(csatCounts(30, 50)).ci95!
    expect(lo).toBeCloseTo(46.1812, 3)
    expect(hi).toBeCloseTo(72.3918, 3)
  })

  it('returns null with n = 0 over an empty window, never 0 or NaN', () => {
    const result = computeCsat(csatCounts(0, 0))
    expect(result).toEqual({
      value: null,
      n: 0,
      ci95: null,
      components: { positive: 0, mean: null, meanCi95: null },
    })
    expect(computeCsatMean(csatCounts(0, 0))).toMatchObject({ value: null, n: 0, ci95: null })
  })

  it('handles one response: Wilson still bounded, no mean interval without a sd', () => {
    const result = computeCsat(aggregateCsat([{ score: 5, scaleMin: 1, scaleMax: 5 }]))
    expect(result.value).toBe(100)
    expect(result.n).toBe(1)
    expect(result.ci95![0]).toBeCloseTo(20.6543, 3)
    expect(result.ci95![1]).toBe(100)
    expect(result.components?.mean).toBe(100)
    expect(result.components?.meanCi95).toBeNull()
  })

  it('uses top-two-box per scale, or the survey’s positive_min', () => {
    expect(csatPositiveMin(1, 5)).toBe(4)
    expect(csatPositiveMin(1, 7)).toBe(6)
    expect(csatPositiveMin(1, 10)).toBe(9)
    expect(isCsatPositive(4, 1, 5)).toBe(true)
    expect(isCsatPositive(3, 1, 5)).toBe(false)
    expect(isCsatPositive(8, 1, 10)).toBe(false)
    expect(isCsatPositive(9, 1, 10)).toBe(true)
    expect(isCsatPositive(3, 1, 5, 3)).toBe(true)
    expect(isCsatPositive(8, 1, 10, 7)).toBe(true)
  })

  it('rejects scores outside their scale and bad positive_min', () => {
    expect(() => isCsatPositive(6, 1, 5)).toThrow(MetricInputError)
    expect(() => isCsatPositive(0, 1, 5)).toThrow(MetricInputError)
    expect(() => isCsatPositive(4.5, 1, 5)).toThrow(MetricInputError)
    expect(() => isCsatPositive(4, 5, 1)).toThrow(MetricInputError)
    expect(() => csatPositiveMin(1, 5, 6)).toThrow(MetricInputError)
  })

  it('normalises mixed 1–5 and 1–10 scales into one 0–100 mean', () => {
    expect(normalizeScore(4, 1, 5)).toBe(75)
    expect(normalizeScore(10, 1, 10)).toBe(100)
    expect(normalizeScore(1, 1, 10)).toBe(0)
    const agg = aggregateCsat([
      { score: 5, scaleMin: 1, scaleMax: 5 }, // 100, positive
      { score: 4, scaleMin: 1, scaleMax: 5 }, // 75, positive
      { score: 10, scaleMin: 1, scaleMax: 10 }, // 100, positive
      { score: 8, scaleMin: 1, scaleMax: 10 }, // 77.8, not positive on 1–10
      { score: 1, scaleMin: 1, scaleMax: 10 }, // 0
    ])
    expect(agg.positive).toBe(3)
    const result = computeCsat(agg)
    expect(result.value).toBeCloseTo(60, 10)
    // Normalised 100, 75, 100, 77.78, 0: mean 70.5556, sample sd 41.1824 (numpy, ddof=1).
    expect(result.components?.mean).toBeCloseTo(70.5556, 3)
    const mean = computeCsatMean(agg)
    expect(mean.components?.sd).toBeCloseTo(41.1824, 3)
    // 70.5556 ± 1.96 × 41.1824 / √5 = [34.4576, 106.6535], clamped to the 0–100 range.
    expect(result.components!.meanCi95![0]).toBeCloseTo(34.4576, 3)
    expect(result.components!.meanCi95![1]).toBe(100)
  })

  it('rejects an inconsistent rollup', () => {
    expect(() => computeCsat(csatCounts(51, 50))).toThrow(MetricInputError)
    expect(() => computeCsat({ n: 2, positive: 1, normSum: -1, normSumSq: 0 })).toThrow(
      MetricInputError,
    )
  })
})

describe('NPS', () => {
  it('categorises 0–10 scores', () => {
    expect([0, 6, 7, 8, 9, 10].map(npsCategory)).toEqual([
      'detractor',
      'detractor',
      'passive',
      'passive',
      'promoter',
      'promoter',
    ])
    expect(() => npsCategory(11)).toThrow(MetricInputError)
    expect(() => npsCategory(-1)).toThrow(MetricInputError)
  })

  it('SPEC checks: 70 % / 10 % → 60 and 60 % / 20 % → 40', () => {
    const a = computeNps(npsOf(70, 20, 10))
    expect(a.value).toBeCloseTo(60, 10)
    expect(a.components).toMatchObject({ promotersPct: 70, passivesPct: 20, detractorsPct: 10 })
    expect(computeNps(npsOf(120, 40, 40)).value).toBeCloseTo(40, 10)
  })

  it('gives the trinomial CI computed by hand', () => {
    // 70/20/10 of 100: variance = 0.7 + 0.1 − 0.6² = 0.44, SE = 100 × √(0.44/100) = 6.63325
    const result = computeNps(npsOf(70, 20, 10))
    expect(result.components?.se).toBeCloseTo(6.63325, 4)
    expect(result.ci95![0]).toBeCloseTo(60 - 1.96 * 6.63325, 3)
    expect(result.ci95![1]).toBeCloseTo(60 + 1.96 * 6.63325, 3)
    expect(result.ci95![0]).toBeCloseTo(46.9988, 3)
  })

  it('all promoters: 100 with a zero-width interval inside the range, no NaN', () => {
    const result = computeNps(aggregateNps([9, 10, 10, 9]))
    expect(result.value).toBe(100)
    expect(result.n).toBe(4)
    expect(result.ci95).toEqual([100, 100])
    expect(result.components?.se).toBe(0)
  })

  it('clamps the interval to [−100, 100]', () => {
    // 9 promoters, 1 detractor: 80 ± 1.96 × 100 × √(0.36/10) would reach 117.
    const result = computeNps(npsOf(9, 0, 1))
    expect(result.value).toBeCloseTo(80, 10)
    expect(result.ci95![1]).toBe(100)
    expect(result.ci95![0]).toBeCloseTo(80 - 1.96 * 100 * Math.sqrt(0.036), 8)
  })

  it('one response', () => {
    const result = computeNps(aggregateNps([3]))
    expect(result).toMatchObject({ value: -100, n: 1, ci95: [-100, -100] })
  })

  it('empty window → null, n = 0', () => {
    expect(computeNps(npsOf(0, 0, 0))).toEqual({
      value: null,
      n: 0,
      ci95: null,
      components: { promotersPct: null, passivesPct: null, detractorsPct: null, se: null },
    })
  })

  it('rejects categories that do not add up to n', () => {
    expect(() => computeNps({ n: 10, promoters: 5, passives: 2, detractors: 2 })).toThrow(
      MetricInputError,
    )
  })
})

describe('CES', () => {
  it('low effort on 1–7 is exactly the SPEC rule', () => {
    const scores = [1, 2, 3, 4, 5, 6, 7]
    expect(scores.filter((s) => isCesLowEffort(s, 1, 7, 'agreement'))).toEqual([5, 6, 7])
    expect(scores.filter((s) => isCesLowEffort(s, 1, 7, 'effort'))).toEqual([1, 2, 3])
  })

  it.each([
    [1, 5, [4, 5], [1, 2]],
    [1, 10, [7, 8, 9, 10], [1, 2, 3, 4]],
    [0, 10, [7, 8, 9, 10], [0, 1, 2, 3]],
  ])('scales proportionally on %i–%i', (min, max, agreement, effort) => {
    const scores = Array.from({ length: max - min + 1 }, (_, i) => min + i)
    expect(scores.filter((s) => isCesLowEffort(s, min, max, 'agreement'))).toEqual(agreement)
    expect(scores.filter((s) => isCesLowEffort(s, min, max, 'effort'))).toEqual(effort)
  })

  it('agreement and effort rules mirror each other on every scale', () => {
    for (const [min, max] of [
      [1, 3],
      [1, 4],
      [1, 5],
      [1, 7],
      [0, 10],
      [1, 10],
      [1, 100],
    ] as const) {
      for (let s = min; s <= max; s++) {
        expect(isCesLowEffort(s, min, max, 'effort')).toBe(
          isCesLowEffort(min + max - s, min, max, 'agreement'),
        )
      }
    }
  })

  it('SPEC check: 300 low-effort of 500 → 60 %', () => {
    const agg: CesAggregate = { orientation: 'agreement', n: 500, sum: 0, sumSq: 0, lowEffort: 300 }
    expect(computeCesPct(agg)).toMatchObject({ value: 60, n: 500, ci95: null })
  })

  it('mean on the survey scale with mean ± 1.96 × sd / √n', () => {
    const scores = [7, 6, 5, 5, 3, 2]
    const result = computeCes(aggregateCes('agreement', 1, 7, scores))
    const mean = 28 / 6
    const sd = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / 5)
    expect(result.value).toBeCloseTo(mean, 10)
    expect(result.n).toBe(6)
    expect(result.ci95![0]).toBeCloseTo(mean - (1.96 * sd) / Math.sqrt(6), 10)
    expect(result.ci95![1]).toBeCloseTo(mean + (1.96 * sd) / Math.sqrt(6), 10)
    expect(result.components).toMatchObject({ orientation: 'agreement', lowEffort: 4 })
    expect(result.components?.pct).toBeCloseTo((4 / 6) * 100, 10)
  })

  it('constant sample: sd 0, not NaN from float rounding', () => {
    const result = computeCes(aggregateCes('effort', 1, 7, [3, 3, 3]))
    expect(result.components?.sd).toBe(0)
    expect(result.ci95).toEqual([3, 3])
  })

  it('empty window and one response', () => {
    expect(computeCes(aggregateCes('effort', 1, 7, []))).toMatchObject({
      value: null,
      n: 0,
      ci95: null,
    })
    expect(computeCesPct(aggregateCes('effort', 1, 7, []))).toMatchObject({ value: null, n: 0 })
    expect(computeCes(aggregateCes('effort', 1, 7, [2]))).toMatchObject({
      value: 2,
      n: 1,
      ci95: null,
    })
  })

  it('never mixes orientations: merge refuses a different orientation', () => {
    const agreement = aggregateCes('agreement', 1, 7, [6, 7])
    const effort = aggregateCes('effort', 1, 7, [2, 3])
    const merged = mergeCesAggregates('agreement', [
      agreement,
      aggregateCes('agreement', 1, 7, [1]),
    ])
    expect(merged).toEqual({ orientation: 'agreement', n: 3, sum: 14, sumSq: 86, lowEffort: 2 })
    // @ts-expect-error an effort aggregate cannot join an agreement merge
    expect(() => mergeCesAggregates('agreement', [agreement, effort])).toThrow(MetricInputError)
    // Orientation only known at run time: the type allows it, the check still refuses.
    const orientation = 'agreement' as CesOrientation
    expect(() => mergeCesAggregates(orientation, [agreement, effort])).toThrow(/orientations/)
  })

  it('rejects an unknown orientation from untyped callers', () => {
    const bad = { orientation: 'mixed', n: 1, sum: 3, sumSq: 9, lowEffort: 0 }
    expect(() => computeCes(bad as unknown as CesAggregate)).toThrow(MetricInputError)
  })
})

describe('survey response rate', () => {
  it('answered sends / sends × 100', () => {
    // 1,000 surveys sent, 250 answered → 25 %.
    expect(computeSurveyResponseRate({ sent: 1000, responded: 250 })).toEqual({
      value: 25,
      n: 1000,
    })
    expect(computeSurveyResponseRate({ sent: 1, responded: 1 })).toEqual({ value: 100, n: 1 })
    expect(computeSurveyResponseRate({ sent: 0, responded: 0 })).toEqual({ value: null, n: 0 })
    expect(() => computeSurveyResponseRate({ sent: 1, responded: 2 })).toThrow(MetricInputError)
  })
})
