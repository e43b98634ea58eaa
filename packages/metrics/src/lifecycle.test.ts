import { describe, expect, it } from 'vitest'
import {
  computeChurnRate,
  computeClv,
  computeCrr,
  computeHistoricalClv,
  computeReferralRate,
} from './lifecycle.ts'
import { MetricInputError } from './result.ts'

describe('churn rate', () => {
  it.each([
    [25, 500, 5],
    [20, 250, 8],
  ])('SPEC check: %i of %i → %i %%', (churned, activeAtStart, expected) => {
    const r = computeChurnRate({ activeAtStart, churned, churnedNew: 3 })
    expect(r.value).toBeCloseTo(expected, 10)
    expect(r.n).toBe(activeAtStart)
    expect(r.components).toEqual({ churned, churnedNew: 3 })
  })

  it('S = 0 → null, n = 0, churned_new still reported', () => {
    expect(computeChurnRate({ activeAtStart: 0, churned: 0, churnedNew: 4 })).toEqual({
      value: null,
      n: 0,
      components: { churned: 0, churnedNew: 4 },
    })
  })

  it('rejects more churned than were active', () => {
    expect(() => computeChurnRate({ activeAtStart: 5, churned: 6, churnedNew: 0 })).toThrow(
      MetricInputError,
    )
  })
})

describe('CRR', () => {
  it('SPEC check: S = 200, E = 200, N = 20 → 90 %', () => {
    const r = computeCrr({ activeAtStart: 200, activeAtEnd: 200, becameActive: 20 })
    expect(r.value).toBeCloseTo(90, 10)
    expect(r.n).toBe(200)
    expect(r.components?.retained).toBe(180)
  })

  it('S = 0 → null; E − N > S is impossible', () => {
    expect(computeCrr({ activeAtStart: 0, activeAtEnd: 5, becameActive: 5 })).toMatchObject({
      value: null,
      n: 0,
    })
    expect(() => computeCrr({ activeAtStart: 10, activeAtEnd: 30, becameActive: 5 })).toThrow(
      MetricInputError,
    )
  })
})

describe('CLV', () => {
  // 100 customers, 500 purchases, 25 000 revenue in one year: value 50, frequency 5/year.
  const base = { revenue: 25_000, purchases: 500, purchasingCustomers: 100, periodYears: 1 }

  it('SPEC check: 50 × 5 × 3 = 750 from a configured lifespan', () => {
    const r = computeClv({ ...base, lifespanYears: 3 })
    expect(r.value).toBeCloseTo(750, 8)
    expect(r.n).toBe(100)
    expect(r.components).toEqual({
      averagePurchaseValue: 50,
      purchaseFrequency: 5,
      lifespanYears: 3,
    })
  })

  it('lifespan = 1 / annual churn; a configured lifespan wins', () => {
    expect(computeClv({ ...base, annualChurnRate: 0.25 }).value).toBeCloseTo(1000, 8)
    expect(computeClv({ ...base, annualChurnRate: 0.25, lifespanYears: 3 }).value).toBeCloseTo(
      750,
      8,
    )
  })

  it('frequency is per year: the same purchases over two years halve it', () => {
    const r = computeClv({ ...base, periodYears: 2, lifespanYears: 3 })
    expect(r.components?.purchaseFrequency).toBeCloseTo(2.5, 12)
    expect(r.value).toBeCloseTo(375, 8)
  })

  it('null without purchases or without a lifespan (zero churn)', () => {
    expect(
      computeClv({ revenue: 0, purchases: 0, purchasingCustomers: 0, periodYears: 1 }),
    ).toMatchObject({ value: null, n: 0 })
    const noChurn = computeClv({ ...base, annualChurnRate: 0 })
    expect(noChurn).toMatchObject({ value: null, n: 0 })
    expect(noChurn.components?.averagePurchaseValue).toBe(50)
  })

  it('rejects a non-positive period', () => {
    expect(() => computeClv({ ...base, periodYears: 0, lifespanYears: 3 })).toThrow(
      MetricInputError,
    )
  })

  it('historical CLV = sum of purchases × average gross margin', () => {
    // Four purchases of 300 at 40 % average margin: 1200 × 0.4.
    expect(computeHistoricalClv({ revenue: 1200, purchases: 4, averageGrossMargin: 0.4 })).toEqual({
      value: 480,
      n: 4,
      components: { revenue: 1200, averageGrossMargin: 0.4 },
    })
    // One purchase.
    expect(computeHistoricalClv({ revenue: 80, purchases: 1, averageGrossMargin: 0.25 })).toEqual({
      value: 20,
      n: 1,
      components: { revenue: 80, averageGrossMargin: 0.25 },
    })
    // A margin of 0 is a known zero, not missing.
    expect(
      computeHistoricalClv({ revenue: 80, purchases: 1, averageGrossMargin: 0 }),
    ).toMatchObject({ value: 0, n: 1 })
  })

  it('historical CLV is null with n = 0 without purchases or without any margin', () => {
    expect(computeHistoricalClv({ revenue: 0, purchases: 0, averageGrossMargin: null })).toEqual({
      value: null,
      n: 0,
      components: { revenue: 0, averageGrossMargin: null },
    })
    expect(computeHistoricalClv({ revenue: 500, purchases: 2, averageGrossMargin: null })).toEqual({
      value: null,
      n: 0,
      components: { revenue: 500, averageGrossMargin: null },
    })
  })

  it('historical CLV refuses inconsistent input', () => {
    for (const averageGrossMargin of [1.2, -0.1, Number.NaN]) {
      expect(() => computeHistoricalClv({ revenue: 10, purchases: 1, averageGrossMargin })).toThrow(
        MetricInputError,
      )
    }
    expect(() =>
      computeHistoricalClv({ revenue: 10, purchases: 0, averageGrossMargin: 0.5 }),
    ).toThrow(MetricInputError)
    expect(() =>
      computeHistoricalClv({ revenue: -1, purchases: 1, averageGrossMargin: 0.5 }),
    ).toThrow(MetricInputError)
  })
})

describe('referral rate', () => {
  it('referrers / active × 100', () => {
    expect(computeReferralRate({ referrers: 12, activeCustomers: 400 })).toEqual({
      value: 3,
      n: 400,
    })
    expect(computeReferralRate({ referrers: 0, activeCustomers: 0 })).toEqual({
      value: null,
      n: 0,
    })
  })
})
