// What the dashboard shows, as the URL's query string, so a link reproduces a view.
// Pure functions (no DOM), shared by the page and its tests. The key is never part of it.

const PAGES = ['overview', 'surveys', 'support', 'customers', 'quality', 'alerts']
/** The dimensions a page can filter by and break down by (the API refuses what a metric lacks). */
export const DIMENSIONS = ['channel', 'agent', 'team', 'product']
const PRESETS = ['1h', '24h', '7d', '30d']
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?Z$/
const MAX_VALUE = 200

/**
 * Reads a view from a query string; whatever is unknown or malformed falls back to the default
 * (a hand-edited link still opens). `window=custom` needs a valid `from` < `to`.
 */
export function parseState(search) {
  const q = new URLSearchParams(search)
  const pick = (name, allowed, dflt) => (allowed.includes(q.get(name)) ? q.get(name) : dflt)
  const text = (name) => {
    const v = (q.get(name) ?? '').trim()
    return v && v.length <= MAX_VALUE ? v : undefined
  }
  const state = {
    page: pick('page', PAGES, 'overview'),
    window: pick('window', [...PRESETS, 'custom'], '24h'),
    filters: {},
    by: pick('by', DIMENSIONS, 'channel'),
    metric: text('metric'),
    sort: text('sort'),
    dir: pick('dir', ['asc', 'desc'], 'desc'),
    customer: text('customer'),
  }
  for (const d of DIMENSIONS) {
    const v = text(d)
    if (v) state.filters[d] = v
  }
  if (state.window === 'custom') {
    const from = q.get('from') ?? ''
    const to = q.get('to') ?? ''
    if (ISO.test(from) && ISO.test(to) && Date.parse(from) < Date.parse(to)) {
      state.from = new Date(from).toISOString()
      state.to = new Date(to).toISOString()
    } else state.window = '24h'
  }
  return state
}

/** The query string of a view (defaults left out, so links stay short). */
export function toSearch(state) {
  const q = new URLSearchParams()
  if (state.page !== 'overview') q.set('page', state.page)
  if (state.window !== '24h') q.set('window', state.window)
  if (state.window === 'custom') {
    q.set('from', state.from)
    q.set('to', state.to)
  }
  for (const d of DIMENSIONS) if (state.filters[d]) q.set(d, state.filters[d])
  if (state.by !== 'channel') q.set('by', state.by)
  for (const k of ['metric', 'sort', 'customer']) if (state[k]) q.set(k, state[k])
  if (state.sort && state.dir !== 'desc') q.set('dir', state.dir)
  const s = q.toString()
  return s ? `?${s}` : ''
}
