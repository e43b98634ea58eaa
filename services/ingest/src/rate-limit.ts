/**
 * Token buckets counted in events, one per tenant (or per API key): `burst` tokens, refilled at `ratePerSec`.
 * In-memory per ingest instance; behind a load balancer each instance enforces its share.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private refill(tenant: string) {
    const t = this.now()
    let b = this.buckets.get(tenant)
    if (!b) {
      b = { tokens: this.burst, at: t }
      this.buckets.set(tenant, b)
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.ratePerSec)
      b.at = t
    }
    return b
  }

  /**
   * Takes `n` tokens if available. Otherwise takes nothing and says how many seconds until
   * they would be (a batch larger than the burst can never pass: it waits for a full bucket).
   */
  take(tenant: string, n: number): { ok: true } | { ok: false; retryAfterSec: number } {
    const b = this.refill(tenant)
    const need = Math.min(n, this.burst)
    if (b.tokens >= need) {
      b.tokens -= need
      return { ok: true }
    }
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil((need - b.tokens) / this.ratePerSec)) }
  }

  /** Gives back what `take` took, when a later check refused the request after all. */
  refund(tenant: string, n: number): void {
    const b = this.refill(tenant)
    b.tokens = Math.min(this.burst, b.tokens + Math.min(n, this.burst))
  }
}
