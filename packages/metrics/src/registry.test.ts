import { describe, expect, it } from 'vitest'
import { METRICS, METRIC_IDS, interpretMetric, isMetricId } from './registry.ts'

describe('metric registry', () => {
  it('lists every metric the SPEC defines, once, keyed by its own id', () => {
    expect([...METRIC_IDS].sort()).toEqual(
      [
        'awt',
        'ces',
        'ces_pct',
        'channel_mix',
        'churn_rate',
        'clv',
        'complaint_resolution_time',
        'crr',
        'escalation_rate',
        'csat',
        'csat_mean',
        'fcr',
        'feedback_reply_rate',
        'frt',
        'historical_clv',
        'iqs',
        'nps',
        'open_backlog',
        'referral_rate',
        'reopen_rate',
        'reply_time',
        'resolution_time',
        'sla_attainment',
        'survey_response_rate',
        'ticket_volume',
      ].sort(),
    )
    for (const id of METRIC_IDS) {
      expect(METRICS[id].id).toBe(id)
      expect(METRICS[id].description.length).toBeGreaterThan(10)
    }
    expect(isMetricId('nps')).toBe(true)
    expect(isMetricId('toString')).toBe(false)
  })

  it('applies the SPEC reading guides at their boundaries', () => {
    expect(interpretMetric('csat', 70)).toBe('good')
    expect(interpretMetric('csat', 69.9)).toBeNull()
    expect(interpretMetric('nps', 0)).toBeNull()
    expect(interpretMetric('nps', 0.1)).toBe('positive')
    expect(interpretMetric('nps', 50)).toBe('positive')
    expect(interpretMetric('nps', 51)).toBe('excellent')
    expect(interpretMetric('nps', 70)).toBe('excellent')
    expect(interpretMetric('nps', 71)).toBe('world-class')
    expect(interpretMetric('nps', null)).toBeNull()
    expect(interpretMetric('frt', 10)).toBeNull()
  })

  it('names the alert test the SPEC prescribes', () => {
    expect(METRICS.csat.alertTest).toBe('two_proportion_z')
    expect(METRICS.nps.alertTest).toBe('nps_difference')
    expect(METRICS.ces.alertTest).toBe('welch_t')
  })
})
