import { describe, expect, it } from 'vitest'
import { EMPTY_SURVEY_SUMS } from '@cxpulse/metrics'
import { compareWindows, decide, evaluateRule, holmAdjust, type WindowCounts } from './evaluate.ts'
import { alertRule, alertRuleInput, type AlertRuleInput } from './rule.schema.ts'

const rule = (over: Partial<AlertRuleInput> & Pick<AlertRuleInput, 'metric' | 'min_drop'>) =>
  alertRule.parse({
    ...alertRuleInput.parse({ name: 'r', ...over }),
    rule_id: '00000000-0000-4000-8000-000000000001',
    tenant_id: 'acme',
    updated_at: '2026-11-23T00:00:00.000Z',
  })

/** CSAT sums for n responses of which `positive` are 4–5 on 1–5 (scores 5 and 2). */
function csat(n: number, positive: number): WindowCounts {
  const norm = positive * 100 + (n - positive) * 25
  return {
    ...EMPTY_SURVEY_SUMS,
    n,
    positive,
    norm_sum: norm,
    norm_sum_sq: positive * 10_000 + (n - positive) * 625,
  }
}

describe('compareWindows', () => {
  it('CSAT 80 % → 60 % on 200 vs 1000 responses: a significant 20-point drop', () => {
    const c = compareWindows(rule({ metric: 'csat', min_drop: 5 }), csat(200, 120), csat(1000, 800))
    expect(c.current.value).toBe(60)
    expect(c.baseline.value).toBe(80)
    expect(c.drop).toBeCloseTo(20, 10)
    expect(c.pValue).toBeLessThan(1e-6)
    expect(c.enoughData).toBe(true)
  })

  it('does not test below the minimum sample in either window', () => {
    const c = compareWindows(
      rule({ metric: 'csat', min_drop: 5, min_n: 50 }),
      csat(49, 0),
      csat(1000, 800),
    )
    expect(c.enoughData).toBe(false)
    expect(c.pValue).toBeNull()
    expect(c.current.n).toBe(49)
  })

  it('CES on an effort scale: a rising mean is the drop', () => {
    const ces = (n: number, mean: number): WindowCounts => ({
      ...csat(0, 0),
      n,
      score_sum: n * mean,
      // alternating mean ± 1: sd ≈ 1
      score_sum_sq: n * (mean * mean + 1),
    })
    const effort = rule({ metric: 'ces', min_drop: 0.5, orientation: 'effort' })
    const up = compareWindows(effort, ces(100, 4), ces(500, 3))
    expect(up.drop).toBeCloseTo(1, 10)
    expect(up.pValue).toBeLessThan(0.001)
    const agreement = rule({ metric: 'ces', min_drop: 0.5 })
    const same = compareWindows(agreement, ces(100, 4), ces(500, 3))
    expect(same.drop).toBeCloseTo(-1, 10)
    expect(same.pValue).toBeGreaterThan(0.99)
  })
})

describe('holmAdjust', () => {
  it('matches the textbook step-down values and leaves untested groups null', () => {
    // p = 0.01, 0.04, 0.03 → sorted 0.01×3 = 0.03, 0.03×2 = 0.06, max(0.06, 0.04×1) = 0.06
    const adj = holmAdjust([0.01, 0.04, null, 0.03])
    expect(adj[0]).toBeCloseTo(0.03, 12)
    expect(adj[1]).toBeCloseTo(0.06, 12)
    expect(adj[2]).toBeNull()
    expect(adj[3]).toBeCloseTo(0.06, 12)
  })
})

describe('decide', () => {
  const r = rule({ metric: 'csat', min_drop: 10, significance: 0.05 })
  const base = csat(1000, 800)

  it('fires only when the drop is large enough AND significant', () => {
    const big = compareWindows(r, csat(200, 120), base)
    expect(decide('ok', big, big.pValue, r)).toBe('fire')
    // 5-point drop, highly significant, but under the 10-point minimum
    const small = compareWindows(r, csat(5000, 3750), base)
    expect(small.pValue).toBeLessThan(0.01)
    expect(decide('ok', small, small.pValue, r)).toBe('stay')
    // 15-point drop on 30 responses: not significant
    const noisy = compareWindows(r, csat(30, 20), base)
    expect(decide('ok', noisy, noisy.pValue, r)).toBe('stay')
  })

  it('hysteresis: a firing alert stays while the drop is at least half the minimum and p ≤ 2α', () => {
    const sevenPoints = compareWindows(r, csat(2000, 1460), base)
    expect(sevenPoints.drop).toBeCloseTo(7, 10)
    expect(decide('ok', sevenPoints, sevenPoints.pValue, r)).toBe('stay')
    expect(decide('firing', sevenPoints, sevenPoints.pValue, r)).toBe('stay')
    const recovered = compareWindows(r, csat(200, 162), base)
    expect(decide('firing', recovered, recovered.pValue, r)).toBe('resolve')
    const noData = compareWindows(r, csat(0, 0), base)
    expect(decide('firing', noData, noData.pValue, r)).toBe('resolve')
  })

  it('evaluateRule fans out with Holm: a family of borderline groups does not fire', () => {
    const fan = rule({ metric: 'csat', min_drop: 5, fan_out: 'channel' })
    // Each group alone is significant at p ≈ 0.02; with 4 groups Holm needs p ≤ 0.0125 first.
    const borderline = compareWindows(fan, csat(300, 225), csat(3000, 2400))
    expect(borderline.pValue).toBeGreaterThan(0.0125)
    expect(borderline.pValue).toBeLessThan(0.05)
    const counts = new Map(
      ['a', 'b', 'c', 'd'].map((g) => [g, { current: csat(300, 225), baseline: csat(3000, 2400) }]),
    )
    const out = evaluateRule(fan, counts, new Set())
    expect(out.map((g) => g.decision)).toEqual(['stay', 'stay', 'stay', 'stay'])
    // A real drop in one group still fires, the rest stay quiet.
    counts.set('a', { current: csat(300, 150), baseline: csat(3000, 2400) })
    const fired = evaluateRule(fan, counts, new Set())
    expect(fired.filter((g) => g.decision === 'fire').map((g) => g.group)).toEqual(['a'])
  })
})

describe('rule validation', () => {
  it('names the field that is wrong', () => {
    const bad = alertRuleInput.safeParse({
      name: 'x',
      metric: 'csat',
      min_drop: 5,
      fan_out: 'channel',
      filters: { channel: 'chat' },
    })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toContain('fan_out')
    const unknown = alertRuleInput.safeParse({ name: 'x', metric: 'churn', min_drop: 5, extra: 1 })
    expect(unknown.error?.issues.map((i) => i.path.join('.') || i.message)).toEqual(
      expect.arrayContaining(['metric']),
    )
  })
})
