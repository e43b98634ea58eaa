import { existsSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { generateApiKey } from '@cxpulse/auth'
import { RAW_TABLES, queryRows } from '@cxpulse/clickhouse'
import { createCxClient } from '@cxpulse/sdk'
import { createSimulator } from '@cxpulse/simulator'
import { waitFor } from '@cxpulse/testkit'
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.ts'

/**
 * The dashboard in real headless Chromium (Debian's, driven by playwright-core) against a
 * running pipeline fed by the simulator: on every page each metric tile, the trend, the breakdown,
 * the agent table and the alerts must show what the public API returns for the same window and
 * filters, formatted with the documented precision (written out again here, not imported).
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const HOUR = 3_600_000

const fix = (v: number, d: number) => {
  const s = Math.abs(v).toFixed(d)
  return v < 0 && Number(s) !== 0 ? `-${s}` : s
}
const duration = (s: number) =>
  s < 120 ? `${fix(s, 0)} s` : s < 7200 ? `${fix(s / 60, 1)} min` : `${fix(s / 3600, 1)} h`
const figure = z.object({ value: z.number().nullable(), n: z.number() })

const SHOTS = resolve(import.meta.dirname, '../../.test-results')
const METRIC_PAGES = ['overview', 'surveys', 'support', 'customers', 'quality'] as const

// README "Dashboard", by metric unit: percentages, NPS and scores one decimal ("81.3 %"), CES
// scale two, counts whole, currency two, durations s/min/h; "—" empty; changes "+", "−", "±".
const DECIMALS: Record<string, number> = {
  percent: 1,
  nps: 1,
  score: 1,
  scale: 2,
  count: 0,
  currency: 2,
}
function shown(unit: string, v: number | null): string {
  if (v === null) return '—'
  if (unit === 'seconds') return duration(v)
  return `${fix(v, DECIMALS[unit] ?? 1)}${unit === 'percent' ? ' %' : ''}`
}
function shownDelta(unit: string, d: number): string {
  const size = unit === 'seconds' ? duration(Math.abs(d)) : Math.abs(d).toFixed(DECIMALS[unit] ?? 1)
  const sign = Number(size.replace(/[^0-9.]/g, '')) === 0 ? '±' : d > 0 ? '+' : '−'
  return `${sign}${size}${unit === 'percent' ? ' pts' : ''}`
}

const ci = z.tuple([z.number(), z.number()]).nullish()
const metricBody = z.object({
  value: z.number().nullable(),
  n: z.number(),
  ci95: ci,
  delta: z.number().nullable().optional(),
  components: z.record(z.string(), z.unknown()).nullable().optional(),
  series: z.array(figure.extend({ at: z.string(), ci95: ci })).optional(),
  groups: z.array(figure.extend({ key: z.string(), ci95: ci })).optional(),
})
const catalogBody = z.object({
  metrics: z.array(z.object({ id: z.string(), name: z.string(), unit: z.string() })),
})
const alertsBody = z.object({
  alerts: z.array(
    z.object({
      alert_id: z.string(),
      rule_name: z.string(),
      metric: z.string(),
      dimension: z.string().nullable(),
      dimension_value: z.string().nullable(),
      state: z.enum(['firing', 'resolved']),
      current: figure,
      baseline: figure,
      drop: z.number().nullable(),
      p_value: z.number().nullable(),
    }),
  ),
})
interface Status {
  newest_event_at: string | null
  processor: { waiting: number; catching_up: boolean } | null
}

/** What the in-page callbacks use of the DOM (the TypeScript config has no DOM library). */
interface PageElement {
  dataset: Record<string, string | undefined>
  textContent: string | null
  querySelector(selector: string): PageElement | null
  querySelectorAll(selector: string): Iterable<PageElement>
  getAttribute(name: string): string | null
}
interface PageGlobals {
  document: {
    body: PageElement
    querySelectorAll(selector: string): Iterable<PageElement>
    querySelector(selector: string): PageElement | null
    getElementById(id: string): PageElement | null
  }
  location: { search: string }
  sessionStorage: { getItem(key: string): string | null }
}

/** Everything a metrics page shows, read in one go (the page paints a refresh all at once). */
async function snapshot(page: Page) {
  return page.evaluate(() => {
    const { document, location } = globalThis as unknown as PageGlobals
    const text = (e: PageElement | null) => e?.textContent?.trim() ?? ''
    const all = (root: { querySelectorAll(s: string): Iterable<PageElement> }, s: string) => [
      ...root.querySelectorAll(s),
    ]
    const data = document.body.dataset
    return {
      search: location.search,
      page: data['page']!,
      from: data['from']!,
      to: data['to']!,
      interval: data['interval']!,
      tz: data['tz']!,
      loaded: Number(data['loaded']),
      tiles: all(document, '#tiles .tile').map((t) => ({
        metric: t.dataset['metric']!,
        card: t.dataset['card']!,
        params: t.dataset['params']!,
        selected: t.getAttribute('aria-pressed') === 'true',
        error: t.dataset['state'] === 'error' ? text(t.querySelector('.meta')) : null,
        value: text(t.querySelector('.value')),
        n: text(t.querySelector('.n')),
        ci: text(t.querySelector('.ci')),
        delta: text(t.querySelector('.delta')),
      })),
      trend: {
        interval: document.getElementById('trend')?.dataset['interval'] ?? '',
        dots: all(document, '#trend svg circle.dot').length,
        error: text(document.querySelector('#trend .error')),
      },
      bars: all(document, '#breakdown tr.bar').map((b) => ({
        key: b.dataset['key']!,
        value: text(b.querySelector('.num')),
        n: text(b.querySelector('.n')),
      })),
      breakdownError: text(document.querySelector('#breakdown .error')),
      agents: all(document, '#agents tbody tr').map((r) => ({
        agent: r.dataset['agent']!,
        cells: Object.fromEntries(
          all(r, 'td').map((c) => [c.dataset['metric']!, text(c).replace(/\s*n \d+$/, '')]),
        ),
      })),
      freshness: text(document.getElementById('freshness')),
    }
  })
}

/**
 * A browser context whose clock is this test process's: the page computes its windows from
 * its own Date.now(), and under scripts/test-at.sh only this process's clock is moved
 * (Chromium itself keeps the real one).
 */
async function newContext(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext(options)
  await context.clock.install({ time: Date.now() })
  return context
}

describe('dashboard in headless Chromium', () => {
  let running: TestPipeline
  let ch: TestPipeline['ch']
  let pipeline: TestPipeline['pipeline']
  let browser: Browser
  const key = generateApiKey()
  const emptyKey = generateApiKey()

  async function apiCall(path: string, apiKey = key.key) {
    const res = await fetch(`${pipeline.query.url}${path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  async function api(path: string, apiKey = key.key): Promise<unknown> {
    const r = await apiCall(path, apiKey)
    expect(r.status, path).toBe(200)
    return r.body
  }

  async function loaded(page: Page, before: number, pageName?: string) {
    await page.waitForFunction(
      ([n, p]) => {
        const { body } = (globalThis as unknown as PageGlobals).document
        return Number(body.dataset['loaded']) > Number(n) && (!p || body.dataset['page'] === p)
      },
      [before, pageName] as const,
      { timeout: 30_000 },
    )
  }

  /** Every tile, the trend and the breakdown against the API for the page's window and filters. */
  async function expectPageMatchesApi(page: Page, units: Map<string, string>, apiKey = key.key) {
    const shot = await snapshot(page)
    const view = new URLSearchParams(shot.search)
    const filters = Object.fromEntries(
      ['channel', 'agent', 'team', 'product'].flatMap((d) =>
        view.get(d) ? [[d, view.get(d)!]] : [],
      ),
    )
    const base = { from: shot.from, to: shot.to, ...filters }
    expect(shot.tiles.length, shot.page).toBeGreaterThan(0)
    for (const t of shot.tiles) {
      const unit = units.get(t.metric)!
      const extra = Object.fromEntries(new URLSearchParams(t.params))
      if (extra['customer_id']) extra['from'] = '2000-01-01T00:00:00Z'
      const q = new URLSearchParams({ ...base, ...extra, compare: 'previous_period' })
      const r = await apiCall(`/v1/metrics/${t.metric}?${q}`, apiKey)
      if (r.status !== 200) {
        expect(t.error, `${t.card} ${JSON.stringify(r.body)}`).toBe(r.body['message'])
        continue
      }
      const m = metricBody.parse(r.body)
      const currency = m.components?.['currency']
      expect(t.value, t.card).toBe(
        shown(unit, m.value) +
          (m.value !== null && typeof currency === 'string' ? ` ${currency}` : ''),
      )
      expect(t.n, t.card).toBe(`n = ${m.n}`)
      expect(t.ci, t.card).toBe(
        m.ci95 && m.value !== null
          ? `95 % CI ${shown(unit, m.ci95[0])} – ${shown(unit, m.ci95[1])}`
          : '',
      )
      if (m.delta === null || m.delta === undefined)
        expect(t.delta).toMatch(/^no data in the previous /)
      else expect(t.delta.split(' vs previous ')[0], t.card).toBe(shownDelta(unit, m.delta))
    }
    const sel = shot.tiles.find((t) => t.selected) ?? shot.tiles[0]!
    const extra = Object.fromEntries(new URLSearchParams(sel.params))
    if (shot.trend.interval) {
      const q = new URLSearchParams({
        ...base,
        ...extra,
        interval: shot.trend.interval,
        tz: shot.tz,
      })
      const series = metricBody.parse(await api(`/v1/metrics/${sel.metric}?${q}`, apiKey)).series!
      expect(shot.trend.dots, sel.card).toBe(series.filter((p) => p.value !== null).length)
    } else expect(shot.trend.error, sel.card).not.toBe('')
    const by = view.get('by') ?? 'channel'
    const g = await apiCall(
      `/v1/metrics/${sel.metric}?${new URLSearchParams({ ...base, ...extra, group_by: by })}`,
      apiKey,
    )
    if (g.status === 200) {
      const unit = units.get(sel.metric)!
      expect(shot.bars, sel.card).toEqual(
        metricBody
          .parse(g.body)
          .groups!.map((x) => ({ key: x.key, value: shown(unit, x.value), n: String(x.n) })),
      )
    } else expect(shot.breakdownError, sel.card).toBe(g.body['message'])
    return shot
  }
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true })
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: run "bash scripts/setup.sh" (it installs Debian's chromium) or set CHROMIUM_PATH`,
      )
    }
    running = await startTestPipeline(
      'dash',
      [
        { id: 'demo', tenant_id: 'demo', hash: key.hash, scopes: ['ingest', 'query'] },
        { id: 'quiet', tenant_id: 'quiet', hash: emptyKey.hash, scopes: ['query'] },
      ],
      // The alerter runs, but this test triggers its evaluation itself.
      { alertIntervalMs: 24 * HOUR },
    )
    ch = running.ch
    pipeline = running.pipeline
    // Two days of simulated traffic ending now, so the 24-hour window and its previous
    // period both have data; chat satisfaction collapses for the last four hours.
    const now = Date.now()
    const events = createSimulator({
      seed: 5,
      responsesPerMinute: 3,
      customers: 500,
      incidents: [
        {
          channel: 'chat',
          from: new Date(now - 4 * HOUR),
          to: new Date(now + HOUR),
          positiveRate: 0.05,
        },
      ],
    }).eventsBetween(new Date(now - 48 * HOUR), new Date(now - 30_000))
    // A second CES scale (1–5) for a few responses of the last day: the CES tile must split.
    const ces = events
      .filter((e) => e.type === 'survey.response' && 'kind' in e && e.kind === 'ces')
      .filter((e) => Date.parse(e.occurred_at as string) > now - 20 * HOUR)
      .slice(0, 12)
      .map((e) => ({
        ...e,
        event_id: randomUUID(),
        scale_min: 1,
        scale_max: 5,
        score: Math.min(5, (e as { score: number }).score),
      }))
    const client = createCxClient({ url: pipeline.ingest.url, apiKey: key.key, batchSize: 1000 })
    const sent = await client.send([...events, ...ces] as typeof events)
    expect(sent.rejected).toEqual([])
    // Every accepted event is a raw row before the page loads, so page and test read the same data.
    await waitFor(
      'simulated events counted',
      async () => {
        let total = 0
        for (const table of RAW_TABLES) {
          const [row] = await queryRows(ch, {
            name: 'count',
            sql: `SELECT count() AS n FROM ${ch.table(table)}`,
            row: z.object({ n: z.coerce.number() }),
          })
          total += row?.n ?? 0
        }
        return total === sent.accepted.length ? true : undefined
      },
      120_000,
    )
    // A rule that the incident trips, evaluated once: the alerts panel has something to show.
    const rule = await fetch(`${pipeline.query.url}/v1/alert-rules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Chat CSAT drop',
        metric: 'csat',
        fan_out: 'channel',
        current_window_minutes: 180,
        baseline_window_minutes: 1440,
        min_drop: 10,
        min_n: 5,
      }),
    })
    expect(rule.status).toBe(201)
    await pipeline.alerter!.evaluate()
    // Everything is committed by the processor: the freshness line is then stable (0 waiting).
    await waitFor(
      'processor caught up',
      async () => ((await api('/v1/status')) as Status).processor?.waiting === 0 || undefined,
      60_000,
    )
    // Without a preloaded clock library (scripts/test-at.sh's libfaketime crashed Chromium):
    // the pages get this process's clock from Playwright instead (newContext).
    const { LD_PRELOAD: _preload, ...env } = process.env
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], env })
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await running?.stop()
  })

  it('walks every page with the API’s numbers, keeps the view in the URL, downloads CSV, saves screenshots', async () => {
    const catalog = catalogBody.parse(await api('/v1/metrics')).metrics
    const units = new Map(catalog.map((m) => [m.id, m.unit]))
    const context = await newContext(browser, {
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    })
    const page = await context.newPage()
    const problems: string[] = []
    // The API's 400/422 answers the page asks for on purpose (CES scales, groupings a metric
    // lacks) are logged by Chromium as failed loads; anything else the page logs is a problem.
    page.on('console', (m) => {
      const failedLoad = m
        .text()
        .startsWith('Failed to load resource: the server responded with a status of 4')
      if ((m.type() === 'error' || m.type() === 'warning') && !failedLoad) problems.push(m.text())
    })
    page.on('pageerror', (e) => problems.push(e.message))
    const requests: { url: string; authorization: string | undefined }[] = []
    page.on('request', (r) =>
      requests.push({ url: r.url(), authorization: r.headers()['authorization'] }),
    )

    const response = await page.goto(`${pipeline.query.url}/#key=${key.key}`)
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")
    await loaded(page, 0, 'overview')
    // The key leaves the address bar and travels only in the Authorization header.
    expect(page.url()).not.toContain(key.key)
    for (const r of requests) expect(r.url).not.toContain(key.key)
    for (const r of requests.filter((x) => new URL(x.url).pathname.startsWith('/v1/')))
      expect(r.authorization).toBe(`Bearer ${key.key}`)

    // Freshness: the tenant's newest counted event and the processor's lag (caught up: 0).
    const status = (await api('/v1/status')) as Status
    const first = await snapshot(page)
    const upTo = await page.evaluate(
      (iso) =>
        new Date(iso).toLocaleString([], {
          month: 'short',
          day: 'numeric',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
          hourCycle: 'h23',
        }),
      status.newest_event_at!,
    )
    expect(first.freshness).toBe(`data up to ${upTo}, 0 batches waiting`)
    expect(await page.locator('#catching-up').isHidden()).toBe(true)

    // Every page: tiles, trend and breakdown as the API answers for the same window.
    const seen = new Set<string>()
    for (const name of METRIC_PAGES) {
      const before = (await snapshot(page)).loaded
      await page.click(`#pages a[data-page="${name}"]`)
      await loaded(page, before, name)
      const shot = await expectPageMatchesApi(page, units)
      expect(await page.getAttribute(`#pages a[data-page="${name}"]`, 'aria-current')).toBe('page')
      for (const t of shot.tiles) if (name !== 'overview') seen.add(t.metric)
      if (name === 'surveys') {
        // Two CES scales in the window: one tile per scale the API reported.
        expect(
          shot.tiles
            .filter((t) => t.metric === 'ces')
            .map((t) => t.params)
            .sort(),
        ).toEqual(['scale=1-5', 'scale=1-7'])
        // Another metric's trend and breakdown, by agent, through the keyboard.
        await page.focus('#tiles .tile[data-card="nps"]')
        const b2 = (await snapshot(page)).loaded
        await page.keyboard.press('Enter')
        await loaded(page, b2)
        await page.selectOption('#breakdown-by', 'agent')
        await loaded(page, b2 + 1)
        const nps = await expectPageMatchesApi(page, units)
        expect(nps.tiles.find((t) => t.selected)?.card).toBe('nps')
        expect(nps.bars.length).toBeGreaterThan(1)
        // CSV of the breakdown: the API's own numbers.
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.click('button.csv[data-table="breakdown"]'),
        ])
        const csv = (await readFile(await download.path())).toString('utf8')
        const groups = metricBody.parse(
          await api(
            `/v1/metrics/nps?${new URLSearchParams({ from: nps.from, to: nps.to, group_by: 'agent' })}`,
          ),
        ).groups!
        expect(csv.trimEnd().split('\r\n')).toEqual([
          'agent,value,n,ci95_low,ci95_high',
          ...groups.map((x) =>
            [x.key, x.value ?? '', x.n, x.ci95?.[0] ?? '', x.ci95?.[1] ?? ''].join(','),
          ),
        ])
      }
      if (name === 'support') {
        // The agent table: FRT per agent as the API breaks it down, sortable by any column.
        const frt = metricBody.parse(
          await api(
            `/v1/metrics/frt?${new URLSearchParams({ from: shot.from, to: shot.to, group_by: 'agent' })}`,
          ),
        ).groups!
        expect(shot.agents.length).toBeGreaterThan(1)
        for (const grp of frt)
          expect(shot.agents.find((a) => a.agent === grp.key)?.cells['frt'], grp.key).toBe(
            shown('seconds', grp.value),
          )
        const b2 = shot.loaded
        await page.click('#agents button.sort[data-sort="frt"]')
        await loaded(page, b2)
        const sorted = (await snapshot(page)).agents.map((a) => a.agent)
        const expected = [...frt].sort(
          (a, b) => (b.value ?? -1) - (a.value ?? -1) || a.key.localeCompare(b.key),
        )
        expect(sorted.slice(0, expected.length)).toEqual(expected.map((x) => x.key))
        expect(new URL(page.url()).searchParams.get('sort')).toBe('frt')
      }
      await page.screenshot({ path: `${SHOTS}/dashboard-${name}.png`, fullPage: true })
    }
    // Together the pages show every metric the API serves.
    expect([...seen].sort()).toEqual(catalog.map((m) => m.id).sort())

    // Alerts: the incident the chat drop fired, with its rule, drop and significance.
    const before = (await snapshot(page)).loaded
    await page.click('#pages a[data-page="alerts"]')
    await loaded(page, before, 'alerts')
    const alerts = alertsBody.parse(await api('/v1/alerts?state=all&limit=200')).alerts
    const chat = alerts.find((a) => a.dimension_value === 'chat')
    expect(chat, JSON.stringify(alerts)).toBeDefined()
    expect(await page.locator('#alerts tr.alert').count()).toBe(alerts.length)
    const row = page.locator(`#alerts tr.alert[data-alert-id="${chat!.alert_id}"]`)
    expect(await row.locator('.rule').textContent()).toBe('Chat CSAT drop')
    expect(await row.locator('.dim').textContent()).toBe('channel chat')
    expect(await row.locator('.badge').textContent()).toBe(chat!.state)
    expect(await row.locator('.current').textContent()).toBe(
      `${shown('percent', chat!.current.value)} (n ${chat!.current.n})`,
    )
    expect(await row.locator('.drop').textContent()).toBe(shown('percent', chat!.drop))
    expect(await row.locator('.p').textContent()).toBe(
      chat!.p_value! < 0.0001 ? '< 0.0001' : chat!.p_value!.toFixed(4),
    )
    expect(await page.locator('#alerts svg.timeline rect.incident').count()).toBe(alerts.length)
    await page.screenshot({ path: `${SHOTS}/dashboard-alerts.png`, fullPage: true })

    // A link reproduces a view: page, window, filter and breakdown come from the URL.
    const link = `${pipeline.query.url}/?page=surveys&window=7d&channel=chat&by=product&metric=csat`
    const again = await context.newPage()
    // A new tab has its own sessionStorage: the key comes with the link, as cxpulse start prints it.
    await again.goto(`${link}#key=${key.key}`)
    await loaded(again, 0, 'surveys')
    const linked = await expectPageMatchesApi(again, units)
    expect(Date.parse(linked.to) - Date.parse(linked.from)).toBe(7 * 24 * HOUR)
    expect(await again.inputValue('#filter-channel')).toBe('chat')
    expect(linked.bars.length).toBeGreaterThan(0)
    // Filters typed in go into the URL too.
    await again.fill('#filter-channel', 'email')
    const b3 = linked.loaded
    await again.click('#filters button[type="submit"]')
    await loaded(again, b3)
    expect(new URL(again.url()).searchParams.get('channel')).toBe('email')
    await expectPageMatchesApi(again, units)
    // A phone-width view of the same page.
    await again.setViewportSize({ width: 390, height: 844 })
    await again.screenshot({ path: `${SHOTS}/dashboard-surveys-phone.png`, fullPage: true })
    expect((await stat(`${SHOTS}/dashboard-surveys-phone.png`)).size).toBeGreaterThan(20_000)
    await again.close()
    expect(problems).toEqual([])
    await context.close()
  }, 240_000)

  it('shows "catching up" while a backlog drains, "—" for an empty tenant, and asks for a key', async () => {
    const catalog = catalogBody.parse(await api('/v1/metrics')).metrics
    const units = new Map(catalog.map((m) => [m.id, m.unit]))
    const context = await newContext(browser, { viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    // The status as the query service answers it during a backlog (the lag itself is tested
    // against the real broker in status.routes.integration.test.ts).
    await page.route(
      (url) => url.pathname === '/v1/status',
      (r) =>
        r.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            newest_event_at: null,
            processor: { waiting: 4210, catching_up: true },
          }),
        }),
    )
    await page.goto(`${pipeline.query.url}/?page=customers#key=${emptyKey.key}`)
    await loaded(page, 0, 'customers')
    const shot = await expectPageMatchesApi(page, units, emptyKey.key)
    expect(shot.freshness).toBe('no data yet, 4,210 batches waiting')
    expect(await page.locator('#catching-up').isVisible()).toBe(true)
    for (const t of shot.tiles.filter((x) => !x.error)) {
      expect(t.value, t.card).toBe('—')
      expect(t.n, t.card).toBe('n = 0')
    }

    // A fresh tab without a key in the link: the key prompt, nothing requested from the API.
    const bare = await newContext(browser)
    const prompt = await bare.newPage()
    const calls: string[] = []
    prompt.on('request', (r) => calls.push(r.url()))
    await prompt.goto(`${pipeline.query.url}/`)
    await prompt.waitForSelector('#key-form:not([hidden])')
    expect(await prompt.locator('#main').isHidden()).toBe(true)
    expect(calls.filter((u) => u.includes('/v1/'))).toEqual([])
    await prompt.fill('#key-input', 'cxp_not-a-real-key')
    await prompt.click('#key-form button[type="submit"]')
    await prompt.waitForFunction(() =>
      (globalThis as unknown as PageGlobals).document
        .getElementById('key-message')
        ?.textContent?.includes('not accepted'),
    )
    await bare.close()
    await context.close()
  }, 90_000)
})
