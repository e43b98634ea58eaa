import { describe, expect, it } from 'vitest'
import { chartModel, niceTicks, SIZE, type SeriesPoint } from './chart.js'

const HOUR = 3_600_000
const from = '2026-11-22T00:00:00.000Z'
const to = '2026-11-23T00:00:00.000Z'
const at = (h: number) => new Date(Date.parse(from) + h * HOUR).toISOString()
const opts = { from, to, intervalMs: HOUR, tickMs: 3 * HOUR, domain: [0, 100] as [number, number] }

describe('chart model', () => {
  it('picks round ticks that cover the range', () => {
    expect(niceTicks(0, 100, 4).ticks).toEqual([0, 25, 50, 75, 100])
    const t = niceTicks(71.3, 88.9, 4)
    expect(t.lo).toBeLessThanOrEqual(71.3)
    expect(t.hi).toBeGreaterThanOrEqual(88.9)
    expect(t.ticks.length).toBeGreaterThanOrEqual(3)
    expect(niceTicks(50, 50).ticks.length).toBeGreaterThan(1)
  })

  it('draws a line and a band per run of buckets, broken where buckets are missing', () => {
    const series: SeriesPoint[] = [0, 1, 2, 5, 6].map((h) => ({
      at: at(h),
      value: 80 + h,
      n: 20,
      ci95: [70 + h, 90 + h],
    }))
    const m = chartModel(series, opts)
    expect(m.empty).toBe(false)
    expect(m.points).toHaveLength(5)
    // two runs: 0–2 and 5–6
    expect(m.linePath.match(/M/g)).toHaveLength(2)
    expect(m.bandPaths).toHaveLength(2)
    // higher values are drawn higher; everything inside the plot
    expect(m.points[1]!.y).toBeLessThan(m.points[0]!.y)
    for (const p of m.points) {
      expect(p.x).toBeGreaterThanOrEqual(SIZE.left)
      expect(p.x).toBeLessThanOrEqual(SIZE.width - SIZE.right)
      expect(p.y).toBeGreaterThanOrEqual(m.plot.top)
      expect(p.y).toBeLessThanOrEqual(m.plot.bottom)
    }
    // the y axis fits the data and its band, inside the metric's domain
    const labels = m.yTicks.map((t) => Number(t.label))
    expect(Math.min(...labels)).toBeLessThanOrEqual(70)
    expect(Math.max(...labels)).toBeGreaterThanOrEqual(96)
    expect(Math.max(...labels)).toBeLessThanOrEqual(100)
    expect(m.xTicks.length).toBeGreaterThanOrEqual(7)
  })

  it('clamps bands to the domain and reports an empty window', () => {
    const m = chartModel(
      [
        { at: at(0), value: 100, n: 2, ci95: [40, 130] },
        { at: at(1), value: 90, n: 3, ci95: [50, 120] },
      ],
      opts,
    )
    expect(Math.max(...m.yTicks.map((t) => Number(t.label)))).toBe(100)
    expect(m.bandPaths[0]).not.toContain('NaN')
    const empty = chartModel([{ at: at(0), value: null, n: 0, ci95: null }], opts)
    expect(empty.empty).toBe(true)
    expect(empty.linePath).toBe('')
  })
})
