/** A closed 95 % interval `[lo, hi]`, in the metric's own unit. */
export type Interval = readonly [number, number]

/**
 * The one shape every metric returns, so the API can serialise any metric the same way.
 * `value` is unrounded (display rounding is the caller's business) and is `null`, never 0 or
 * NaN, when there is nothing to measure; `n` is then 0.
 */
export interface MetricResult<C = never> {
  value: number | null
  n: number
  ci95?: Interval | null
  components?: C
}

/** Input that cannot come from consistent data (negative count, part larger than whole…). */
export class MetricInputError extends RangeError {
  // A retry with the same input fails the same way.
  readonly retryable = false
  constructor(message: string) {
    super(message)
    this.name = 'MetricInputError'
  }
}

export function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new MetricInputError(`${name} must be a non-negative integer, got ${value}`)
  }
}

export function assertNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new MetricInputError(`${name} must be a finite number >= 0, got ${value}`)
  }
}

export function assertPart(partName: string, part: number, wholeName: string, whole: number): void {
  assertCount(partName, part)
  assertCount(wholeName, whole)
  if (part > whole) {
    throw new MetricInputError(`${partName} (${part}) cannot exceed ${wholeName} (${whole})`)
  }
}

/** part / whole × 100 with `n = whole`; null with n = 0 when whole is 0. */
export function percentOf(part: number, whole: number): number | null {
  return whole === 0 ? null : (part / whole) * 100
}
