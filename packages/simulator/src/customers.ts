import type { CxEventInput } from '@cxpulse/contracts'
import { uuid, type Random } from './random.ts'
import { MEAN_RHYTHM, rhythmAt } from './rhythm.ts'

const MINUTE = 60_000
/** The SPEC's month for rates: 30 days. */
const MONTH_MS = 30 * 86_400_000

/** Monthly rates of the customer base (README "Customer model"). */
export interface CustomerRates {
  /** Share of active customers who churn in 30 days. */
  monthlyChurn: number
  /** New activations per 30 days, as a share of the base size (`customers`). */
  monthlyActivations: number
  /** Share of activations that are former customers coming back (reactivated), not sign-ups. */
  reactivationShare: number
  /** Share of active customers who refer someone in 30 days. */
  monthlyReferrals: number
  /** Purchases (subscription renewals, add-ons) per active customer per 30 days. */
  monthlyPurchases: number
}

export const DEFAULT_CUSTOMER_RATES: CustomerRates = {
  monthlyChurn: 0.03,
  monthlyActivations: 0.04,
  reactivationShare: 0.15,
  monthlyReferrals: 0.02,
  monthlyPurchases: 1,
}

export interface Customer {
  id: string
  segment: 'enterprise' | 'smb'
}

/** Customers who are active or churned, each in exactly one pool (O(1) random pick and removal). */
class Pool {
  readonly items: Customer[] = []
  add(c: Customer) {
    this.items.push(c)
  }
  /** Removes and returns a random member. */
  take(random: Random): Customer | undefined {
    if (this.items.length === 0) return undefined
    const i = Math.floor(random() * this.items.length)
    const c = this.items[i]!
    this.items[i] = this.items[this.items.length - 1]!
    this.items.pop()
    return c
  }
  pick(random: Random): Customer | undefined {
    return this.items[Math.floor(random() * this.items.length)]
  }
}

type LifecycleKind = 'churn' | 'signup' | 'reactivation' | 'referral' | 'purchase'

/**
 * The customer base: who is active, and the lifecycle and purchase events that change it.
 * Counts per minute are expected values (rate × rhythm) accumulated with their fractions, so
 * a monthly rate holds over any month instead of drifting with luck.
 */
export class CustomerBase {
  private readonly active = new Pool()
  private readonly churned = new Pool()
  private readonly carry: Record<LifecycleKind, number> = {
    churn: 0,
    signup: 0,
    reactivation: 0,
    referral: 0,
    purchase: 0,
  }
  private created = 0

  constructor(
    private readonly random: Random,
    private readonly size: number,
    private readonly rates: CustomerRates,
  ) {
    // The base exists from the start: `signUps` emits its history when the caller wants it.
    for (let i = 0; i < size; i++) this.active.add(this.newCustomer())
  }

  get activeCount(): number {
    return this.active.items.length
  }

  /** An active customer (or, when none is, anyone ever created) for surveys and tickets. */
  someCustomer(): Customer {
    return this.active.pick(this.random) ?? this.churned.pick(this.random) ?? this.newCustomer()
  }

  /** Sign-ups of the initial base, spread evenly over [from, to) (tenures of up to two years). */
  signUps(from: number, to: number): CxEventInput[] {
    return this.active.items.map((c) =>
      this.event(c, 'customer.signed_up', from + Math.floor(this.random() * (to - from))),
    )
  }

  /**
   * Lifecycle events in [from, to): churn, sign-ups and reactivations, plus referrals and
   * purchases unless `stateOnly`. A customer changes state at most once a minute, so its events
   * never share or invert an instant.
   */
  eventsBetween(from: number, to: number, stateOnly: boolean): CxEventInput[] {
    const out: CxEventInput[] = []
    for (let m = from; m < to; m += MINUTE) {
      const end = Math.min(m + MINUTE, to)
      const minutes = ((end - m) / MINUTE) * (rhythmAt(m) / MEAN_RHYTHM)
      const perMinute = (monthly: number) => (monthly * minutes * MINUTE) / MONTH_MS
      const at = () => m + Math.floor(this.random() * (end - m))
      const churnHazard = -Math.log(1 - this.rates.monthlyChurn)
      const activations = this.size * this.rates.monthlyActivations
      const leaving: Customer[] = []
      const joining: Customer[] = []
      for (let i = this.due('churn', this.activeCount * perMinute(churnHazard)); i > 0; i--) {
        const c = this.active.take(this.random)
        if (!c) break
        leaving.push(c)
        out.push(this.event(c, 'customer.churned', at()))
      }
      const share = this.rates.reactivationShare
      for (let i = this.due('reactivation', perMinute(activations * share)); i > 0; i--) {
        const c = this.churned.take(this.random)
        if (!c) break
        joining.push(c)
        out.push(this.event(c, 'customer.reactivated', at()))
      }
      for (let i = this.due('signup', perMinute(activations * (1 - share))); i > 0; i--) {
        const c = this.newCustomer()
        joining.push(c)
        out.push(this.event(c, 'customer.signed_up', at()))
      }
      if (!stateOnly) {
        const n = this.activeCount
        for (let i = this.due('referral', n * perMinute(this.rates.monthlyReferrals)); i > 0; i--)
          out.push(this.event(this.active.pick(this.random)!, 'customer.referred', at()))
        for (let i = this.due('purchase', n * perMinute(this.rates.monthlyPurchases)); i > 0; i--)
          out.push(this.purchase(this.active.pick(this.random)!, at()))
      }
      // Pools change after the minute: nobody churns and comes back within the same minute.
      for (const c of leaving) this.churned.add(c)
      for (const c of joining) this.active.add(c)
    }
    return out
  }

  /** Whole events due now of an expected count, keeping the fraction for later minutes. */
  private due(kind: LifecycleKind, expected: number): number {
    this.carry[kind] += expected
    const n = Math.floor(this.carry[kind])
    this.carry[kind] -= n
    return n
  }

  private newCustomer(): Customer {
    this.created++
    return {
      id: `cust-${String(this.created).padStart(5, '0')}`,
      segment: this.random() < 0.3 ? 'enterprise' : 'smb',
    }
  }

  private event(c: Customer, type: string, at: number): CxEventInput {
    return {
      event_id: uuid(this.random),
      type,
      occurred_at: new Date(at).toISOString(),
      customer_id: c.id,
      dimensions: { segment: c.segment },
    } as CxEventInput
  }

  private purchase(c: Customer, at: number): CxEventInput {
    // Plan prices: small businesses pay tens of euros a month, enterprises hundreds.
    const [low, spread] = c.segment === 'enterprise' ? [300, 1200] : [29, 70]
    const cents = Math.round((low + this.random() * spread) * 100)
    return {
      ...this.event(c, 'customer.purchase', at),
      amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
      currency: 'EUR',
      gross_margin: 0.6,
    } as CxEventInput
  }
}
