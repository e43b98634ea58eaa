// The cxpulse dashboard: reads only the public query API with the tenant's key.
// No build step: a plain ES module served by the query service.

const WINDOWS = {
  '1h': { ms: 3_600_000, interval: 'minute' },
  '24h': { ms: 86_400_000, interval: 'hour' },
  '7d': { ms: 7 * 86_400_000, interval: 'hour' },
  '30d': { ms: 30 * 86_400_000, interval: 'day' },
}

/** Tiles: metric id, label, how a value is shown (tests format the API's value the same way). */
export const TILES = [
  { metric: 'csat', label: 'CSAT', format: (v) => `${v.toFixed(1)} %`, goodUp: true },
  { metric: 'nps', label: 'NPS', format: (v) => v.toFixed(1), goodUp: true },
  { metric: 'ces', label: 'CES (agreement)', format: (v) => v.toFixed(2), goodUp: true },
  { metric: 'churn_rate', label: 'Churn', format: (v) => `${v.toFixed(1)} %`, goodUp: false },
  { metric: 'frt', label: 'First response time', format: formatDuration, goodUp: false },
]

export function formatDuration(seconds) {
  if (seconds < 120) return `${seconds.toFixed(0)} s`
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}

const $ = (id) => document.getElementById(id)
const SVG = 'http://www.w3.org/2000/svg'

function readKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key')
  if (fromHash) {
    sessionStorage.setItem('cxpulse-key', fromHash)
    history.replaceState(null, '', location.pathname + location.search)
  }
  return sessionStorage.getItem('cxpulse-key')
}

let key = readKey()
let windowName = sessionStorage.getItem('cxpulse-window') ?? '24h'
let breakdownBy = 'channel'
let timer

async function api(path, params) {
  const res = await fetch(`${path}?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${key}` },
  })
  if (res.status === 401 || res.status === 403) {
    sessionStorage.removeItem('cxpulse-key')
    key = null
    showKeyForm('That key was not accepted. Enter a key with the query scope.')
    throw new Error('not authorized')
  }
  const body = await res.json()
  if (!res.ok)
    throw Object.assign(new Error(body.message ?? `HTTP ${res.status}`), { status: res.status })
  return body
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v
    else e.setAttribute(k, v)
  }
  for (const c of children) e.append(c)
  return e
}

function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
  return e
}

function windowParams() {
  const w = WINDOWS[windowName]
  const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000)
  const from = new Date(to.getTime() - w.ms)
  return { from: from.toISOString(), to: to.toISOString() }
}

async function renderTiles(params) {
  const tiles = $('tiles')
  const rendered = await Promise.all(
    TILES.map(async (t) => {
      const tile = el('div', { class: 'tile', 'data-metric': t.metric })
      tile.append(el('div', { class: 'label' }, t.label))
      try {
        const r = await api(`/v1/metrics/${t.metric}`, { ...params, compare: 'previous_period' })
        const value = el(
          'div',
          { class: 'value', 'data-value': String(r.value) },
          r.value === null ? '—' : t.format(r.value),
        )
        const meta = el('div', { class: 'meta' }, `n = ${r.n}`)
        if (r.delta !== null && r.delta !== undefined) {
          const better = t.goodUp ? r.delta > 0 : r.delta < 0
          const sign = r.delta > 0 ? '+' : r.delta < 0 ? '−' : ''
          // The change in the tile's own unit (FRT in s/min/h, the rest in points).
          const size =
            t.metric === 'frt' ? formatDuration(Math.abs(r.delta)) : Math.abs(r.delta).toFixed(2)
          meta.append(
            ' · ',
            el(
              'span',
              {
                class: `delta ${r.delta === 0 ? '' : better ? 'up' : 'down'}`,
                'data-delta': String(r.delta),
              },
              `${sign}${size} vs previous`,
            ),
          )
        }
        tile.append(value, meta)
      } catch (error) {
        tile.append(el('div', { class: 'value' }, '—'), el('div', { class: 'meta' }, error.message))
      }
      return tile
    }),
  )
  tiles.replaceChildren(...rendered)
}

/** A line chart with its 95 % band, drawn as SVG; points with no responses are gaps. */
function drawChart(container, series, { min, max }) {
  const W = 600
  const H = 220
  const pad = { l: 40, r: 10, t: 10, b: 24 }
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' })
  const pts = series.filter((p) => p.value !== null)
  if (pts.length === 0) {
    container.replaceChildren(el('p', { class: 'empty' }, 'No responses in this window.'))
    return
  }
  const t0 = Date.parse(series[0].at)
  const t1 = Date.parse(series[series.length - 1].at)
  const x = (at) => pad.l + ((Date.parse(at) - t0) / Math.max(1, t1 - t0)) * (W - pad.l - pad.r)
  const y = (v) =>
    pad.t + (1 - (Math.min(max, Math.max(min, v)) - min) / (max - min)) * (H - pad.t - pad.b)
  for (const v of [min, (min + max) / 2, max]) {
    root.append(svg('line', { class: 'axis', x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v) }))
    const label = svg('text', { x: 4, y: y(v) + 4 })
    label.textContent = String(v)
    root.append(label)
  }
  for (const p of [series[0], series[series.length - 1]]) {
    const label = svg('text', { x: Math.min(W - 90, x(p.at)), y: H - 6 })
    label.textContent = new Date(p.at).toLocaleString([], {
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    })
    root.append(label)
  }
  const withCi = pts.filter((p) => Array.isArray(p.ci95))
  if (withCi.length > 1) {
    const upper = withCi.map((p) => `${x(p.at)},${y(p.ci95[1])}`)
    const lower = withCi.map((p) => `${x(p.at)},${y(p.ci95[0])}`).reverse()
    root.append(svg('polygon', { class: 'band', points: [...upper, ...lower].join(' ') }))
  }
  root.append(
    svg('polyline', {
      class: 'line',
      points: pts.map((p) => `${x(p.at)},${y(p.value)}`).join(' '),
    }),
  )
  for (const p of pts) {
    const dot = svg('circle', { cx: x(p.at), cy: y(p.value), r: 2, fill: 'var(--line)' })
    const title = svg('title')
    title.textContent = `${new Date(p.at).toLocaleString()}: ${p.value.toFixed(1)} (n = ${p.n})`
    dot.append(title)
    root.append(dot)
  }
  container.replaceChildren(root)
}

async function renderCharts(params) {
  const interval = WINDOWS[windowName].interval
  const [csat, nps] = await Promise.all([
    api('/v1/metrics/csat', { ...params, interval }),
    api('/v1/metrics/nps', { ...params, interval }),
  ])
  drawChart($('chart-csat'), csat.series ?? [], { min: 0, max: 100 })
  drawChart($('chart-nps'), nps.series ?? [], { min: -100, max: 100 })
}

async function renderBreakdown(params) {
  const r = await api('/v1/metrics/csat', { ...params, group_by: breakdownBy })
  const groups = (r.groups ?? []).filter((g) => g.value !== null).slice(0, 12)
  if (groups.length === 0) {
    $('breakdown').replaceChildren(el('p', { class: 'empty' }, 'No responses in this window.'))
    return
  }
  $('breakdown').replaceChildren(
    ...groups.map((g) => {
      const fill = el('div', { class: 'fill' })
      fill.style.width = `${Math.max(0, Math.min(100, g.value))}%`
      return el(
        'div',
        { class: 'bar', 'data-key': g.key },
        el('span', {}, g.key || '(none)'),
        el('div', { class: 'track' }, fill),
        el('span', {}, `${g.value.toFixed(1)} % · n ${g.n}`),
      )
    }),
  )
}

async function renderAlerts() {
  let body
  try {
    body = await api('/v1/alerts', { state: 'all', limit: '20' })
  } catch (error) {
    $('alerts').replaceChildren(
      el('p', { class: 'empty' }, error.status === 404 ? 'Alerts unavailable.' : error.message),
    )
    return
  }
  if (body.alerts.length === 0) {
    $('alerts').replaceChildren(
      el('p', { class: 'empty' }, 'No alerts. Rules: GET /v1/alert-rules.'),
    )
    return
  }
  $('alerts').replaceChildren(
    ...body.alerts.map((a) => {
      const what = a.dimension_value
        ? `${a.rule_name} — ${a.dimension} ${a.dimension_value}`
        : a.rule_name
      const cur =
        a.current?.value === null || a.current?.value === undefined
          ? '—'
          : a.current.value.toFixed(1)
      const base =
        a.baseline?.value === null || a.baseline?.value === undefined
          ? '—'
          : a.baseline.value.toFixed(1)
      const when =
        a.state === 'firing'
          ? `firing since ${new Date(a.fired_at).toLocaleString()}`
          : `resolved ${new Date(a.resolved_at).toLocaleString()}`
      return el(
        'div',
        { class: `alert ${a.state}` },
        el('strong', {}, what),
        el('br'),
        `${a.metric}: ${cur} now vs ${base} before (n ${a.current?.n ?? 0} / ${a.baseline?.n ?? 0}), ${when}`,
      )
    }),
  )
}

async function refresh() {
  clearTimeout(timer)
  if (!key) return
  const params = windowParams()
  $('status').textContent = 'updating…'
  const results = await Promise.allSettled([
    renderTiles(params),
    renderCharts(params),
    renderBreakdown(params),
    renderAlerts(),
  ])
  const failed = results.find((r) => r.status === 'rejected')
  $('status').textContent = failed
    ? `error: ${failed.reason.message}`
    : `updated ${new Date().toLocaleTimeString()}`
  document.body.dataset.loaded = 'true'
  timer = setTimeout(refresh, 10_000)
}

function showKeyForm(message) {
  $('main').hidden = true
  $('key-form').hidden = false
  if (message) $('status').textContent = message
}

function start() {
  for (const b of document.querySelectorAll('#windows button')) {
    b.setAttribute('aria-pressed', String(b.dataset.window === windowName))
    b.addEventListener('click', () => {
      windowName = b.dataset.window
      sessionStorage.setItem('cxpulse-window', windowName)
      for (const o of document.querySelectorAll('#windows button'))
        o.setAttribute('aria-pressed', String(o === b))
      void refresh()
    })
  }
  $('breakdown-by').addEventListener('change', (e) => {
    breakdownBy = e.target.value
    void refresh()
  })
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault()
    key = $('key-input').value.trim()
    sessionStorage.setItem('cxpulse-key', key)
    $('key-form').hidden = true
    $('main').hidden = false
    void refresh()
  })
  if (!key) return showKeyForm('Enter an API key to see your data.')
  $('main').hidden = false
  void refresh()
}

start()
