import { describe, expect, it } from 'vitest'
import { parseTime, queryFlags } from './query.command.ts'

describe('cxpulse query times', () => {
  const now = Date.UTC(2026, 10, 23, 12, 0, 0)
  it('reads now, relative and RFC 3339 times', () => {
    expect(parseTime('now', now).toISOString()).toBe('2026-11-23T12:00:00.000Z')
    expect(parseTime('-30m', now).toISOString()).toBe('2026-11-23T11:30:00.000Z')
    expect(parseTime('-24h', now).toISOString()).toBe('2026-11-22T12:00:00.000Z')
    expect(parseTime('-7d', now).toISOString()).toBe('2026-11-16T12:00:00.000Z')
    expect(parseTime('2026-11-01T00:00:00+01:00', now).toISOString()).toBe(
      '2026-10-31T23:00:00.000Z',
    )
  })
  it('names what is wrong', () => {
    expect(() => parseTime('yesterday', now)).toThrow(/not a time/)
    const bad = queryFlags.safeParse({ _: ['csat'], from: 'last week', filter: ['channel'] })
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['from', 'filter.0'])
  })
})
