import { describe, expect, it } from 'vitest'
import { parseState, toSearch } from './state.js'

describe('dashboard view in the URL', () => {
  it('round-trips page, window, filters, breakdown, metric and sort', () => {
    const search =
      '?page=support&window=custom&from=2026-11-20T08%3A00%3A00.000Z&to=2026-11-20T14%3A00%3A00.000Z&channel=chat&agent=a+b&by=agent&metric=frt&sort=fcr&dir=asc'
    const s = parseState(search)
    expect(s).toMatchObject({
      page: 'support',
      window: 'custom',
      from: '2026-11-20T08:00:00.000Z',
      to: '2026-11-20T14:00:00.000Z',
      filters: { channel: 'chat', agent: 'a b' },
      by: 'agent',
      metric: 'frt',
      sort: 'fcr',
      dir: 'asc',
    })
    expect(parseState(toSearch(s))).toEqual(s)
  })

  it('falls back to the defaults for what is unknown or malformed', () => {
    const s = parseState('?page=admin&window=2y&by=tenant&region=eu&dir=up&channel=')
    expect(s).toEqual({ page: 'overview', window: '24h', filters: {}, by: 'channel', dir: 'desc' })
    expect(toSearch(s)).toBe('')
    // A custom window needs from < to, both instants.
    expect(
      parseState('?window=custom&from=2026-11-20T14:00:00Z&to=2026-11-20T08:00:00Z').window,
    ).toBe('24h')
    expect(parseState('?window=custom&from=yesterday&to=2026-11-20T08:00:00Z').window).toBe('24h')
    expect(parseState(`?agent=${'x'.repeat(201)}`).filters).toEqual({})
  })
})
