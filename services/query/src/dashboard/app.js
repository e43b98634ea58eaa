// The cxpulse dashboard: reads only the public query API with the tenant's key.
// No build step: plain ES modules served by the query service.

import { chartModel, renderChart } from './chart.js'
import {
  EMPTY,
  TILES,
  WINDOWS,
  customRange,
  customWindow,
  fixed,
  formatDelta,
  formatValue,
  keyFromHash,
  toLocalInput,
  windowRange,
} from './format.js'

const REFRESH_MS = 10_000
const KEY_STORE = 'cxpulse-key'
const WINDOW_STORE = 'cxpulse-window'
const CUSTOM_STORE = 'cxpulse-custom'
const INTERVAL_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }
const CHARTS = [
  { id: 'chart-csat', metric: 'csat', title: 'CSAT %', unit: '%', domain: [0, 100], minSpan: 10 },
  { id: 'chart-nps', metric: 'nps', title: 'NPS', unit: 'NPS', domain: [-100, 100], minSpan: 20 },
]

const $ = (id) => document.getElementById(id)
let zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

/** The key comes in the URL fragment (never sent to a server), then lives in sessionStorage. */
function takeKeyFromUrl() {
  const fromHash = keyFromHash(location.hash)
  if (fromHash) {
    sessionStorage.setItem(KEY_STORE, fromHash)
    // Out of the address bar, the history and any bookmark.
    history.replaceState(null, '', location.pathname + location.search)
  }
  return sessionStorage.getItem(KEY_STORE)
}

let key = takeKeyFromUrl()
/** The custom window's fixed [from, to) as last applied in this tab (null if none). */
function storedCustom() {
  try {
    const c = JSON.parse(sessionStorage.getItem(CUSTOM_STORE) ?? 'null')
    return c && typeof c.from === 'string' && typeof c.to === 'string' ? c : null
  } catch {
    return null
  }
}
let custom = storedCustom()
const storedWindow = sessionStorage.getItem(WINDOW_STORE)
let windowName =
  Object.hasOwn(WINDOWS, storedWindow ?? '') || (storedWindow === 'custom' && custom)
    ? storedWindow
    : '24h'

/** The window on screen: a preset ending at the next whole minute, or the custom one. */
function currentWindow() {
  if (windowName === 'custom' && custom) {
    return { spec: customWindow(Date.parse(custom.from), Date.parse(custom.to)), range: custom }
  }
  return { spec: WINDOWS[windowName], range: windowRange(windowName) }
}
let breakdownBy = 'channel'
let timer
let generation = 0

class ApiError extends Error {
  constructor(message, status) {
    super(message)
    this.status = status
  }
}

async function api(path, params) {
  const res = await fetch(`${path}?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${key}` },
    cache: 'no-store',
  })
  if (res.status === 401 || res.status === 403) {
    sessionStorage.removeItem(KEY_STORE)
    key = null
    showKeyForm(
      res.status === 403
        ? 'That key may not query metrics. Enter a key with the query scope.'
        : 'That key was not accepted. Enter a valid API key.',
    )
    throw new ApiError('not authorized', res.status)
  }
  const body = await res.json().catch(() => ({}))
  if (!res.ok) throw new ApiError(body.message ?? `HTTP ${res.status}`, res.status)
  return body
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue
    if (k === 'class') e.className = v
    else e.setAttribute(k, v)
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c)
  return e
}

const when = (iso) =>
  new Date(iso).toLocaleString([], {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  })

function tile(t, r, spec) {
  const label = el('div', { class: 'label' }, t.label)
  if (r instanceof Error) {
    return el(
      'div',
      { class: 'tile', 'data-metric': t.metric, 'data-state': 'error' },
      label,
      el('div', { class: 'value' }, EMPTY),
      el('div', { class: 'meta error' }, r.message),
    )
  }
  const ci =
    Array.isArray(r.ci95) && r.value !== null
      ? `95 % CI ${formatValue(t.metric, r.ci95[0])} – ${formatValue(t.metric, r.ci95[1])}`
      : undefined
  const value = el(
    'div',
    { class: 'value', 'data-value': String(r.value), title: ci },
    formatValue(t.metric, r.value),
  )
  const n = el('span', { class: 'n', 'data-n': String(r.n) }, `n = ${r.n}`)
  const deltaText = formatDelta(t.metric, r.delta)
  const previous = spec.label
  const delta =
    deltaText === null
      ? el('span', { class: 'delta none' }, `no data in the previous ${previous}`)
      : el(
          'span',
          {
            class: `delta ${r.delta === 0 ? 'flat' : (t.goodUp ? r.delta > 0 : r.delta < 0) ? 'good' : 'bad'}`,
            'data-delta': String(r.delta),
            title: `previous ${previous}: ${formatValue(t.metric, r.previous?.value)} (n = ${r.previous?.n ?? 0})`,
          },
          `${deltaText} vs previous ${previous}`,
        )
  return el(
    'div',
    { class: 'tile', 'data-metric': t.metric },
    label,
    value,
    el('div', { class: 'meta' }, n, el('br'), delta),
  )
}

async function loadTiles(range, spec) {
  const results = await Promise.all(
    TILES.map((t) =>
      api(`/v1/metrics/${t.metric}`, { ...range, compare: 'previous_period' }).catch((e) => e),
    ),
  )
  return () => $('tiles').replaceChildren(...TILES.map((t, i) => tile(t, results[i], spec)))
}

async function series(metric, range, interval) {
  try {
    return await api(`/v1/metrics/${metric}`, { ...range, interval, tz: zone })
  } catch (error) {
    // A browser zone the server does not know: fall back to UTC buckets.
    if (error.status === 400 && zone !== 'UTC') {
      zone = 'UTC'
      return api(`/v1/metrics/${metric}`, { ...range, interval, tz: zone })
    }
    throw error
  }
}

async function loadCharts(range, w) {
  const results = await Promise.all(
    CHARTS.map((c) => series(c.metric, range, w.interval).catch((e) => e)),
  )
  return () =>
    CHARTS.forEach((c, i) => {
      const r = results[i]
      const box = $(c.id)
      if (r instanceof Error) {
        box.replaceChildren(el('p', { class: 'empty error' }, r.message))
        return
      }
      const model = chartModel(r.series ?? [], {
        ...range,
        intervalMs: INTERVAL_MS[w.interval],
        tickMs: w.tickMs,
        domain: c.domain,
        minSpan: c.minSpan,
      })
      const svg = renderChart(model, {
        title: `${c.title} per ${w.interval} with 95 % confidence band`,
        unit: c.unit,
        describe: (p) =>
          `${when(p.at)}: ${formatValue(c.metric, p.value)} (n = ${p.n}${
            p.ci95 ? `, 95 % CI ${fixed(p.ci95[0], 1)} – ${fixed(p.ci95[1], 1)}` : ''
          })`,
      })
      box.replaceChildren(svg)
      $(`${c.id}-meta`).textContent =
        `${formatValue(c.metric, r.value)} overall · n = ${r.n} · per ${w.interval}`
    })
}

async function loadBreakdown(range) {
  const by = breakdownBy
  const r = await api('/v1/metrics/csat', { ...range, group_by: by }).catch((e) => e)
  return () => {
    if (r instanceof Error) {
      $('breakdown').replaceChildren(el('p', { class: 'empty error' }, r.message))
      return
    }
    const groups = (r.groups ?? []).filter((g) => g.value !== null).slice(0, 15)
    if (groups.length === 0) {
      $('breakdown').replaceChildren(
        el('p', { class: 'empty' }, `${EMPTY} No responses in this window (n = 0).`),
      )
      return
    }
    $('breakdown').replaceChildren(
      ...groups.map((g) => {
        const fill = el('div', { class: 'fill' })
        fill.style.width = `${Math.max(0, Math.min(100, g.value))}%`
        const track = el('div', { class: 'track' }, fill)
        if (Array.isArray(g.ci95)) {
          const ci = el('div', { class: 'ci', title: '95 % confidence interval' })
          ci.style.left = `${Math.max(0, g.ci95[0])}%`
          ci.style.width = `${Math.max(0, Math.min(100, g.ci95[1]) - Math.max(0, g.ci95[0]))}%`
          track.append(ci)
        }
        return el(
          'div',
          { class: 'bar', 'data-key': g.key },
          el('span', { class: 'key', title: g.key }, g.key || '(none)'),
          track,
          el('span', { class: 'num' }, `${formatValue('csat', g.value)} · n ${g.n}`),
        )
      }),
    )
  }
}

function alertRow(a) {
  const figure = (f) => `${formatValue(a.metric, f?.value)} (n ${f?.n ?? 0})`
  const times = [el('span', {}, `fired ${when(a.fired_at)}`)]
  if (a.resolved_at) times.push(' · ', el('span', {}, `resolved ${when(a.resolved_at)}`))
  return el(
    'li',
    { class: `alert ${a.state}`, 'data-alert-id': a.alert_id },
    el('span', { class: `badge ${a.state}` }, a.state),
    el(
      'div',
      { class: 'what' },
      el('strong', { class: 'rule' }, a.rule_name),
      a.dimension_value
        ? el('span', { class: 'dim' }, ` — ${a.dimension} ${a.dimension_value}`)
        : null,
    ),
    el(
      'div',
      { class: 'figures' },
      `${a.metric}: `,
      el('span', { class: 'current' }, figure(a.current)),
      ' now vs ',
      el('span', { class: 'baseline' }, figure(a.baseline)),
      ' baseline',
    ),
    el('div', { class: 'times' }, ...times),
  )
}

async function loadAlerts() {
  const r = await api('/v1/alerts', { state: 'all', limit: '20' }).catch((e) => e)
  return () => {
    if (r instanceof Error) {
      // A query service without the alerts API (404) still shows everything else.
      const message =
        r.status === 404 ? 'Alerts unavailable: this server has no /v1/alerts.' : r.message
      $('alerts-count').textContent = ''
      $('alerts').replaceChildren(el('p', { class: 'empty error' }, message))
      return
    }
    const firing = r.alerts.filter((a) => a.state === 'firing').length
    $('alerts-count').textContent = r.alerts.length
      ? `${firing} firing · ${r.alerts.length} shown`
      : ''
    if (r.alerts.length === 0) {
      $('alerts').replaceChildren(el('p', { class: 'empty' }, 'No alerts.'))
      return
    }
    $('alerts').replaceChildren(el('ul', { class: 'alert-list' }, ...r.alerts.map(alertRow)))
  }
}

/** Fetches everything for one window, then paints it at once (no half-updated screen). */
async function refresh() {
  clearTimeout(timer)
  if (!key) return
  const mine = ++generation
  const { spec, range } = currentWindow()
  $('status').textContent = 'updating…'
  const paints = await Promise.all([
    loadTiles(range, spec),
    loadCharts(range, spec),
    loadBreakdown(range),
    loadAlerts(),
  ]).catch((e) => e)
  if (mine !== generation || !key) return // a newer refresh (or a key change) took over
  if (paints instanceof Error) {
    $('status').textContent = `error: ${paints.message}`
  } else {
    for (const paint of paints) paint()
    // What is on screen, for people and tests: the window, its series interval and zone.
    Object.assign(document.body.dataset, {
      from: range.from,
      to: range.to,
      interval: spec.interval,
      tz: zone,
    })
    $('range').textContent = `${when(range.from)} – ${when(range.to)}`
    $('status').textContent = `updated ${new Date().toLocaleTimeString()}`
    document.body.dataset.window = windowName
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1)
  }
  timer = setTimeout(refresh, REFRESH_MS)
}

function showKeyForm(message) {
  clearTimeout(timer)
  $('main').hidden = true
  $('forget-key').hidden = true
  $('key-form').hidden = false
  $('key-message').textContent = message
  $('key-input').focus()
}

function showMain() {
  $('key-form').hidden = true
  $('forget-key').hidden = false
  $('main').hidden = false
  void refresh()
}

function pickWindow(name) {
  windowName = name
  sessionStorage.setItem(WINDOW_STORE, windowName)
  for (const o of document.querySelectorAll('#windows button'))
    o.setAttribute('aria-pressed', String(o.dataset.window === name))
  void refresh()
}

/** The custom window's form, filled with what is on screen (or the custom window last used). */
function openCustomForm() {
  const { range } = currentWindow()
  $('custom-from').value = toLocalInput(Date.parse(range.from))
  $('custom-to').value = toLocalInput(Date.parse(range.to))
  $('custom-error').textContent = ''
  $('custom-form').hidden = false
  $('custom-from').focus()
}

function start() {
  for (const b of document.querySelectorAll('#windows button')) {
    b.setAttribute('aria-pressed', String(b.dataset.window === windowName))
    b.addEventListener('click', () => {
      if (b.dataset.window === 'custom') return openCustomForm()
      $('custom-form').hidden = true
      pickWindow(b.dataset.window)
    })
  }
  $('custom-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const r = customRange($('custom-from').value, $('custom-to').value)
    if ('error' in r) {
      $('custom-error').textContent = r.error
      return
    }
    $('custom-form').hidden = true
    custom = r
    sessionStorage.setItem(CUSTOM_STORE, JSON.stringify(r))
    pickWindow('custom')
  })
  $('custom-cancel').addEventListener('click', () => {
    $('custom-form').hidden = true
  })
  $('breakdown-by').addEventListener('change', (e) => {
    breakdownBy = e.target.value
    void refresh()
  })
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const entered = $('key-input').value.trim()
    if (!entered) return
    key = entered
    $('key-input').value = ''
    sessionStorage.setItem(KEY_STORE, key)
    showMain()
  })
  $('forget-key').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORE)
    key = null
    showKeyForm('Key forgotten. Enter an API key to see your data.')
  })
  // A new dashboard link pasted into the same tab.
  window.addEventListener('hashchange', () => {
    if (!keyFromHash(location.hash)) return
    key = takeKeyFromUrl()
    showMain()
  })
  if (!key) return showKeyForm('Enter an API key (query scope) to see your data.')
  showMain()
}

start()
