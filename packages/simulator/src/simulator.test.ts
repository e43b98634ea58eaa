import { describe, expect, it } from 'vitest'
import { parseEvent } from '@cxpulse/contracts'
import { createSimulator, diurnalFactor } from './simulator.ts'

const FROM = new Date('2026-11-20T00:00:00Z')
const TO = new Date('2026-11-21T00:00:00Z')

describe('simulator', () => {
  it('produces only events that pass the contract, in time order, inside the window', () => {
    const events = createSimulator({ seed: 7, responsesPerMinute: 10 }).eventsBetween(FROM, TO)
    expect(events.length).toBeGreaterThan(3000)
    for (const e of events) {
      const parsed = parseEvent(e, { now: new Date('2026-11-22T00:00:00Z') })
      if (!parsed.ok) throw new Error(`${JSON.stringify(e)}: ${JSON.stringify(parsed.errors)}`)
      const at = Date.parse(e.occurred_at as string)
      expect(at).toBeGreaterThanOrEqual(FROM.getTime())
      expect(at).toBeLessThan(TO.getTime())
    }
    const times = events.map((e) => Date.parse(e.occurred_at as string))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    const types = new Set(events.map((e) => e.type))
    for (const t of [
      'survey.response',
      'ticket.created',
      'ticket.resolved',
      'customer.signed_up',
      'qa.review',
    ])
      expect(types).toContain(t)
  })

  it('is reproducible from its seed and has unique event ids', () => {
    const a = createSimulator({ seed: 3 }).eventsBetween(FROM, new Date(FROM.getTime() + 3_600_000))
    const b = createSimulator({ seed: 3 }).eventsBetween(FROM, new Date(FROM.getTime() + 3_600_000))
    expect(a).toEqual(b)
    expect(new Set(a.map((e) => e.event_id)).size).toBe(a.length)
  })

  it('follows the day: more traffic at the afternoon peak than at night', () => {
    expect(diurnalFactor(new Date('2026-11-20T12:00:00Z'))).toBeGreaterThan(
      3 * diurnalFactor(new Date('2026-11-20T02:00:00Z')),
    )
  })

  it('drops the incident channel’s CSAT and leaves the others', () => {
    const incident = { channel: 'chat', from: FROM, to: TO, positiveRate: 0.2 }
    const events = createSimulator({
      seed: 11,
      responsesPerMinute: 20,
      incidents: [incident],
    }).eventsBetween(FROM, TO)
    const share = (channel: string) => {
      const csat = events.filter(
        (e): e is Extract<typeof e, { kind: 'csat' }> =>
          e.type === 'survey.response' && e.kind === 'csat' && e.dimensions?.channel === channel,
      )
      return csat.filter((e) => e.score >= (e.scale_max ?? 5) - 1).length / csat.length
    }
    expect(share('chat')).toBeLessThan(0.3)
    expect(share('email')).toBeGreaterThan(0.65)
  })
})
