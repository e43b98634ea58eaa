// The cxpulse dashboard: reads only the public query API with the tenant's key.
// No build step: plain ES modules served by the query service. The metrics on each page come
// from GET /v1/metrics (what the API serves); the view (page, window, filters) lives in the URL.

import { chartModel, renderChart } from './chart.js'
import {
  EMPTY,
  WINDOWS,
  customRange,
  customWindow,
  fixed,
  formatDelta,
  formatValue,
  keyFromHash,
  toCsv,
  toLocalInput,
  windowRange,
} from './format.js'
import { DIMENSIONS, parseState, toSearch } from './state.js'

const REFRESH_MS = 10_000
/** The freshness line is read on its own this often, and more often while a backlog drains. */
const FRESHNESS_MS = 5_000
const CATCHING_UP_FRESHNESS_MS = 2_000
const KEY_STORE = 'cxpulse-key'
const INTERVAL_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }
/** Which page each metric belongs to; a metric the API adds later shows on the overview. */
const AREA = {
  csat: 'surveys',
  csat_mean: 'surveys',
  nps: 'surveys',
  ces: 'surveys',
  ces_pct: 'surveys',
  survey_response_rate: 'surveys',
  feedback_reply_rate: 'surveys',
  frt: 'support',
  reply_time: 'support',
  resolution_time: 'support',
  complaint_resolution_time: 'support',
  fcr: 'support',
  ticket_volume: 'support',
  open_backlog: 'support',
  reopen_rate: 'support',
  escalation_rate: 'support',
  sla_attainment: 'support',
  awt: 'support',
  channel_mix: 'support',
  churn_rate: 'customers',
  crr: 'customers',
  referral_rate: 'customers',
  clv: 'customers',
  historical_clv: 'customers',
  iqs: 'quality',
}
const HEADLINE = ['csat', 'nps', 'ces', 'churn_rate', 'frt']
const TITLES = {
  overview: 'Overview',
  surveys: 'Surveys',
  support: 'Support',
  customers: 'Customers',
  quality: 'Quality',
  alerts: 'Alerts',
}

const $ = (id) => document.getElementById(id)
let zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
let state = parseState(location.search)
let catalog // GET /v1/metrics, loaded once
let timer
let generation = 0
/** The tables on screen, for the CSV buttons: name → {header, rows}. */
const tables = new Map()

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

class ApiError extends Error {
  constructor(message, status, body) {
    super(message)
    this.status = status
    this.body = body
  }
}

async function api(path, params = {}) {
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
  if (!res.ok) throw new ApiError(body.message ?? `HTTP ${res.status}`, res.status, body)
  return body
}
const settle = (p) => p.catch((e) => e)

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

/** The window on screen: a preset ending at the next whole minute, or the custom one. */
function currentWindow() {
  if (state.window === 'custom') {
    const range = { from: state.from, to: state.to }
    return { spec: customWindow(Date.parse(range.from), Date.parse(range.to)), range }
  }
  return { spec: WINDOWS[state.window], range: windowRange(state.window) }
}

/** Changes the view: into the URL (a new history entry unless `replace`), then repaint. */
function go(change, { replace = false } = {}) {
  state = { ...state, ...change }
  const url = location.pathname + toSearch(state)
  if (replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  syncControls()
  void refresh()
}

// ---- metric cards -------------------------------------------------------------------------

/** One tile per metric; CES once per scale when the window has several (the API says which). */
async function loadCard(def, base) {
  const params = { ...base, compare: 'previous_period' }
  // Without a customer id the API says what is missing; the form below the title asks for it.
  if (def.id === 'historical_clv' && state.customer) {
    params.customer_id = state.customer
    params.from = '2000-01-01T00:00:00Z' // the customer's lifetime value, as the README advises
  }
  const r = await settle(api(`/v1/metrics/${def.id}`, params))
  const scales = r instanceof ApiError && r.status === 422 ? choicesOf(r, 'scale') : []
  if (scales.length === 0) return [{ def, params: pickExtra(params), r }]
  return Promise.all(
    scales.map(async (scale) => ({
      def,
      params: { scale },
      r: await settle(api(`/v1/metrics/${def.id}`, { ...params, scale })),
    })),
  )
}

/** The values a 422 offers for a parameter ("one of 1-7, 1-5"). */
function choicesOf(error, path) {
  const e = (error.body?.errors ?? []).find((x) => x.path === path)
  const m = /^one of (.+)$/.exec(e?.message ?? '')
  return m ? m[1].split(', ').filter((s) => /^[\w.-]+$/.test(s)) : []
}
/** The parameters that make a tile differ from a plain request (scale, customer). */
function pickExtra(params) {
  const out = {}
  for (const k of ['scale', 'customer_id']) if (params[k]) out[k] = params[k]
  return out
}
const cardId = (c) => (c.params.scale ? `${c.def.id}@${c.params.scale}` : c.def.id)
const cardLabel = (c) =>
  c.params.scale
    ? `${c.def.name} (${c.params.scale})`
    : c.def.id === 'ces'
      ? `${c.def.name} (agreement)`
      : c.def.name

function tile(c, spec) {
  const { def, r } = c
  const selected = cardId(c) === selectedMetric()
  const attrs = {
    type: 'button',
    class: 'tile',
    'data-metric': def.id,
    'data-card': cardId(c),
    'data-params': new URLSearchParams(c.params).toString(),
    'aria-pressed': String(selected),
    title: `${def.description} — show its trend and breakdown`,
  }
  const label = el('span', { class: 'label' }, cardLabel(c))
  if (r instanceof Error) {
    return el(
      'button',
      { ...attrs, 'data-state': 'error' },
      label,
      el('span', { class: 'value' }, EMPTY),
      el('span', { class: 'meta error' }, r.message),
    )
  }
  const ci = Array.isArray(r.ci95) && r.value !== null ? r.ci95 : null
  const deltaText = formatDelta(def.unit, r.delta)
  const better = def.higherIsBetter
  const tone =
    r.delta === 0 || better === null
      ? 'flat'
      : (better ? r.delta > 0 : r.delta < 0)
        ? 'good'
        : 'bad'
  const delta =
    deltaText === null
      ? el('span', { class: 'delta none' }, `no data in the previous ${spec.label}`)
      : el(
          'span',
          {
            class: `delta ${tone}`,
            title: `previous ${spec.label}: ${formatValue(def.unit, r.previous?.value)} (n = ${r.previous?.n ?? 0})`,
          },
          `${deltaText} vs previous ${spec.label}`,
        )
  const currency = r.components?.currency ? ` ${r.components.currency}` : ''
  return el(
    'button',
    attrs,
    label,
    el(
      'span',
      { class: 'value' },
      formatValue(def.unit, r.value) + (r.value === null ? '' : currency),
    ),
    el(
      'span',
      { class: 'meta' },
      el('span', { class: 'n' }, `n = ${r.n}`),
      ci
        ? el(
            'span',
            { class: 'ci' },
            `95 % CI ${formatValue(def.unit, ci[0])} – ${formatValue(def.unit, ci[1])}`,
          )
        : null,
      delta,
    ),
  )
}

const csvRow = (name, r) => [
  name,
  r instanceof Error ? null : r.value,
  r instanceof Error ? null : r.n,
  r.ci95?.[0],
  r.ci95?.[1],
  r.previous?.value,
  r.previous?.n,
  r.delta,
]

// ---- trend and breakdown ------------------------------------------------------------------

function chartDomain(unit, series) {
  if (unit === 'percent' || unit === 'score') return { domain: [0, 100], minSpan: 10 }
  if (unit === 'nps') return { domain: [-100, 100], minSpan: 20 }
  const hi = Math.max(0, ...series.map((p) => Math.max(p.value ?? 0, p.ci95?.[1] ?? 0)))
  return { domain: [0, hi > 0 ? hi * 1.15 : 1], minSpan: hi > 0 ? hi / 5 : 1 }
}

/** A series in the window's interval; a metric refusing it (lifecycle: no hours) gets days. */
async function loadSeries(card, base, interval) {
  const ask = (i) =>
    api(`/v1/metrics/${card.def.id}`, { ...base, ...card.params, interval: i, tz: zone })
  try {
    return { interval, r: await ask(interval) }
  } catch (error) {
    if (
      error.status === 400 &&
      zone !== 'UTC' &&
      error.body?.errors?.some((e) => e.path === 'tz')
    ) {
      zone = 'UTC'
      return loadSeries(card, base, interval)
    }
    const refused = error.body?.errors?.some((e) => e.path === 'interval')
    if (error.status === 400 && refused && interval !== 'day') {
      return { interval: 'day', r: await settle(ask('day')) }
    }
    return { interval, r: error }
  }
}

function paintTrend(card, s, range, spec) {
  const box = $('trend')
  $('trend-title').textContent = `${cardLabel(card)} over time`
  if (s.r instanceof Error) {
    box.replaceChildren(el('p', { class: 'empty error' }, s.r.message))
    tables.delete('series')
    return
  }
  const series = s.r.series ?? []
  const unit = card.def.unit
  const model = chartModel(series, {
    ...range,
    intervalMs: INTERVAL_MS[s.interval] ?? INTERVAL_MS.day,
    tickMs: s.interval === spec.interval ? spec.tickMs : Math.max(spec.tickMs, INTERVAL_MS.day),
    ...chartDomain(unit, series),
  })
  box.replaceChildren(
    renderChart(model, {
      title: `${cardLabel(card)} per ${s.interval}${card.def.ci ? ' with 95 % confidence band' : ''}`,
      unit: unit === 'percent' ? '%' : unit === 'seconds' ? 's' : '',
      describe: (p) =>
        `${when(p.at)}: ${formatValue(unit, p.value)} (n = ${p.n}${
          p.ci95 ? `, 95 % CI ${fixed(p.ci95[0], 1)} – ${fixed(p.ci95[1], 1)}` : ''
        })`,
    }),
  )
  box.dataset.interval = s.interval
  $('trend-meta').textContent =
    `per ${s.interval} · ${series.filter((p) => p.value !== null).length} points`
  tables.set('series', {
    file: `${card.def.id}-series`,
    header: ['at', 'value', 'n', 'ci95_low', 'ci95_high'],
    rows: series.map((p) => [p.at, p.value, p.n, p.ci95?.[0], p.ci95?.[1]]),
  })
}

function paintBreakdown(card, r) {
  const box = $('breakdown')
  $('breakdown-title').textContent = `${cardLabel(card)} by`
  tables.delete('breakdown')
  if (r instanceof Error) {
    box.replaceChildren(el('p', { class: 'empty error' }, r.message))
    return
  }
  const groups = r.groups ?? []
  if (groups.length === 0) {
    box.replaceChildren(el('p', { class: 'empty' }, `${EMPTY} Nothing in this window (n = 0).`))
    return
  }
  const unit = card.def.unit
  const top = Math.max(...groups.map((g) => Math.abs(g.value ?? 0)), 1e-9)
  const scale = unit === 'percent' || unit === 'score' ? 100 : unit === 'nps' ? 100 : top
  const rows = groups.map((g) => {
    const fill = el('span', { class: 'fill' })
    fill.style.width = `${Math.max(0, Math.min(100, (Math.abs(g.value ?? 0) / scale) * 100))}%`
    return el(
      'tr',
      { class: 'bar', 'data-key': g.key },
      el('th', { scope: 'row', class: 'key', title: g.key }, g.key || '(none)'),
      el('td', { class: 'track-cell' }, el('span', { class: 'track' }, fill)),
      el('td', { class: 'num' }, formatValue(unit, g.value)),
      el('td', { class: 'n' }, String(g.n)),
      el(
        'td',
        { class: 'ci' },
        Array.isArray(g.ci95)
          ? `${formatValue(unit, g.ci95[0])} – ${formatValue(unit, g.ci95[1])}`
          : '',
      ),
    )
  })
  box.replaceChildren(
    el(
      'table',
      { class: 'data' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...[state.by, '', 'value', 'n', '95 % CI'].map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
  )
  tables.set('breakdown', {
    file: `${card.def.id}-by-${state.by}`,
    header: [state.by, 'value', 'n', 'ci95_low', 'ci95_high'],
    rows: groups.map((g) => [g.key, g.value, g.n, g.ci95?.[0], g.ci95?.[1]]),
  })
}

// ---- agent table (support) ----------------------------------------------------------------

async function loadAgents(defs, base) {
  const results = await Promise.all(
    defs.map((d) => settle(api(`/v1/metrics/${d.id}`, { ...base, group_by: 'agent' }))),
  )
  // Only metrics the API can break down by agent become columns.
  return defs.map((def, i) => ({ def, r: results[i] })).filter((c) => !(c.r instanceof Error))
}

function paintAgents(columns) {
  const byAgent = new Map()
  for (const c of columns) {
    for (const g of c.r.groups ?? []) {
      if (!byAgent.has(g.key)) byAgent.set(g.key, {})
      byAgent.get(g.key)[c.def.id] = g
    }
  }
  const sortKey = columns.some((c) => c.def.id === state.sort) ? state.sort : 'agent'
  const sign = state.dir === 'asc' ? 1 : -1
  const agents = [...byAgent.entries()].sort(([a, x], [b, y]) => {
    if (sortKey === 'agent') return sign * a.localeCompare(b)
    const va = x[sortKey]?.value ?? null
    const vb = y[sortKey]?.value ?? null
    if (va === vb) return a.localeCompare(b)
    if (va === null) return 1 // empty cells last, either way
    if (vb === null) return -1
    return sign * (va - vb)
  })
  const header = (id, label) => {
    const on = sortKey === id
    const b = el(
      'button',
      { type: 'button', class: 'sort', 'data-sort': id },
      label,
      on ? (state.dir === 'asc' ? ' ▲' : ' ▼') : '',
    )
    b.addEventListener('click', () =>
      go({ sort: id, dir: on && state.dir === 'desc' ? 'asc' : 'desc' }, { replace: true }),
    )
    return el(
      'th',
      {
        scope: 'col',
        'aria-sort': on ? (state.dir === 'asc' ? 'ascending' : 'descending') : 'none',
      },
      b,
    )
  }
  $('agents').replaceChildren(
    agents.length === 0
      ? el('p', { class: 'empty' }, `${EMPTY} No agent activity in this window (n = 0).`)
      : el(
          'table',
          { class: 'data agents' },
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              header('agent', 'agent'),
              ...columns.map((c) => header(c.def.id, c.def.name)),
            ),
          ),
          el(
            'tbody',
            {},
            ...agents.map(([agent, cells]) =>
              el(
                'tr',
                { 'data-agent': agent },
                el('th', { scope: 'row' }, agent || '(none)'),
                ...columns.map((c) => {
                  const g = cells[c.def.id]
                  return el(
                    'td',
                    { 'data-metric': c.def.id },
                    g ? formatValue(c.def.unit, g.value) : EMPTY,
                    el('small', { class: 'n' }, ` n ${g?.n ?? 0}`),
                  )
                }),
              ),
            ),
          ),
        ),
  )
  tables.set('agents', {
    file: 'agents',
    header: ['agent', ...columns.flatMap((c) => [c.def.id, `${c.def.id}_n`])],
    rows: agents.map(([agent, cells]) => [
      agent,
      ...columns.flatMap((c) => [cells[c.def.id]?.value, cells[c.def.id]?.n ?? 0]),
    ]),
  })
}

// ---- alerts -------------------------------------------------------------------------------

function alertRow(a) {
  const unit = catalog.get(a.metric)?.unit
  const figure = (f) => `${formatValue(unit, f?.value)} (n ${f?.n ?? 0})`
  return el(
    'tr',
    { class: `alert ${a.state}`, 'data-alert-id': a.alert_id },
    el('td', {}, el('span', { class: `badge ${a.state}` }, a.state)),
    el('th', { scope: 'row', class: 'rule' }, a.rule_name),
    el('td', { class: 'dim' }, a.dimension_value ? `${a.dimension} ${a.dimension_value}` : 'all'),
    el('td', {}, catalog.get(a.metric)?.name ?? a.metric),
    el('td', { class: 'current' }, figure(a.current)),
    el('td', { class: 'baseline' }, figure(a.baseline)),
    el('td', { class: 'drop' }, a.drop === null ? EMPTY : formatValue(unit, a.drop)),
    el(
      'td',
      { class: 'p' },
      a.p_value === null ? EMPTY : a.p_value < 0.0001 ? '< 0.0001' : a.p_value.toFixed(4),
    ),
    el(
      'td',
      { class: 'times' },
      `fired ${when(a.fired_at)}`,
      a.resolved_at ? ` · resolved ${when(a.resolved_at)}` : '',
    ),
  )
}

/** Incidents as bars on a time axis from the oldest shown to now. */
function timeline(alerts) {
  const NS = 'http://www.w3.org/2000/svg'
  const svg = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag)
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
    if (text) e.textContent = text
    return e
  }
  const now = Date.now()
  const t0 = Math.min(...alerts.map((a) => Date.parse(a.fired_at)), now - 3_600_000)
  const W = 640
  const rowH = 14
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${alerts.length * rowH + 20}`,
    role: 'img',
    class: 'timeline',
    'aria-label': 'incidents over time',
  })
  const x = (t) => 4 + ((t - t0) / Math.max(1, now - t0)) * (W - 8)
  alerts.forEach((a, i) => {
    const end = a.resolved_at ? Date.parse(a.resolved_at) : now
    const bar = svg('rect', {
      class: `incident ${a.state}`,
      x: x(Date.parse(a.fired_at)),
      y: i * rowH + 2,
      width: Math.max(3, x(end) - x(Date.parse(a.fired_at))),
      height: rowH - 4,
    })
    bar.append(svg('title', {}, `${a.rule_name} ${a.dimension_value ?? ''}: ${a.state}`))
    root.append(bar)
  })
  root.append(
    svg(
      'text',
      { class: 'tick x', x: 4, y: alerts.length * rowH + 16, 'text-anchor': 'start' },
      when(new Date(t0).toISOString()),
    ),
  )
  root.append(
    svg(
      'text',
      { class: 'tick x', x: W - 4, y: alerts.length * rowH + 16, 'text-anchor': 'end' },
      'now',
    ),
  )
  return root
}

async function loadAlertsPage() {
  const r = await settle(api('/v1/alerts', { state: 'all', limit: '200' }))
  return () => {
    const box = $('alerts')
    tables.delete('alerts')
    if (r instanceof Error) {
      const message =
        r.status === 404 ? 'Alerts unavailable: this server has no /v1/alerts.' : r.message
      box.replaceChildren(el('p', { class: 'empty error' }, message))
      return
    }
    const firing = r.alerts.filter((a) => a.state === 'firing').length
    $('alerts-count').textContent = `${firing} firing · ${r.alerts.length - firing} resolved`
    if (r.alerts.length === 0) {
      box.replaceChildren(el('p', { class: 'empty' }, 'No alerts.'))
      return
    }
    const head = ['state', 'rule', 'where', 'metric', 'now', 'baseline', 'drop', 'p-value', 'when']
    box.replaceChildren(
      timeline(r.alerts),
      el(
        'div',
        { class: 'scroll' },
        el(
          'table',
          { class: 'data alert-list' },
          el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, ...r.alerts.map(alertRow)),
        ),
      ),
    )
    tables.set('alerts', {
      file: 'alerts',
      header: [
        'alert_id',
        'state',
        'rule',
        'metric',
        'dimension',
        'dimension_value',
        'current',
        'current_n',
        'baseline',
        'baseline_n',
        'drop',
        'p_value',
        'fired_at',
        'resolved_at',
      ],
      rows: r.alerts.map((a) => [
        a.alert_id,
        a.state,
        a.rule_name,
        a.metric,
        a.dimension,
        a.dimension_value,
        a.current?.value,
        a.current?.n,
        a.baseline?.value,
        a.baseline?.n,
        a.drop,
        a.p_value,
        a.fired_at,
        a.resolved_at,
      ]),
    })
  }
}

// ---- freshness ----------------------------------------------------------------------------

async function loadFreshness() {
  const r = await settle(api('/v1/status'))
  return () => {
    const box = $('freshness')
    if (r instanceof Error) {
      box.textContent = `freshness unknown: ${r.message}`
      box.dataset.state = 'unknown'
      watchFreshness(false)
      return
    }
    const upTo = r.newest_event_at
      ? `data up to ${new Date(r.newest_event_at).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })}`
      : 'no data yet'
    const p = r.processor
    box.textContent = p ? `${upTo}, ${p.waiting.toLocaleString('en-US')} batches waiting` : upTo
    box.title = p ? '' : (r.processor_error ?? '')
    box.dataset.state = p?.catching_up ? 'catching-up' : p ? 'live' : 'no-lag'
    box.dataset.waiting = p ? String(p.waiting) : ''
    $('catching-up').hidden = !p?.catching_up
    watchFreshness(Boolean(p?.catching_up))
  }
}

let freshnessTimer
/**
 * Keeps the freshness line current between the page's full refreshes, so a backlog that
 * starts or drains shows within seconds; when a drain is over, the whole view refreshes (the
 * charts then hold what was still arriving).
 */
function watchFreshness(catchingUp) {
  clearTimeout(freshnessTimer)
  freshnessTimer = setTimeout(
    async () => {
      if (!key) return
      const paint = await loadFreshness()
      if (!key) return
      paint()
      if (catchingUp && $('freshness').dataset.state !== 'catching-up') void refresh()
    },
    catchingUp ? CATCHING_UP_FRESHNESS_MS : FRESHNESS_MS,
  )
}

// ---- pages --------------------------------------------------------------------------------

function pageMetrics(page) {
  const all = [...catalog.values()]
  if (page === 'overview') {
    const unplaced = all.filter((d) => !AREA[d.id])
    return [...HEADLINE.map((id) => catalog.get(id)).filter(Boolean), ...unplaced]
  }
  return all.filter((d) => AREA[d.id] === page)
}
function selectedMetric() {
  return state.metric ?? pageCards[0]?.id
}
let pageCards = []

async function loadMetricsPage(range, spec) {
  const base = { ...range, ...state.filters }
  const defs = pageMetrics(state.page)
  const cards = (await Promise.all(defs.map((d) => loadCard(d, base)))).flat()
  pageCards = cards.map((c) => ({ id: cardId(c) }))
  const card = cards.find((c) => cardId(c) === selectedMetric()) ?? cards[0]
  const [series, groups, agents] = await Promise.all([
    card ? loadSeries(card, base, spec.interval) : null,
    card
      ? settle(api(`/v1/metrics/${card.def.id}`, { ...base, ...card.params, group_by: state.by }))
      : null,
    state.page === 'support' ? loadAgents(defs, base) : null,
  ])
  return () => {
    $('tiles').replaceChildren(...cards.map((c) => tile(c, spec)))
    for (const b of $('tiles').querySelectorAll('button.tile')) {
      b.addEventListener('click', () => go({ metric: b.dataset.card }, { replace: true }))
    }
    tables.set('tiles', {
      file: `${state.page}-metrics`,
      header: ['metric', 'value', 'n', 'ci95_low', 'ci95_high', 'previous', 'previous_n', 'delta'],
      rows: cards.map((c) => csvRow(cardId(c), c.r)),
    })
    if (card) {
      paintTrend(card, series, range, spec)
      paintBreakdown(card, groups)
    }
    $('agents-card').hidden = !agents
    if (agents) paintAgents(agents)
  }
}

/** Fetches everything for one view, then paints it at once (no half-updated screen). */
async function refresh() {
  clearTimeout(timer)
  if (!key) return
  const mine = ++generation
  const { spec, range } = currentWindow()
  $('status').textContent = 'updating…'
  const paints = await Promise.all([
    (async () => {
      catalog ??= new Map((await api('/v1/metrics')).metrics.map((d) => [d.id, d]))
      return state.page === 'alerts' ? loadAlertsPage() : loadMetricsPage(range, spec)
    })(),
    loadFreshness(),
  ]).catch((e) => e)
  if (mine !== generation || !key) return // a newer refresh (or a key change) took over
  if (paints instanceof Error) {
    $('status').textContent = `error: ${paints.message}`
  } else {
    const alerts = state.page === 'alerts'
    $('metrics-view').hidden = alerts
    $('alerts-view').hidden = !alerts
    for (const paint of paints) paint()
    for (const b of document.querySelectorAll('button.csv'))
      b.disabled = !tables.has(b.dataset.table)
    // What is on screen, for people and tests: page, window, series interval and zone.
    Object.assign(document.body.dataset, {
      page: state.page,
      window: state.window,
      from: range.from,
      to: range.to,
      interval: spec.interval,
      tz: zone,
    })
    $('range').textContent = `${when(range.from)} – ${when(range.to)}`
    $('status').textContent = `updated ${new Date().toLocaleTimeString()}`
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1)
  }
  timer = setTimeout(refresh, REFRESH_MS)
}

function download(name) {
  const t = tables.get(name)
  if (!t) return
  const { range } = currentWindow()
  const url = URL.createObjectURL(new Blob([toCsv(t.header, t.rows)], { type: 'text/csv' }))
  const a = el('a', { href: url, download: `cxpulse-${t.file}-${range.from.slice(0, 16)}.csv` })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

// ---- controls -----------------------------------------------------------------------------

/** Puts the state into the controls (after a link, a back button or a change). */
function syncControls() {
  for (const a of document.querySelectorAll('#pages a')) {
    const page = a.dataset.page
    a.href = toSearch({ ...state, page, metric: undefined, sort: undefined }) || '?'
    if (page === state.page) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  for (const b of document.querySelectorAll('#windows button'))
    b.setAttribute('aria-pressed', String(b.dataset.window === state.window))
  for (const d of DIMENSIONS) $(`filter-${d}`).value = state.filters[d] ?? ''
  $('breakdown-by').value = state.by
  $('customer-id').value = state.customer ?? ''
  $('customer-form').hidden = state.page !== 'customers'
  $('page-title').textContent = TITLES[state.page]
  document.title = `cxpulse — ${TITLES[state.page]}`
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

function openCustomForm() {
  const { range } = currentWindow()
  $('custom-from').value = toLocalInput(Date.parse(range.from))
  $('custom-to').value = toLocalInput(Date.parse(range.to))
  $('custom-error').textContent = ''
  $('custom-form').hidden = false
  $('custom-from').focus()
}

function start() {
  for (const a of document.querySelectorAll('#pages a')) {
    a.addEventListener('click', (e) => {
      if (e.metaKey || e.ctrlKey || e.shiftKey) return // a new tab opens the link itself
      e.preventDefault()
      go({ page: a.dataset.page, metric: undefined, sort: undefined })
    })
  }
  for (const b of document.querySelectorAll('#windows button')) {
    b.addEventListener('click', () => {
      if (b.dataset.window === 'custom') return openCustomForm()
      $('custom-form').hidden = true
      go({ window: b.dataset.window, from: undefined, to: undefined })
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
    go({ window: 'custom', from: r.from, to: r.to })
  })
  $('custom-cancel').addEventListener('click', () => {
    $('custom-form').hidden = true
  })
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault()
    const filters = {}
    for (const d of DIMENSIONS) {
      const v = $(`filter-${d}`).value.trim()
      if (v) filters[d] = v
    }
    go({ filters })
  })
  $('filters-clear').addEventListener('click', () => go({ filters: {} }))
  $('breakdown-by').addEventListener('change', (e) => go({ by: e.target.value }, { replace: true }))
  $('customer-form').addEventListener('submit', (e) => {
    e.preventDefault()
    go({ customer: $('customer-id').value.trim() || undefined })
  })
  for (const b of document.querySelectorAll('button.csv'))
    b.addEventListener('click', () => download(b.dataset.table))
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
  window.addEventListener('popstate', () => {
    state = parseState(location.search)
    syncControls()
    void refresh()
  })
  // A new dashboard link pasted into the same tab.
  window.addEventListener('hashchange', () => {
    if (!keyFromHash(location.hash)) return
    key = takeKeyFromUrl()
    showMain()
  })
  syncControls()
  if (!key) return showKeyForm('Enter an API key (query scope) to see your data.')
  showMain()
}

start()
