import { describe, expect, it } from 'vitest'
import { EMPTY_SURVEY_SUMS } from '@cxpulse/metrics'
import { evaluateRule, type WindowCounts } from './evaluate.ts'
import { alertRule, alertRuleInput, type AlertRuleInput } from './rule.schema.ts'

/**
 * Noise study: many evaluations of windows drawn from the SAME distribution (no real change)
 * with small current samples. The fraction of evaluations that fire anything is the false-alert
 * rate; it must stay at or below the rule's significance level, also with fan-out.
 */
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Draw = (r: () => number) => number

function sample(r: () => number, n: number, draw: Draw): WindowCounts {
  const c: WindowCounts = { ...EMPTY_SURVEY_SUMS, n }
  for (let i = 0; i < n; i++) {
    const score = draw(r)
    c.positive += score >= 4 ? 1 : 0
    c.promoters += score >= 9 ? 1 : 0
    c.passives += score === 7 || score === 8 ? 1 : 0
    c.detractors += score <= 6 ? 1 : 0
    c.score_sum += score
    c.score_sum_sq += score * score
    c.low_effort += score >= 5 ? 1 : 0
  }
  return c
}

const categorical =
  (weights: Record<number, number>): Draw =>
  (r) => {
    let u = r()
    for (const [score, w] of Object.entries(weights)) {
      u -= w
      if (u < 0) return Number(score)
    }
    return Number(Object.keys(weights).at(-1))
  }

const studies: { name: string; input: AlertRuleInput; draw: Draw; groups: number }[] = [
  {
    name: 'CSAT %, one window',
    input: alertRuleInput.parse({ name: 'n', metric: 'csat', min_drop: 0.1, min_n: 20 }),
    draw: categorical({ 1: 0.05, 2: 0.05, 3: 0.1, 4: 0.35, 5: 0.45 }),
    groups: 1,
  },
  {
    name: 'CSAT %, fan-out over 6 channels (Holm)',
    input: alertRuleInput.parse({
      name: 'n',
      metric: 'csat',
      min_drop: 0.1,
      min_n: 20,
      fan_out: 'channel',
    }),
    draw: categorical({ 1: 0.05, 2: 0.05, 3: 0.1, 4: 0.35, 5: 0.45 }),
    groups: 6,
  },
  {
    name: 'NPS, one window',
    input: alertRuleInput.parse({ name: 'n', metric: 'nps', min_drop: 0.1, min_n: 20 }),
    draw: categorical({ 3: 0.1, 6: 0.1, 7: 0.15, 8: 0.15, 9: 0.25, 10: 0.25 }),
    groups: 1,
  },
  {
    name: 'CES mean, fan-out over 4 channels (Holm)',
    input: alertRuleInput.parse({
      name: 'n',
      metric: 'ces',
      min_drop: 0.01,
      min_n: 20,
      fan_out: 'channel',
    }),
    draw: categorical({ 2: 0.1, 3: 0.1, 4: 0.2, 5: 0.3, 6: 0.2, 7: 0.1 }),
    groups: 4,
  },
]

describe('noise study: no real change, small samples', () => {
  const TRIALS = Number(process.env['ALERT_NOISE_TRIALS'] ?? 4000)

  it.each(studies)(
    '$name: false-alert rate ≤ α',
    ({ name, input, draw, groups }) => {
      const rule = alertRule.parse({
        ...input,
        rule_id: '00000000-0000-4000-8000-000000000002',
        tenant_id: 't',
        updated_at: '2026-11-23T00:00:00.000Z',
      })
      const r = rng(20261123 + groups)
      let falseAlerts = 0
      for (let t = 0; t < TRIALS; t++) {
        const counts = new Map<string | null, { current: WindowCounts; baseline: WindowCounts }>()
        for (let g = 0; g < groups; g++) {
          // Small current windows (20–60 responses) against a week-sized baseline.
          const n = 20 + Math.floor(r() * 41)
          counts.set(groups === 1 ? null : `g${g}`, {
            current: sample(r, n, draw),
            baseline: sample(r, 400, draw),
          })
        }
        if (evaluateRule(rule, counts, new Set()).some((e) => e.decision === 'fire')) falseAlerts++
      }
      const rate = falseAlerts / TRIALS
      console.error(
        `[noise] ${name}: ${falseAlerts} false alerts in ${TRIALS} evaluations = ${(rate * 100).toFixed(2)} % (α = ${rule.significance * 100} %)`,
      )
      expect(rate).toBeLessThanOrEqual(rule.significance)
    },
    120_000,
  )
})
