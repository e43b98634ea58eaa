import { describe, expect, it } from 'vitest'
import { paceDelay, pacedBatchSize, progressReporter } from './delivery.ts'

describe('send pacing', () => {
  it('waits until sent events took sent / rate seconds, and not without a rate', () => {
    expect(paceDelay(50, 100, 1_000, 1_100)).toBe(400)
    expect(paceDelay(50, 100, 1_000, 2_000)).toBe(0)
    expect(paceDelay(0, 100, 1_000, 1_000)).toBe(0)
    expect(paceDelay(50, undefined, 1_000, 1_000)).toBe(0)
  })

  it('sends about four requests a second under a rate, never more than the batch size', () => {
    expect(pacedBatchSize(500, undefined)).toBe(500)
    expect(pacedBatchSize(500, 10)).toBe(3)
    expect(pacedBatchSize(500, 0.5)).toBe(1)
    expect(pacedBatchSize(20, 1_000)).toBe(20)
  })
})

describe('progress', () => {
  const stream = (isTTY: boolean) => {
    const out: string[] = []
    return { out, s: { isTTY, write: (x: string) => out.push(x) } }
  }

  it('prints plain lines when stderr is not a terminal', () => {
    const { out, s } = stream(false)
    const show = progressReporter(10, 'send', s)
    show(3)
    show(10, true)
    expect(out).toHaveLength(2)
    expect(out[0]).toMatch(/^send: 3\/10 events \(30%\), \d+\/s\n$/)
    expect(out[1]).toMatch(/^send: 10\/10 events \(100%\), \d+\/s\n$/)
  })

  it('redraws one bar on a terminal and ends it with a newline', () => {
    const { out, s } = stream(true)
    const show = progressReporter(4, 'send', s)
    show(1)
    show(4, true)
    expect(out[0]).toMatch(/^\r\[#{6}\.{19}\] 25% 1\/4 events \d+\/s$/)
    expect(out.at(-1)).toMatch(/^\r\[#{25}\] 100% 4\/4 events \d+\/s\n$/)
  })
})
