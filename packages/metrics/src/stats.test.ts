import { describe, expect, it } from 'vitest'
import {
  lnGamma,
  meanCi95,
  normalCdf,
  normalQuantile,
  regularizedIncompleteBeta,
  studentTCdf,
  summarizeSums,
  tQuantile,
  wilsonInterval,
} from './stats.ts'

// Reference values from scipy.stats / scipy.special / math.lgamma.
describe('distributions', () => {
  it('normalCdf matches known values, including far tails', () => {
    expect(normalCdf(0)).toBe(0.5)
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 12)
    expect(1 - normalCdf(1.96)).toBeCloseTo(0.025, 4)
    expect(normalCdf(0.5)).toBeCloseTo(0.6914624612740131, 12)
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316300933, 14)
    expect(normalCdf(-8) / 6.22096057427174e-16).toBeCloseTo(1, 8)
    expect(normalCdf(-Infinity)).toBe(0)
    expect(normalCdf(Infinity)).toBe(1)
  })

  it('normalQuantile inverts normalCdf', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 9)
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 9)
    expect(normalQuantile(0.5)).toBe(0)
  })

  it('lnGamma', () => {
    expect(lnGamma(0.25)).toBeCloseTo(1.2880225246980772, 12)
    expect(lnGamma(10.5)).toBeCloseTo(13.940625219403763, 12)
    expect(lnGamma(100)).toBeCloseTo(359.1342053695754, 10)
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12)
  })

  it('regularised incomplete beta', () => {
    expect(regularizedIncompleteBeta(0.3, 2.5, 0.5)).toBeCloseTo(0.018927124071945658, 12)
    // I_x(1, 1) = x.
    expect(regularizedIncompleteBeta(0.37, 1, 1)).toBeCloseTo(0.37, 12)
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0)
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1)
  })

  it('Student t CDF', () => {
    // df = 1 is Cauchy: F(1) = 3/4; df = 2 has F(t) = ½ + t / (2√(2 + t²)).
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 12)
    expect(studentTCdf(2, 2)).toBeCloseTo(0.908248290463863, 12)
    expect(studentTCdf(-1.5, 7.3)).toBeCloseTo(0.08778154640154305, 10)
    expect(studentTCdf(3, 50)).toBeCloseTo(0.9978991484064659, 10)
    expect(studentTCdf(0, 4)).toBe(0.5)
  })

  it.each([
    [0.975, 10, 2.228138851986274],
    [0.975, 1, 12.706204736174694],
    [0.95, 5, 2.0150483733330233],
    [0.995, 30, 2.7499956535672254],
    [0.9, 100, 1.290074761346516],
    [0.975, 2.5, 3.5746548420036817],
  ])('tQuantile(%f, %f) matches the t table', (p, df, expected) => {
    expect(tQuantile(p, df)).toBeCloseTo(expected, 8)
    expect(tQuantile(1 - p, df)).toBeCloseTo(-expected, 8)
  })

  it('rejects bad arguments', () => {
    expect(() => tQuantile(1, 5)).toThrow(RangeError)
    expect(() => studentTCdf(1, 0)).toThrow(RangeError)
    expect(() => normalCdf(NaN)).toThrow(RangeError)
  })
})

describe('intervals and summaries', () => {
  it('Wilson interval by hand and at the edges', () => {
    const [lo, hi] = wilsonInterval(30, 50)!
    expect(lo).toBeCloseTo(0.4618118910275937, 12)
    expect(hi).toBeCloseTo(0.7239181021375425, 12)
    expect(wilsonInterval(0, 0)).toBeNull()
    const [lo0, hi0] = wilsonInterval(0, 1)!
    expect(lo0).toBe(0)
    expect(hi0).toBeCloseTo(0.7934567085261071, 12)
  })

  it('rebuilds mean and sample sd from sums', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample variance 32/7.
    const xs = [2, 4, 4, 4, 5, 5, 7, 9]
    const s = summarizeSums(
      xs.length,
      xs.reduce((a, x) => a + x, 0),
      xs.reduce((a, x) => a + x * x, 0),
    )!
    expect(s.mean).toBe(5)
    expect(s.sd).toBeCloseTo(Math.sqrt(32 / 7), 12)
    const [lo, hi] = meanCi95(s)!
    expect(hi - lo).toBeCloseTo((2 * 1.96 * Math.sqrt(32 / 7)) / Math.sqrt(8), 12)
    expect(summarizeSums(0, 0, 0)).toBeNull()
    expect(summarizeSums(1, 3, 9)).toEqual({ n: 1, mean: 3, sd: null })
    expect(meanCi95(summarizeSums(1, 3, 9))).toBeNull()
  })
})
