const HOUR = 3_600_000
const DAY = 86_400_000

/** Volume over the day (UTC): quiet at night, peak mid-afternoon; between 0.15 and 1. */
export function diurnalFactor(at: Date): number {
  return diurnalAt(at.getTime())
}

function diurnalAt(ms: number): number {
  const hours = (((ms % DAY) + DAY) % DAY) / HOUR
  return 0.15 + 0.85 * Math.max(0, Math.sin(((hours - 6) / 24) * 2 * Math.PI)) ** 1.5
}

/** Volume over the week (UTC): weekdays 1, Saturday and Sunday 0.45 (B2B traffic). */
export function weeklyFactor(at: Date): number {
  return weeklyAt(at.getTime())
}

function weeklyAt(ms: number): number {
  // 1970-01-01 was a Thursday: day 0 → weekday 4 (0 = Sunday).
  const weekday = (((Math.floor(ms / DAY) + 4) % 7) + 7) % 7
  return weekday === 0 || weekday === 6 ? 0.45 : 1
}

/** Traffic at an instant relative to the daily weekday peak: diurnal × weekly. */
export function rhythmAt(ms: number): number {
  return diurnalAt(ms) * weeklyAt(ms)
}

/**
 * The week's mean of `rhythmAt`, so that rates stated per month (churn, sign-ups, purchases)
 * keep their monthly totals while following the same rhythm as the rest of the traffic.
 */
export const MEAN_RHYTHM = (() => {
  let sum = 0
  const minutes = 7 * 24 * 60
  for (let i = 0; i < minutes; i++) sum += rhythmAt(i * 60_000 + 30_000)
  return sum / minutes
})()
