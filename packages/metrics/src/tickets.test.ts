import { describe, expect, it } from 'vitest'
import { MetricInputError } from './result.ts'
import {
  computeAwt,
  computeChannelMix,
  computeFcr,
  computeFeedbackReplyRate,
  computeFirstResponseTime,
  computeIqs,
  computeEscalationRate,
  computeReopenRate,
  computeReplyTime,
  computeResolutionTime,
  computeSlaAttainment,
  computeTicketCount,
  pairReplies,
  percentileSorted,
  reviewScore,
} from './tickets.ts'

describe('percentiles (type 7, linear interpolation)', () => {
  it('matches ClickHouse quantileExactInclusive on 0..9', () => {
    const xs = Array.from({ length: 10 }, (_, i) => i)
    expect(percentileSorted(xs, 0.1)).toBeCloseTo(0.9, 12)
    expect(percentileSorted(xs, 0.9)).toBeCloseTo(8.1, 12)
    expect(percentileSorted(xs, 0.5)).toBeCloseTo(4.5, 12)
    expect(percentileSorted(xs, 0)).toBe(0)
    expect(percentileSorted(xs, 1)).toBe(9)
  })

  it('single value and empty sample', () => {
    expect(percentileSorted([42], 0.9)).toBe(42)
    expect(percentileSorted([], 0.5)).toBeNull()
  })
})

describe('duration metrics', () => {
  it('mean, median and p90 of unsorted durations (numpy reference)', () => {
    const r = computeFirstResponseTime([12, 3, 45, 7, 100, 22, 9, 31, 5, 60])
    expect(r.value).toBeCloseTo(29.4, 12)
    expect(r.n).toBe(10)
    expect(r.components?.median).toBeCloseTo(17, 12)
    expect(r.components?.p90).toBeCloseTo(64, 10)
  })

  it('one ticket and an empty window', () => {
    expect(computeResolutionTime([3600])).toEqual({
      value: 3600,
      n: 1,
      components: { median: 3600, p90: 3600 },
    })
    expect(computeResolutionTime([])).toEqual({
      value: null,
      n: 0,
      components: { median: null, p90: null },
    })
  })

  it('rejects negative durations', () => {
    expect(() => computeFirstResponseTime([10, -1])).toThrow(MetricInputError)
  })
})

describe('ratios', () => {
  it('FCR and feedback reply rate', () => {
    expect(computeFcr({ resolved: 80, resolvedFirstContact: 60 })).toEqual({ value: 75, n: 80 })
    expect(computeFcr({ resolved: 0, resolvedFirstContact: 0 })).toEqual({ value: null, n: 0 })
    expect(computeFeedbackReplyRate({ feedbackItems: 40, replied: 10 })).toEqual({
      value: 25,
      n: 40,
    })
    expect(() => computeFcr({ resolved: 1, resolvedFirstContact: 2 })).toThrow(MetricInputError)
  })

  it('SPEC check: AWT 500 minutes over 200 calls → 2.5 minutes', () => {
    const r = computeAwt({ totalWaitSeconds: 500 * 60, served: 200 })
    expect(r.value! / 60).toBeCloseTo(2.5, 12)
    expect(r.n).toBe(200)
    expect(computeAwt({ totalWaitSeconds: 0, served: 0 })).toEqual({ value: null, n: 0 })
  })
})

describe('channel mix', () => {
  it('shares per channel summing to 100, value = top share', () => {
    const r = computeChannelMix({ counts: { email: 30, chat: 50, phone: 20 } })
    expect(r.n).toBe(100)
    expect(r.value).toBe(50)
    expect(r.components).toEqual({ shares: { chat: 50, email: 30, phone: 20 }, top: 'chat' })
  })

  it('ties go to the alphabetically first channel; empty → null', () => {
    expect(computeChannelMix({ counts: { web: 2, chat: 2 } }).components?.top).toBe('chat')
    expect(computeChannelMix({ counts: { web: 0 } })).toEqual({
      value: null,
      n: 0,
      components: { shares: {}, top: null },
    })
  })
})

describe('IQS', () => {
  it('weighted score per review, averaged over reviews', () => {
    // (3×80 + 1×40) / 4 = 70 and (1×100 + 1×50) / 2 = 75 → 72.5
    const reviews = [
      {
        criteria: [
          { score: 80, weight: 3 },
          { score: 40, weight: 1 },
        ],
      },
      {
        criteria: [
          { score: 100, weight: 1 },
          { score: 50, weight: 1 },
        ],
      },
    ]
    expect(reviewScore(reviews[0]!)).toBe(70)
    expect(computeIqs(reviews)).toEqual({ value: 72.5, n: 2 })
    expect(computeIqs([])).toEqual({ value: null, n: 0 })
  })

  it('rejects scores outside 0–100 and reviews without weight', () => {
    expect(() => reviewScore({ criteria: [{ score: 101, weight: 1 }] })).toThrow(MetricInputError)
    expect(() => reviewScore({ criteria: [{ score: 50, weight: 0 }] })).toThrow(MetricInputError)
  })
})

describe('reply pairing (average reply time)', () => {
  const M = 60_000
  const c = (min: number) => ({ at: min * M, from: 'customer' as const })
  const a = (min: number, agent = 'ann') => ({ at: min * M, from: 'agent' as const, agent })

  it('pairs each agent reply with the latest unanswered customer message (SPEC worked example)', () => {
    // created 0, first response 10 (ann), customer 30, customer 40, agent 45 (bob),
    // agent 50 (ann, a follow-up: nothing new to answer), customer 60, agent 90 (ann).
    const pairs = pairReplies([c(0), a(10), c(30), c(40), a(45, 'bob'), a(50), c(60), a(90)])
    expect(pairs).toEqual([
      { at: 10 * M, agent: 'ann', seconds: 600 },
      { at: 45 * M, agent: 'bob', seconds: 300 },
      { at: 90 * M, agent: 'ann', seconds: 1800 },
    ])
    // (600 + 300 + 1800) / 3 replies.
    const r = computeReplyTime(pairs.map((p) => p.seconds))
    expect(r).toMatchObject({ value: 900, n: 3, components: { median: 600 } })
    expect(r.components?.p90).toBeCloseTo(1560, 10)
  })

  it('a first_response and an agent_replied of the same agent at the same instant are one message', () => {
    expect(pairReplies([c(0), a(5), a(5), c(8), a(9)])).toEqual([
      { at: 5 * M, agent: 'ann', seconds: 300 },
      { at: 9 * M, agent: 'ann', seconds: 60 },
    ])
    // Two agents at the same instant are two messages: the first (by name) answers.
    expect(pairReplies([c(0), a(5, 'bob'), a(5, 'ann')])).toEqual([
      { at: 5 * M, agent: 'ann', seconds: 300 },
    ])
  })

  it('order of input does not matter; a customer message at the reply instant comes first', () => {
    expect(pairReplies([a(3), c(3), c(1)])).toEqual([{ at: 3 * M, agent: 'ann', seconds: 0 }])
  })

  it('no customer message, no agent message, or nothing at all: no replies', () => {
    expect(pairReplies([a(1), a(2)])).toEqual([])
    expect(pairReplies([c(1), c(2)])).toEqual([])
    expect(pairReplies([])).toEqual([])
    expect(computeReplyTime([])).toEqual({
      value: null,
      n: 0,
      components: { median: null, p90: null },
    })
  })

  it('single reply', () => {
    const pairs = pairReplies([c(0), a(2)])
    expect(computeReplyTime(pairs.map((p) => p.seconds))).toEqual({
      value: 120,
      n: 1,
      components: { median: 120, p90: 120 },
    })
  })
})

describe('ticket rates and counts', () => {
  it('reopen and escalation rate: flagged resolved tickets / resolved × 100', () => {
    // 200 resolved, 14 reopened at least once → 7 %; 30 escalated → 15 %.
    expect(computeReopenRate({ resolved: 200, flagged: 14 })).toEqual({
      value: expect.closeTo(7, 12),
      n: 200,
    })
    expect(computeEscalationRate({ resolved: 200, flagged: 30 })).toEqual({ value: 15, n: 200 })
    expect(computeReopenRate({ resolved: 1, flagged: 1 })).toEqual({ value: 100, n: 1 })
    expect(computeEscalationRate({ resolved: 0, flagged: 0 })).toEqual({ value: null, n: 0 })
    expect(() => computeReopenRate({ resolved: 2, flagged: 3 })).toThrow(MetricInputError)
  })

  it('SLA attainment: first answered within target / first answered × 100', () => {
    // 82 of 100 customers answered within 10 minutes → 82 %.
    expect(computeSlaAttainment({ responded: 100, withinTarget: 82 })).toEqual({
      value: 82,
      n: 100,
    })
    expect(computeSlaAttainment({ responded: 1, withinTarget: 0 })).toEqual({ value: 0, n: 1 })
    expect(computeSlaAttainment({ responded: 0, withinTarget: 0 })).toEqual({ value: null, n: 0 })
    expect(() => computeSlaAttainment({ responded: 1, withinTarget: 2 })).toThrow(MetricInputError)
  })

  it('ticket counts: the count, or null with n = 0 for none', () => {
    expect(computeTicketCount(42)).toEqual({ value: 42, n: 42 })
    expect(computeTicketCount(1)).toEqual({ value: 1, n: 1 })
    expect(computeTicketCount(0)).toEqual({ value: null, n: 0 })
    expect(() => computeTicketCount(-1)).toThrow(MetricInputError)
  })
})
