import { describe, expect, it } from 'vitest'
import { parseEnrichedEvent } from '@cxpulse/contracts'
import { minorToDecimal, rowsForEvent, type ConsumedEvent } from './rows.ts'

const origin = { topic: 't', partition: 1, offset: '42' }
function event(fields: Record<string, unknown>): ConsumedEvent {
  const parsed = parseEnrichedEvent({
    event_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    occurred_at: '2026-03-01T10:00:00.000Z',
    received_at: '2026-03-01T10:00:01.000Z',
    customer_id: 'c1',
    tenant_id: 'acme',
    schema_version: 1,
    ...fields,
  })
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors))
  return parsed.event as ConsumedEvent
}

describe('rowsForEvent', () => {
  it('fills the derived survey columns by the SPEC', () => {
    const [[table, row]] = rowsForEvent(
      event({ type: 'survey.response', kind: 'csat', score: 4, dimensions: { channel: 'chat' } }),
      origin,
    ) as [[string, Record<string, unknown>]]
    expect(table).toBe('survey_responses')
    expect(row).toMatchObject({
      is_positive: 1,
      norm_score: 75,
      nps_category: '',
      low_effort: 0,
      channel: 'chat',
      agent: '',
      occurred_at: '2026-03-01 10:00:00.000',
      kafka_offset: '42',
    })
    const nps = rowsForEvent(event({ type: 'survey.response', kind: 'nps', score: 7 }), origin)
    expect(nps[0]?.[1]).toMatchObject({ nps_category: 'passive', is_positive: 0 })
    const ces = rowsForEvent(
      event({ type: 'survey.response', kind: 'ces', score: 3, orientation: 'effort' }),
      origin,
    )
    expect(ces[0]?.[1]).toMatchObject({ orientation: 'effort', low_effort: 1 })
  })

  it('writes a purchase to the lifecycle and the purchases tables, amounts exact', () => {
    const rows = rowsForEvent(
      event({ type: 'customer.purchase', amount_minor: 4990, currency: 'EUR' }),
      origin,
    )
    expect(rows.map(([t]) => t)).toEqual(['customer_events', 'purchases'])
    expect(rows[1]?.[1]).toMatchObject({ amount: '49.90', currency: 'EUR' })
    expect(minorToDecimal(5, 'EUR')).toBe('0.05')
    expect(minorToDecimal(1234, 'JPY')).toBe('1234')
    expect(minorToDecimal(1234, 'KWD')).toBe('1.234')
  })

  it('computes the review score for QA', () => {
    const rows = rowsForEvent(
      event({
        type: 'qa.review',
        criteria: [
          { name: 'tone', score: 80, weight: 1 },
          { name: 'accuracy', score: 50, weight: 3 },
        ],
      }),
      origin,
    )
    expect(rows[0]?.[1]).toMatchObject({
      iqs: (80 + 150) / 4,
      criteria_names: ['tone', 'accuracy'],
    })
  })
})
