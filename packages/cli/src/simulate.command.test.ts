import { describe, expect, it } from 'vitest'
import { parseDuration, parseIncident, simulateFlags } from './simulate.command.ts'

describe('cxpulse simulate flags', () => {
  const now = Date.UTC(2026, 10, 23, 12, 0, 0)

  it('reads durations with units, plain seconds and a sign', () => {
    expect(parseDuration('90s')).toBe(90_000)
    expect(parseDuration('10m')).toBe(600_000)
    expect(parseDuration('2h')).toBe(7_200_000)
    expect(parseDuration('1d')).toBe(86_400_000)
    expect(parseDuration('3')).toBe(3_000)
    expect(parseDuration('-2h')).toBe(-7_200_000)
    expect(parseDuration('+10m')).toBe(600_000)
    expect(parseDuration('soon')).toBeUndefined()
  })

  it('reads an incident spec relative to now, in the future or the past', () => {
    expect(parseIncident('channel=chat,start=10m,for=30m,positive=0.2', now)).toEqual({
      channel: 'chat',
      from: new Date(now + 600_000),
      to: new Date(now + 2_400_000),
      positiveRate: 0.2,
    })
    expect(parseIncident('channel=email,start=-2h,for=1h', now)).toMatchObject({
      from: new Date(now - 7_200_000),
      to: new Date(now - 3_600_000),
      positiveRate: 0.35,
    })
    expect(() => parseIncident('channel=chat,for=soon', now)).toThrow(
      /for: "soon" is not a duration/,
    )
    expect(() => parseIncident('channel=chat,for=5m,colour=red', now)).toThrow(/colour/)
    expect(() => parseIncident('chat', now)).toThrow(/"chat" is not KEY=VALUE/)
  })

  it('takes start=+10m and duration= as another name for for=, and only simulated channels', () => {
    expect(parseIncident('channel=chat,start=+10m,duration=30m', now)).toMatchObject({
      from: new Date(now + 600_000),
      to: new Date(now + 2_400_000),
    })
    expect(() => parseIncident('channel=chat', now)).toThrow(/for: give how long/)
    expect(() => parseIncident('channel=chat,for=5m,duration=5m', now)).toThrow(/give how long/)
    expect(() => parseIncident('channel=voice,for=5m', now, ['chat', 'email'])).toThrow(
      /channel: "voice" is not simulated; channels: chat, email/,
    )
    expect(parseIncident('channel=voice,for=5m', now, ['voice']).channel).toBe('voice')
  })

  it('reads several keys (one per tenant), channels, customers and agents', () => {
    const flags = simulateFlags.parse({
      key: ['cxp_a', 'cxp_b'],
      channels: 'chat, email',
      customers: '50',
      agents: '3',
      incident: ['channel=email,for=5m'],
    })
    expect(flags).toMatchObject({
      key: ['cxp_a', 'cxp_b'],
      channels: ['chat', 'email'],
      customers: 50,
      agents: 3,
    })
    const bad = simulateFlags.safeParse({ channels: 'chat', incident: ['channel=web,for=5m'] })
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['incident.0'])
  })

  it('names the bad flag', () => {
    const bad = simulateFlags.safeParse({ duration: '0', rate: '-1', incident: ['channel=chat'] })
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual([
      'rate',
      'duration',
      'incident.0',
    ])
  })
})
