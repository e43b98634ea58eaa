import { describe, expect, it } from 'vitest'
import { DEFAULT_QUERY_LIMITS } from '../config.ts'
import {
  MAX_CUSTOM_DAYS,
  WINDOWS,
  customRange,
  customWindow,
  fixed,
  formatDelta,
  formatDuration,
  formatValue,
  keyFromHash,
  spanLabel,
  toCsv,
  toLocalInput,
  windowRange,
} from './format.js'

describe('dashboard number formats', () => {
  it('shows percentages and NPS with one decimal, CES with two, counts whole, empty as —', () => {
    expect(formatValue('percent', 81.2345)).toBe('81.2 %')
    expect(formatValue('percent', 81.25)).toBe((81.25).toFixed(1) + ' %')
    expect(formatValue('percent', 7)).toBe('7.0 %')
    expect(formatValue('nps', -12.3456)).toBe('-12.3')
    expect(formatValue('nps', -0.04)).toBe('0.0')
    expect(formatValue('scale', 5.3649)).toBe('5.36')
    expect(formatValue('count', 1204)).toBe('1204')
    expect(formatValue('seconds', 47.4)).toBe('47 s')
    expect(formatValue('percent', null)).toBe('—')
    expect(formatValue('seconds', undefined)).toBe('—')
  })

  it('writes CSV with the API numbers, quoting what needs it and defusing formulas', () => {
    expect(
      toCsv(
        ['key', 'value', 'n'],
        [
          ['chat, web', 81.2345, 12],
          ['=1+1', null, 0],
        ],
      ),
    ).toBe('key,value,n\r\n"chat, web",81.2345,12\r\n\'=1+1,,0\r\n')
  })

  it('shows durations in s, min or h', () => {
    expect(formatDuration(47.4)).toBe('47 s')
    expect(formatDuration(119.4)).toBe('119 s')
    expect(formatDuration(1146)).toBe('19.1 min')
    expect(formatDuration(7200)).toBe('2.0 h')
    expect(formatValue('seconds', 90)).toBe('90 s')
  })

  it('shows the previous-period change with its sign and unit', () => {
    expect(formatDelta('percent', 2.7712)).toBe('+2.8 pts')
    expect(formatDelta('percent', -1.25)).toBe('−1.3 pts')
    expect(formatDelta('nps', -2.43)).toBe('−2.4')
    expect(formatDelta('scale', 0.0149)).toBe('+0.01')
    expect(formatDelta('seconds', 47)).toBe('+47 s')
    expect(formatDelta('seconds', -600)).toBe('−10.0 min')
    expect(formatDelta('percent', 0.01)).toBe('±0.0 pts')
    expect(formatDelta('percent', null)).toBeNull()
    expect(fixed(-0.0001, 2)).toBe('0.00')
  })

  it('ends windows at the next whole minute, as long as the picker says', () => {
    const now = Date.parse('2026-11-23T07:07:26.500Z')
    expect(windowRange('24h', now)).toEqual({
      from: '2026-11-22T07:08:00.000Z',
      to: '2026-11-23T07:08:00.000Z',
    })
    expect(windowRange('1h', Date.parse('2026-11-23T07:08:00.000Z'))).toEqual({
      from: '2026-11-23T06:08:00.000Z',
      to: '2026-11-23T07:08:00.000Z',
    })
    for (const w of Object.values(WINDOWS)) expect(w.ms).toBeGreaterThan(w.tickMs)
  })

  it('reads the key from the fragment only', () => {
    expect(keyFromHash('#key=cxk_abc')).toBe('cxk_abc')
    expect(keyFromHash('#window=1h&key=cxk_abc')).toBe('cxk_abc')
    expect(keyFromHash('#key=')).toBeNull()
    expect(keyFromHash('')).toBeNull()
  })

  it('sizes a custom window: interval, ticks and label', () => {
    const MIN = 60_000
    const H = 60 * MIN
    const D = 24 * H
    const t0 = Date.parse('2026-11-20T00:00:00Z')
    const cases = [
      [10 * MIN, 'minute', '10 minutes'],
      [90 * MIN, 'minute', '1 hour 30 minutes'],
      [6 * H, 'minute', '6 hours'],
      [6 * H + MIN, 'hour', '6 hours 1 minute'],
      [36 * H, 'hour', '1 day 12 hours'],
      [14 * D, 'hour', '14 days'],
      [14 * D + H, 'day', '14 days 1 hour'],
      [MAX_CUSTOM_DAYS * D, 'day', '400 days'],
    ] as const
    const stepMs = { minute: MIN, hour: H, day: D }
    for (const [ms, interval, label] of cases) {
      const w = customWindow(t0, t0 + ms)
      expect(w, label).toEqual({ label, ms, interval, tickMs: w.tickMs })
      // What the query service accepts, and a readable axis.
      expect(ms / stepMs[interval], label).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxSeriesPoints)
      expect(ms / stepMs[interval], label).toBeLessThanOrEqual(400)
      expect(ms / w.tickMs, label).toBeLessThanOrEqual(8)
      expect(ms / w.tickMs, label).toBeGreaterThanOrEqual(ms >= 5 * MIN ? 3 : 1)
    }
    expect(MAX_CUSTOM_DAYS).toBe(DEFAULT_QUERY_LIMITS.maxWindowDays)
    expect(spanLabel(D)).toBe('1 day')
    expect(spanLabel(2 * H)).toBe('2 hours')
  })

  it('reads the custom window from local date-time fields, or says what is wrong', () => {
    const from = Date.parse('2026-11-20T08:00:00Z')
    const to = Date.parse('2026-11-21T09:30:00Z')
    // Round trip through the browser's (here: the test process's) local time.
    expect(customRange(toLocalInput(from), toLocalInput(to))).toEqual({
      from: '2026-11-20T08:00:00.000Z',
      to: '2026-11-21T09:30:00.000Z',
    })
    expect(toLocalInput(from)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/)
    expect(customRange('', toLocalInput(to))).toEqual({ error: 'Enter a start and an end.' })
    expect(customRange('yesterday', toLocalInput(to))).toEqual({ error: 'Not a date and time.' })
    expect(customRange(toLocalInput(to), toLocalInput(from))).toEqual({
      error: 'The end must be at least a minute after the start.',
    })
    expect(customRange(toLocalInput(from), toLocalInput(from + 401 * 86_400_000))).toEqual({
      error: 'A window can be at most 400 days long.',
    })
  })
})
