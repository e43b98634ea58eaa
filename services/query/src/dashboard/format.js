// How the dashboard shows numbers. Pure functions (no DOM), shared by the page and its tests.
//
// Precision by metric unit (documented in the README): percentages, NPS and 0–100 scores with one
// decimal, CES on its scale with two, durations in s (whole), min or h (one decimal), counts whole. Rounding is
// Number.prototype.toFixed's; a value that rounds to zero carries no sign. Empty → "—".

/** The time windows the picker offers: length and series interval. */
export const WINDOWS = {
  '1h': { label: '1 hour', ms: 3_600_000, interval: 'minute', tickMs: 10 * 60_000 },
  '24h': { label: '24 hours', ms: 86_400_000, interval: 'hour', tickMs: 3 * 3_600_000 },
  '7d': { label: '7 days', ms: 7 * 86_400_000, interval: 'hour', tickMs: 86_400_000 },
  '30d': { label: '30 days', ms: 30 * 86_400_000, interval: 'day', tickMs: 5 * 86_400_000 },
}

export const EMPTY = '—'
const MINUS = '−'

/** toFixed without "-0.0". */
export function fixed(v, decimals) {
  const s = Math.abs(v).toFixed(decimals)
  return v < 0 && Number(s) !== 0 ? `-${s}` : s
}

export function formatDuration(seconds) {
  if (seconds < 120) return `${fixed(seconds, 0)} s`
  if (seconds < 7200) return `${fixed(seconds / 60, 1)} min`
  return `${fixed(seconds / 3600, 1)} h`
}

/** Decimals per metric unit (GET /v1/metrics gives each metric's unit). */
const DECIMALS = { percent: 1, nps: 1, score: 1, scale: 2, count: 0, currency: 2 }

/** A value in its unit, as the dashboard shows it: "81.3 %", "4.21", "47 s", "1204". */
export function formatValue(unit, v) {
  if (v === null || v === undefined) return EMPTY
  if (unit === 'seconds') return formatDuration(v)
  const s = fixed(v, DECIMALS[unit] ?? 1)
  return unit === 'percent' ? `${s} %` : s
}

/** The previous-period change in the unit: "+2.8 pts", "−0.05", "+47 s"; null when unknown. */
export function formatDelta(unit, d) {
  if (d === null || d === undefined) return null
  const size =
    unit === 'seconds' ? formatDuration(Math.abs(d)) : Math.abs(d).toFixed(DECIMALS[unit] ?? 1)
  const zero = Number(size.replace(/[^0-9.]/g, '')) === 0
  const sign = zero ? '±' : d > 0 ? '+' : MINUS
  return `${sign}${size}${unit === 'percent' ? ' pts' : ''}`
}

/**
 * RFC 4180 CSV of rows under a header; numbers exactly as the API gave them, nulls empty. A text
 * cell starting with = + or @ gets a leading ' so a spreadsheet does not run it as a formula.
 */
export function toCsv(header, rows) {
  const cell = (v) => {
    if (v === null || v === undefined) return ''
    const s = typeof v === 'string' && /^[=+@]/.test(v) ? `'${v}` : String(v)
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
  }
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}

/** [from, to) for a window ending at the next whole minute (minute rollups answer it). */
export function windowRange(name, now = Date.now()) {
  const w = WINDOWS[name]
  const to = Math.ceil(now / 60_000) * 60_000
  return { from: new Date(to - w.ms).toISOString(), to: new Date(to).toISOString() }
}

const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

/** The longest window the query service answers by default (QUERY_MAX_WINDOW_DAYS). */
export const MAX_CUSTOM_DAYS = 400

/** Axis tick steps a custom window can use (minute and hour steps divide the hour and day). */
const TICK_STEPS = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  5 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
  60 * DAY,
]

/** "6 hours", "1 day 12 hours", "90 minutes" → "1 hour 30 minutes": the span in words. */
export function spanLabel(ms) {
  const parts = []
  let rest = Math.round(ms / MINUTE)
  for (const [size, unit] of [
    [DAY / MINUTE, 'day'],
    [HOUR / MINUTE, 'hour'],
    [1, 'minute'],
  ]) {
    const k = Math.floor(rest / size)
    rest -= k * size
    if (k > 0) parts.push(`${k} ${unit}${k === 1 ? '' : 's'}`)
  }
  return parts.join(' ') || '0 minutes'
}

/**
 * A custom [from, to) as a window spec: minute points up to 6 hours, hourly up to 14 days,
 * daily beyond (at most a few hundred points), and about 4–8 axis ticks.
 */
export function customWindow(fromMs, toMs) {
  const ms = toMs - fromMs
  const interval = ms <= 6 * HOUR ? 'minute' : ms <= 14 * DAY ? 'hour' : 'day'
  const tickMs = TICK_STEPS.find((step) => ms / step <= 8) ?? TICK_STEPS[TICK_STEPS.length - 1]
  return { label: spanLabel(ms), ms, interval, tickMs }
}

/**
 * Reads the custom window's two `datetime-local` fields (the browser's local time) into an
 * RFC 3339 [from, to), or says what is wrong with them.
 */
export function customRange(fromInput, toInput) {
  if (!fromInput || !toInput) return { error: 'Enter a start and an end.' }
  const from = new Date(fromInput).getTime()
  const to = new Date(toInput).getTime()
  if (!Number.isFinite(from) || !Number.isFinite(to)) return { error: 'Not a date and time.' }
  if (to - from < MINUTE) return { error: 'The end must be at least a minute after the start.' }
  if (to - from > MAX_CUSTOM_DAYS * DAY)
    return { error: `A window can be at most ${MAX_CUSTOM_DAYS} days long.` }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() }
}

/** An instant as a `datetime-local` value in the browser's zone ("2026-11-23T07:45"). */
export function toLocalInput(ms) {
  const d = new Date(ms)
  const p = (v) => String(v).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

/** Reads `key` from a URL fragment such as "#key=cxk_…" (null when absent or empty). */
export function keyFromHash(hash) {
  const key = new URLSearchParams(hash.replace(/^#/, '')).get('key')
  return key ? key.trim() || null : null
}
