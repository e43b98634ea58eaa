import { describe, expect, it } from 'vitest'
import { answerSchema, formatAnswer, parseTime, queryFlags, queryParams } from './query.command.ts'

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

describe('cxpulse query table', () => {
  const from = new Date('2026-11-16T00:00:00Z')
  const to = new Date('2026-11-23T00:00:00Z')

  it('prints the headline, the previous period and a breakdown in aligned columns', () => {
    const answer = answerSchema.parse({
      metric: 'csat',
      tz: 'UTC',
      value: 81.5,
      n: 1200,
      ci95: [79.2, 83.6],
      components: { positive: 978 },
      groups: [
        { key: 'chat', value: 90.1, n: 300, ci95: [86.2, 93], components: null },
        { key: '', value: null, n: 0, ci95: null, components: null },
      ],
      previous: { from: '2026-11-09T00:00:00Z', to: '2026-11-16T00:00:00Z', value: 80, n: 1100 },
      delta: 1.5,
    })
    expect(formatAnswer(answer, from, to).split('\n')).toEqual([
      'csat  2026-11-16T00:00:00.000Z → 2026-11-23T00:00:00.000Z (UTC)',
      '  value 81.5   n 1200   95% CI 79.2 … 83.6',
      '  previous 80 (n 1100)   change +1.5',
      '',
      '  group   value    n  95% CI',
      '  chat     90.1  300  86.2 … 93',
      '  (none)      —    0  —',
    ])
  })

  it('prints a series with its bucket times', () => {
    const answer = answerSchema.parse({
      metric: 'nps',
      value: -5,
      n: 40,
      ci95: null,
      series: [{ at: '2026-11-22T00:00:00.000Z', value: -5, n: 40, ci95: [-30, 20] }],
    })
    const lines = formatAnswer(answer, from, to).split('\n')
    expect(lines.slice(3)).toEqual([
      '  at                        value   n  95% CI',
      '  2026-11-22T00:00:00.000Z     -5  40  -30 … 20',
    ])
  })
})

describe('cxpulse query parameters', () => {
  it('passes the customer and currency of historical_clv, and a breakdown of reply_time', () => {
    const clv = queryFlags.parse({
      _: ['historical_clv'],
      from: '2026-10-01T00:00:00Z',
      to: '2026-11-01T00:00:00Z',
      'customer-id': 'c 42',
      currency: 'EUR',
    })
    expect(queryParams(clv).toString()).toBe(
      'from=2026-10-01T00%3A00%3A00.000Z&to=2026-11-01T00%3A00%3A00.000Z&customer_id=c+42&currency=EUR',
    )
    const reply = queryFlags.parse({
      _: ['reply_time'],
      from: '2026-10-01T00:00:00Z',
      to: '2026-11-01T00:00:00Z',
      'group-by': 'agent',
      filter: ['channel=chat'],
    })
    expect(Object.fromEntries(queryParams(reply))).toMatchObject({
      group_by: 'agent',
      channel: 'chat',
    })
    const sla = queryFlags.parse({ _: ['sla_attainment'], 'target-minutes': '15' })
    expect(queryParams(sla).get('target_minutes')).toBe('15')
    const bad = queryFlags.safeParse({ _: ['historical_clv'], currency: 'euro', 'customer-id': '' })
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'currency',
      'customer-id',
    ])
  })
})
