import { describe, expect, it } from 'vitest'
import {
  EMPTY_SURVEY_SUMS,
  MixedScalesError,
  addSurveySums,
  computeSurveyMetric,
  oneCesScale,
} from './survey.sums.ts'

const on = (scale_min: number, scale_max: number, n: number, score_sum: number) => ({
  ...EMPTY_SURVEY_SUMS,
  scale_min,
  scale_max,
  n,
  score_sum,
  score_sum_sq: score_sum * score_sum,
})

describe('survey sums', () => {
  it('adds every field, and folds nothing into an empty window (null, n 0)', () => {
    const total = addSurveySums([
      { ...EMPTY_SURVEY_SUMS, n: 30, positive: 18, promoters: 3 },
      { ...EMPTY_SURVEY_SUMS, n: 20, positive: 12, detractors: 1 },
    ])
    expect(total).toMatchObject({ n: 50, positive: 30, promoters: 3, detractors: 1 })
    // SPEC seed check: 30 positive of 50 → 60 %.
    expect(computeSurveyMetric('csat', total).value).toBe(60)
    expect(computeSurveyMetric('nps', addSurveySums([]))).toMatchObject({ value: null, n: 0 })
  })

  it('computes NPS and the CES figures from the same record', () => {
    const nps = { ...EMPTY_SURVEY_SUMS, n: 100, promoters: 70, passives: 20, detractors: 10 }
    expect(computeSurveyMetric('nps', nps).value).toBeCloseTo(60)
    const ces = {
      ...EMPTY_SURVEY_SUMS,
      n: 500,
      score_sum: 2500,
      score_sum_sq: 13_000,
      low_effort: 300,
    }
    expect(computeSurveyMetric('ces_pct', ces, 'effort')).toMatchObject({
      value: 60,
      components: { orientation: 'effort' },
    })
    expect(computeSurveyMetric('ces', ces).value).toBe(5)
  })

  it('never mixes CES scales: one named scale, or refuses several', () => {
    const rows = [on(1, 7, 2, 10), on(1, 5, 1, 4)]
    expect(oneCesScale(rows, '1-5')).toEqual([rows[1]])
    expect(oneCesScale([rows[0]!, on(1, 7, 1, 3)])).toHaveLength(2)
    expect(() => oneCesScale(rows)).toThrow(MixedScalesError)
    try {
      oneCesScale(rows)
    } catch (error) {
      expect((error as MixedScalesError).scales).toEqual(['1-7', '1-5'])
    }
  })
})
