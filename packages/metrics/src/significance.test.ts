import { describe, expect, it } from 'vitest'
import { npsDifferenceTest, twoProportionZTest, welchTTest } from './significance.ts'

// Reference values from scipy.stats (norm.cdf, ttest_ind_from_stats with equal_var=False).
describe('twoProportionZTest', () => {
  it('pooled z for a CSAT drop 85 % → 75 %', () => {
    const r = twoProportionZTest({ n: 200, successes: 150 }, { n: 400, successes: 340 })!
    expect(r.statistic).toBeCloseTo(-2.984188387811962, 10)
    expect(r.pValue).toBeCloseTo(0.0014216582579520771, 12)
    expect(r.pValueTwoSided).toBeCloseTo(0.0028433165159041543, 12)
    expect(r.difference).toBeCloseTo(-10, 10)
  })

  it('a rise has a one-sided drop p-value near 1', () => {
    const r = twoProportionZTest({ n: 400, successes: 340 }, { n: 200, successes: 150 })!
    expect(r.statistic).toBeCloseTo(2.984188387811962, 10)
    expect(r.pValue).toBeCloseTo(1 - 0.0014216582579520771, 12)
  })

  it('45 % vs 60 % of 100 each: significant one-sided at 5 %, two-sided at 5 %', () => {
    const r = twoProportionZTest({ n: 100, successes: 45 }, { n: 100, successes: 60 })!
    expect(r.statistic).toBeCloseTo(-2.1239769762143657, 10)
    expect(r.pValue).toBeCloseTo(0.016836034428172927, 12)
    expect(r.pValueTwoSided).toBeCloseTo(0.033672068856345855, 12)
  })

  it('null for an empty window; no NaN when both samples are all-positive', () => {
    expect(twoProportionZTest({ n: 0, successes: 0 }, { n: 10, successes: 5 })).toBeNull()
    const same = twoProportionZTest({ n: 10, successes: 10 }, { n: 20, successes: 20 })!
    expect(same).toMatchObject({ statistic: 0, pValue: 0.5, pValueTwoSided: 1, difference: 0 })
  })
})

describe('npsDifferenceTest', () => {
  it('z from each sample’s trinomial SE', () => {
    // current 40/30/30 of 100 (NPS 10); baseline 120/50/30 of 200 (NPS 45).
    const r = npsDifferenceTest(
      { n: 100, promoters: 40, passives: 30, detractors: 30 },
      { n: 200, promoters: 120, passives: 50, detractors: 30 },
    )!
    expect(r.difference).toBeCloseTo(-35, 10)
    expect(r.statistic).toBeCloseTo(-3.5652160158885353, 10)
    expect(r.pValue).toBeCloseTo(0.00018177831371934535, 12)
    expect(r.pValueTwoSided).toBeCloseTo(0.0003635566274386907, 12)
  })

  it('zero variance on both sides with a real drop is maximally significant, not NaN', () => {
    const r = npsDifferenceTest(
      { n: 50, promoters: 0, passives: 0, detractors: 50 },
      { n: 50, promoters: 50, passives: 0, detractors: 0 },
    )!
    expect(r.statistic).toBe(-Infinity)
    expect(r.pValue).toBe(0)
    expect(r.pValueTwoSided).toBe(0)
  })

  it('null when a window is empty', () => {
    const empty = { n: 0, promoters: 0, passives: 0, detractors: 0 }
    expect(npsDifferenceTest(empty, { n: 1, promoters: 1, passives: 0, detractors: 0 })).toBeNull()
  })
})

describe('welchTTest', () => {
  it('matches scipy for unequal variances and sizes', () => {
    const r = welchTTest({ n: 40, mean: 4.2, sd: 1.1 }, { n: 60, mean: 4.8, sd: 1.3 })!
    expect(r.statistic).toBeCloseTo(-2.4824634582775436, 10)
    expect(r.df).toBeCloseTo(92.45495898694728, 8)
    expect(r.pValue).toBeCloseTo(0.007426044480949355, 10)
    expect(r.pValueTwoSided).toBeCloseTo(0.01485208896189871, 10)
    expect(r.difference).toBeCloseTo(-0.6, 12)
  })

  it('uses the t distribution, not the normal, for small samples', () => {
    // Equal n = 3 and equal sd: df = 4; t = −2.776 is the two-sided 5 % point of t(4).
    const sd = 1
    const t = -2.7764451051977987
    const diff = t * Math.sqrt((2 * sd * sd) / 3)
    const r = welchTTest({ n: 3, mean: 10 + diff, sd }, { n: 3, mean: 10, sd })!
    expect(r.df).toBeCloseTo(4, 10)
    expect(r.pValueTwoSided).toBeCloseTo(0.05, 8)
    expect(r.pValue).toBeCloseTo(0.025, 8)
  })

  it('null without a sd; zero-sd samples fall back to pooled df', () => {
    expect(welchTTest({ n: 1, mean: 3, sd: null }, { n: 10, mean: 4, sd: 1 })).toBeNull()
    const r = welchTTest({ n: 5, mean: 3, sd: 0 }, { n: 7, mean: 3, sd: 0 })!
    expect(r).toMatchObject({ statistic: 0, pValue: 0.5, pValueTwoSided: 1, df: 10 })
  })
})

describe('two-proportion z-test with continuity correction', () => {
  it('shrinks |p1 − p2| by ½(1/n1 + 1/n2) and keeps the observed difference', () => {
    // 20/30 vs 800/1000: plain z = −1.79 (p ≈ 0.037); corrected |diff| = 0.1333 − 0.01717
    const plain = twoProportionZTest({ n: 30, successes: 20 }, { n: 1000, successes: 800 })!
    const yates = twoProportionZTest(
      { n: 30, successes: 20 },
      { n: 1000, successes: 800 },
      { continuityCorrection: true },
    )!
    const pooled = 820 / 1030
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / 30 + 1 / 1000))
    expect(plain.statistic).toBeCloseTo((20 / 30 - 0.8) / se, 10)
    expect(yates.statistic).toBeCloseTo(-(0.8 - 20 / 30 - 0.5 * (1 / 30 + 1 / 1000)) / se, 10)
    expect(yates.difference).toBeCloseTo(plain.difference, 12)
    expect(yates.pValue).toBeGreaterThan(plain.pValue)
    // A difference smaller than the correction tests as no difference at all.
    const tiny = twoProportionZTest(
      { n: 10, successes: 8 },
      { n: 10, successes: 8 },
      { continuityCorrection: true },
    )!
    expect(tiny.statistic).toBe(0)
  })
})
