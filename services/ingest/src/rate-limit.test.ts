import { describe, expect, it } from 'vitest'
import { RateLimiter } from './rate-limit.ts'

describe('RateLimiter', () => {
  it('allows a burst, then refills at the rate, per tenant', () => {
    let now = 0
    const l = new RateLimiter(10, 20, () => now)
    expect(l.take('a', 20)).toEqual({ ok: true })
    expect(l.take('a', 1)).toEqual({ ok: false, retryAfterSec: 1 })
    expect(l.take('b', 20)).toEqual({ ok: true })
    now = 500 // +5 tokens
    expect(l.take('a', 5)).toEqual({ ok: true })
    expect(l.take('a', 15)).toEqual({ ok: false, retryAfterSec: 2 })
    now = 100_000
    expect(l.take('a', 500)).toEqual({ ok: true }) // larger than the burst: needs a full bucket
  })

  it('gives tokens back on refund, never above the burst', () => {
    const l = new RateLimiter(10, 20, () => 0)
    expect(l.take('k', 15)).toEqual({ ok: true })
    l.refund('k', 15)
    expect(l.take('k', 20)).toEqual({ ok: true })
    l.refund('k', 100)
    expect(l.take('k', 20)).toEqual({ ok: true })
    expect(l.take('k', 1)).toEqual({ ok: false, retryAfterSec: 1 })
  })
})
