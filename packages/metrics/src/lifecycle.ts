import {
  MetricInputError,
  assertCount,
  assertNonNegative,
  assertPart,
  percentOf,
  type MetricResult,
} from './result.ts'

export interface ChurnInput {
  /** S: customers active at `from`. */
  activeAtStart: number
  /** Customers of S whose state became churned in [from, to), each counted once. */
  churned: number
  /** Customers who both joined and churned inside the window; reported, not in the rate. */
  churnedNew: number
}

export interface ChurnComponents {
  churned: number
  churnedNew: number
}

/** Churn % = churned / S × 100; n = S. */
export function computeChurnRate(input: ChurnInput): MetricResult<ChurnComponents> {
  assertPart('churned', input.churned, 'activeAtStart', input.activeAtStart)
  assertCount('churnedNew', input.churnedNew)
  const value = percentOf(input.churned, input.activeAtStart)
  // churnedNew stays visible even when S = 0 (a brand-new tenant can still lose customers).
  const components = { churned: input.churned, churnedNew: input.churnedNew }
  return { value, n: value === null ? 0 : input.activeAtStart, components }
}

export interface CrrInput {
  /** S: active at `from`. */
  activeAtStart: number
  /** E: active at `to`. */
  activeAtEnd: number
  /** N: became active during the window without being active at `from`. */
  becameActive: number
}

export interface CrrComponents {
  /** E − N. */
  retained: number
}

/**
 * CRR % = (E − N) / S × 100; n = S. E − N > S cannot come from consistent data and throws.
 * E − N can go below 0 when many newcomers churn again inside the window; the SPEC's formula
 * then gives a negative rate, which is returned as is.
 */
export function computeCrr(input: CrrInput): MetricResult<CrrComponents> {
  assertCount('activeAtStart', input.activeAtStart)
  assertCount('activeAtEnd', input.activeAtEnd)
  assertCount('becameActive', input.becameActive)
  const retained = input.activeAtEnd - input.becameActive
  if (retained > input.activeAtStart) {
    throw new MetricInputError(
      `activeAtEnd − becameActive (${retained}) cannot exceed activeAtStart (${input.activeAtStart})`,
    )
  }
  const value = percentOf(retained, input.activeAtStart)
  return { value, n: value === null ? 0 : input.activeAtStart, components: { retained } }
}

/**
 * Purchases of ONE currency, in major units: amounts are never summed across currencies, so
 * the caller makes one call per currency.
 */
export interface ClvInput {
  revenue: number
  purchases: number
  /** Distinct customers with at least one purchase in the period. */
  purchasingCustomers: number
  /** Length of the observed period in years, to turn frequency into purchases per year. */
  periodYears: number
  /** Lifespan = 1 / annual churn rate (a fraction, 0.2 = 20 %/year) … */
  annualChurnRate?: number | undefined
  /** … unless a configured lifespan is given, which wins. */
  lifespanYears?: number | undefined
}

export interface ClvComponents {
  averagePurchaseValue: number | null
  /** Purchases per purchasing customer per year. */
  purchaseFrequency: number | null
  lifespanYears: number | null
}

function lifespanOf(input: ClvInput): number | null {
  if (input.lifespanYears !== undefined) {
    assertNonNegative('lifespanYears', input.lifespanYears)
    return input.lifespanYears
  }
  if (input.annualChurnRate === undefined) return null
  assertNonNegative('annualChurnRate', input.annualChurnRate)
  // No churn means no finite lifespan: leave CLV unknown rather than infinite.
  return input.annualChurnRate === 0 ? null : 1 / input.annualChurnRate
}

/**
 * CLV = average purchase value × purchase frequency (per year) × average lifespan (years);
 * n = purchasing customers. Null without purchases or without a lifespan.
 */
export function computeClv(input: ClvInput): MetricResult<ClvComponents> {
  assertNonNegative('revenue', input.revenue)
  assertPart('purchasingCustomers', input.purchasingCustomers, 'purchases', input.purchases)
  if (!(input.periodYears > 0) || !Number.isFinite(input.periodYears)) {
    throw new MetricInputError(`periodYears must be > 0, got ${input.periodYears}`)
  }
  if (input.purchases > 0 && input.purchasingCustomers === 0) {
    throw new MetricInputError('purchases without any purchasing customer')
  }
  const lifespanYears = lifespanOf(input)
  if (input.purchases === 0) {
    const components = { averagePurchaseValue: null, purchaseFrequency: null, lifespanYears }
    return { value: null, n: 0, components }
  }
  const averagePurchaseValue = input.revenue / input.purchases
  const purchaseFrequency = input.purchases / input.purchasingCustomers / input.periodYears
  const components = { averagePurchaseValue, purchaseFrequency, lifespanYears }
  const value =
    lifespanYears === null ? null : averagePurchaseValue * purchaseFrequency * lifespanYears
  return { value, n: value === null ? 0 : input.purchasingCustomers, components }
}

/** One customer's purchases in ONE currency, major units. */
export interface HistoricalClvInput {
  /** Sum of the customer's purchase amounts (all of them, with or without a margin). */
  revenue: number
  purchases: number
  /**
   * Average gross margin as a fraction (0.4 = 40 %): the plain mean over the purchases that
   * carry one. Null when none does — the value is then unknown (null), not 0.
   */
  averageGrossMargin: number | null
}

export interface HistoricalClvComponents {
  revenue: number
  averageGrossMargin: number | null
}

/**
 * Historical CLV = sum of the customer's purchases × average gross margin; n = purchases.
 * Null with n = 0 without purchases, or when no purchase says its margin.
 */
export function computeHistoricalClv(
  input: HistoricalClvInput,
): MetricResult<HistoricalClvComponents> {
  assertNonNegative('revenue', input.revenue)
  assertCount('purchases', input.purchases)
  const margin = input.averageGrossMargin
  if (margin !== null && (!Number.isFinite(margin) || margin < 0 || margin > 1)) {
    throw new MetricInputError(`averageGrossMargin must be a fraction in [0, 1], got ${margin}`)
  }
  if (input.purchases === 0 && input.revenue > 0) {
    throw new MetricInputError('revenue without any purchase')
  }
  const components = { revenue: input.revenue, averageGrossMargin: margin }
  if (input.purchases === 0 || margin === null) return { value: null, n: 0, components }
  return { value: input.revenue * margin, n: input.purchases, components }
}

export interface ReferralInput {
  /** Distinct customers who referred someone in the window. */
  referrers: number
  /** Customers active during the window. */
  activeCustomers: number
}

/** Referral rate % = referrers / active customers × 100; n = active customers. */
export function computeReferralRate(input: ReferralInput): MetricResult {
  assertPart('referrers', input.referrers, 'activeCustomers', input.activeCustomers)
  const value = percentOf(input.referrers, input.activeCustomers)
  return { value, n: value === null ? 0 : input.activeCustomers }
}
