import { MetricInputError, type Interval } from './result.ts'

/** The SPEC's 95 % critical value; used as written rather than Φ⁻¹(0.975) = 1.95996… */
export const Z95 = 1.96

const EPS = 1e-15
const FPMIN = 1e-300
const MAX_ITERATIONS = 1000

// Lanczos approximation (g = 7, 9 terms): ~15 significant digits for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
]

export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x)
  const y = x - 1
  const t = y + 7.5
  let a = LANCZOS[0]!
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (y + i)
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Lower regularised incomplete gamma P(a, x) by its series (converges fast for x < a + 1). */
function gammaPSeries(a: number, x: number): number {
  let ap = a
  let del = 1 / a
  let sum = del
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    ap += 1
    del *= x / ap
    sum += del
    if (Math.abs(del) < Math.abs(sum) * EPS) break
  }
  return sum * Math.exp(-x + a * Math.log(x) - lnGamma(a))
}

/** Upper regularised incomplete gamma Q(a, x) by Lentz's continued fraction (x >= a + 1). */
function gammaQContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a
  let c = 1 / FPMIN
  let d = 1 / b
  let h = d
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < FPMIN) d = FPMIN
    c = b + an / c
    if (Math.abs(c) < FPMIN) c = FPMIN
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < EPS) break
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h
}

/** Upper regularised incomplete gamma Q(a, x) = 1 − P(a, x). */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1
  if (x === Infinity) return 0
  return x < a + 1 ? 1 - gammaPSeries(a, x) : gammaQContinuedFraction(a, x)
}

/** Standard normal CDF Φ(z), accurate to ~1e-15 including far tails. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) throw new MetricInputError('normalCdf: z is NaN')
  // Φ(z) = ½·erfc(−z/√2) and erfc(x) = Q(½, x²) for x >= 0; computing the smaller tail
  // directly keeps precision for p-values near 0.
  const tail = 0.5 * gammaQ(0.5, (z * z) / 2)
  return z < 0 ? tail : 1 - tail
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b
  const qap = a + 1
  const qam = a - 1
  let c = 1
  let d = 1 - (qab * x) / qap
  if (Math.abs(d) < FPMIN) d = FPMIN
  d = 1 / d
  let h = d
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < FPMIN) d = FPMIN
    c = 1 + aa / c
    if (Math.abs(c) < FPMIN) c = FPMIN
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if (Math.abs(d) < FPMIN) d = FPMIN
    c = 1 + aa / c
    if (Math.abs(c) < FPMIN) c = FPMIN
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < EPS) break
  }
  return h
}

/** Regularised incomplete beta I_x(a, b), for a, b > 0 and 0 <= x <= 1. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) {
    throw new MetricInputError(`regularizedIncompleteBeta: bad arguments x=${x} a=${a} b=${b}`)
  }
  if (x === 0) return 0
  if (x === 1) return 1
  const front = Math.exp(
    lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  )
  // The continued fraction converges quickly only on this side of the mean; use symmetry.
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b
}

function assertDf(df: number): void {
  if (!(df > 0)) throw new MetricInputError(`degrees of freedom must be > 0, got ${df}`)
}

/** P(T >= |t|) for Student's t with `df` degrees of freedom (one tail). */
export function studentTTail(t: number, df: number): number {
  assertDf(df)
  if (Number.isNaN(t)) throw new MetricInputError('studentTTail: t is NaN')
  if (!Number.isFinite(t)) return 0
  return 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5)
}

/** Student's t CDF P(T <= t); `df` may be fractional (Welch–Satterthwaite). */
export function studentTCdf(t: number, df: number): number {
  const tail = studentTTail(t, df)
  return t < 0 ? tail : 1 - tail
}

/** Smallest x with cdf(x) >= p, by bracketing then bisection (cdf continuous, increasing). */
function invertSymmetricCdf(p: number, upperTail: (x: number) => number): number {
  if (!(p > 0 && p < 1)) throw new MetricInputError(`probability must be in (0, 1), got ${p}`)
  if (p === 0.5) return 0
  // Work on the upper tail q = 1 − p of |x| so extreme quantiles keep their precision.
  const q = p > 0.5 ? 1 - p : p
  let lo = 0
  let hi = 1
  while (upperTail(hi) > q) {
    lo = hi
    hi *= 2
    if (hi > 1e300) break
  }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2
    if (upperTail(mid) > q) lo = mid
    else hi = mid
  }
  const x = (lo + hi) / 2
  return p > 0.5 ? x : -x
}

/** Quantile of Student's t: the t with P(T <= t) = p. */
export function tQuantile(p: number, df: number): number {
  assertDf(df)
  return invertSymmetricCdf(p, (t) => studentTTail(t, df))
}

/** Quantile of the standard normal: Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  return invertSymmetricCdf(p, (z) => 1 - normalCdf(z))
}

/**
 * Wilson score interval for a proportion, as proportions in [0, 1]; null when n = 0.
 * Unlike the Wald interval it stays inside [0, 1] and is not degenerate at 0 or n successes.
 */
export function wilsonInterval(successes: number, n: number, z: number = Z95): Interval | null {
  if (n === 0) return null
  const p = successes / n
  const z2 = z * z
  const denominator = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denominator
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  return [Math.max(0, centre - half), Math.min(1, centre + half)]
}

/** Count, mean and sample standard deviation rebuilt from rollup sums. */
export interface SampleSummary {
  n: number
  mean: number
  /** Sample (n − 1) standard deviation; null when n < 2. */
  sd: number | null
}

/** Summary of a sample held as (n, Σx, Σx²); null when n = 0. */
export function summarizeSums(n: number, sum: number, sumSq: number): SampleSummary | null {
  if (n === 0) return null
  const mean = sum / n
  if (n < 2) return { n, mean, sd: null }
  // Σx² − n·mean² can come out a hair below 0 from float rounding on constant samples.
  const variance = Math.max(0, (sumSq - sum * mean) / (n - 1))
  return { n, mean, sd: Math.sqrt(variance) }
}

/**
 * 95 % interval for a mean as the SPEC gives it for CES: mean ± 1.96 × sd / √n.
 * Null when there is no sample standard deviation (n < 2).
 */
export function meanCi95(summary: SampleSummary | null): Interval | null {
  if (summary === null || summary.sd === null) return null
  const half = (Z95 * summary.sd) / Math.sqrt(summary.n)
  return [summary.mean - half, summary.mean + half]
}
