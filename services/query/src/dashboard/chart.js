// Line charts with a shaded 95 % confidence band, drawn as inline SVG (no chart library).
// chartModel is pure (scales, ticks, paths) so it can be tested without a browser;
// renderChart turns a model into SVG elements.

const SVG_NS = 'http://www.w3.org/2000/svg'

export const SIZE = { width: 640, height: 240, left: 44, right: 16, top: 22, bottom: 28 }

/** Round tick positions (1, 2, 2.5 or 5 × 10^k apart) covering [lo, hi]. */
export function niceTicks(lo, hi, target = 5) {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1
    return niceTicks(lo - pad, hi + pad, target)
  }
  const raw = (hi - lo) / target
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
  const first = Math.floor(lo / step) * step
  const last = Math.ceil(hi / step) * step
  const ticks = []
  for (let v = first; v <= last + step / 2; v += step) ticks.push(Number(v.toFixed(10)))
  return { lo: first, hi: last, step, ticks }
}

function timeTicks(t0, t1, tickMs) {
  const start = new Date(t0)
  if (tickMs >= 86_400_000) start.setHours(0, 0, 0, 0)
  else if (tickMs >= 3_600_000) start.setMinutes(0, 0, 0)
  else start.setSeconds(0, 0)
  const out = []
  const days = Math.round(tickMs / 86_400_000)
  const d = start
  // Whole local days (so DST days stay on midnight) or fixed steps, aligned to the step.
  while (d.getTime() <= t1) {
    const t = d.getTime()
    const aligned =
      tickMs >= 86_400_000
        ? true
        : tickMs >= 3_600_000
          ? d.getHours() % Math.round(tickMs / 3_600_000) === 0
          : d.getMinutes() % Math.round(tickMs / 60_000) === 0
    if (t >= t0 && aligned) out.push(t)
    if (tickMs >= 86_400_000) d.setDate(d.getDate() + days)
    else if (tickMs >= 3_600_000) d.setHours(d.getHours() + 1)
    else d.setMinutes(d.getMinutes() + 1)
  }
  return out
}

function timeLabel(t, tickMs) {
  const d = new Date(t)
  const day = d.toLocaleDateString([], { month: 'short', day: 'numeric' })
  // Day ticks and midnight carry the date; the others only the time of day (24-hour clock).
  if (tickMs >= 86_400_000 || (d.getHours() === 0 && d.getMinutes() === 0)) return day
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
}

/**
 * Everything a chart shows, in SVG coordinates.
 * @param series API series items {at, value, n, ci95}
 * @param o {from, to, intervalMs, tickMs, domain: [min, max], minSpan}
 */
export function chartModel(series, o) {
  const W = SIZE.width
  const H = SIZE.height
  const pts = series
    .filter((p) => p.value !== null && p.value !== undefined)
    .map((p) => ({ ...p, t: Date.parse(p.at) }))
    .sort((a, b) => a.t - b.t)
  const t0 = Math.min(Date.parse(o.from), ...pts.map((p) => p.t))
  const t1 = Date.parse(o.to)
  const [dMin, dMax] = o.domain
  const clamp = (v) => Math.min(dMax, Math.max(dMin, v))

  // y range: the values and their bands, padded, never outside the metric's domain.
  let lo = Infinity
  let hi = -Infinity
  for (const p of pts) {
    lo = Math.min(lo, p.value, p.ci95?.[0] ?? p.value)
    hi = Math.max(hi, p.value, p.ci95?.[1] ?? p.value)
  }
  if (pts.length === 0) {
    lo = dMin
    hi = dMax
  }
  lo = clamp(lo)
  hi = clamp(hi)
  const minSpan = o.minSpan ?? (dMax - dMin) / 10
  if (hi - lo < minSpan) {
    const mid = (hi + lo) / 2
    lo = clamp(mid - minSpan / 2)
    hi = clamp(mid + minSpan / 2)
  }
  const nice = niceTicks(lo, hi, 4)
  const yLo = Math.max(dMin, nice.lo)
  const yHi = Math.min(dMax, nice.hi)
  const plotW = W - SIZE.left - SIZE.right
  const plotH = H - SIZE.top - SIZE.bottom
  const x = (t) => SIZE.left + ((t - t0) / Math.max(1, t1 - t0)) * plotW
  const y = (v) => SIZE.top + (1 - (clamp(v) - yLo) / Math.max(1e-9, yHi - yLo)) * plotH
  const r = (v) => Math.round(v * 10) / 10

  // Buckets with no responses are gaps: the line and the band break there.
  const segments = []
  for (const p of pts) {
    const seg = segments[segments.length - 1]
    const prev = seg?.[seg.length - 1]
    if (prev && p.t - prev.t <= o.intervalMs * 1.5) seg.push(p)
    else segments.push([p])
  }
  const linePath = segments
    .map((seg) => seg.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(x(p.t))},${r(y(p.value))}`).join(''))
    .join('')
  const bandPaths = []
  for (const seg of segments) {
    const withCi = seg.filter((p) => Array.isArray(p.ci95))
    if (withCi.length < 2) continue
    const upper = withCi.map((p) => `${r(x(p.t))},${r(y(p.ci95[1]))}`)
    const lower = withCi.map((p) => `${r(x(p.t))},${r(y(p.ci95[0]))}`).reverse()
    bandPaths.push(`M${upper.join('L')}L${lower.join('L')}Z`)
  }
  return {
    empty: pts.length === 0,
    width: W,
    height: H,
    plot: { left: SIZE.left, right: W - SIZE.right, top: SIZE.top, bottom: H - SIZE.bottom },
    yTicks: nice.ticks
      .filter((v) => v >= yLo && v <= yHi)
      .map((v) => ({ y: r(y(v)), label: String(v) })),
    xTicks: timeTicks(t0, t1, o.tickMs).map((t) => ({
      x: r(x(t)),
      label: timeLabel(t, o.tickMs),
    })),
    linePath,
    bandPaths,
    points: pts.map((p) => ({
      x: r(x(p.t)),
      y: r(y(p.value)),
      at: p.at,
      value: p.value,
      n: p.n,
      ci95: p.ci95 ?? null,
    })),
  }
}

function el(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG_NS, tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
  if (text !== undefined) e.textContent = text
  return e
}

/** The model as an <svg>; `describe(point)` is each dot's tooltip. */
export function renderChart(model, { title, unit, describe }) {
  const { plot } = model
  const root = el('svg', {
    viewBox: `0 0 ${model.width} ${model.height}`,
    role: 'img',
    'aria-label': title,
    class: 'chart-svg',
  })
  root.append(el('title', {}, title))
  for (const t of model.yTicks) {
    root.append(el('line', { class: 'grid', x1: plot.left, x2: plot.right, y1: t.y, y2: t.y }))
    root.append(el('text', { class: 'tick y', x: plot.left - 6, y: t.y + 4 }, t.label))
  }
  root.append(
    el('text', { class: 'tick unit', x: plot.left - 6, y: plot.top - 10 }, unit),
    el('line', { class: 'axis', x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.bottom }),
    el('line', { class: 'axis', x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom }),
  )
  for (const t of model.xTicks) {
    root.append(
      el('line', { class: 'axis', x1: t.x, x2: t.x, y1: plot.bottom, y2: plot.bottom + 4 }),
    )
    root.append(el('text', { class: 'tick x', x: t.x, y: plot.bottom + 17 }, t.label))
  }
  if (model.empty) {
    root.append(
      el(
        'text',
        { class: 'empty-note', x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2 },
        'No responses in this window (n = 0)',
      ),
    )
    return root
  }
  for (const d of model.bandPaths) root.append(el('path', { class: 'band', d }))
  root.append(el('path', { class: 'line', d: model.linePath }))
  const radius = model.points.length > 60 ? 1.6 : 2.5
  for (const p of model.points) {
    const dot = el('circle', { class: 'dot', cx: p.x, cy: p.y, r: radius })
    dot.append(el('title', {}, describe(p)))
    root.append(dot)
  }
  return root
}
