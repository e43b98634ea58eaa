import { existsSync } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
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
 * running pipeline fed by the simulator: every headline tile, the chart points, the breakdown
 * and the alerts panel must show what the public API returns for the same window, formatted
 * with the dashboard's documented precision (written out again here, not imported).
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const SCREENSHOT = resolve(import.meta.dirname, '../../.test-results/dashboard.png')
const HOUR = 3_600_000

// README "Dashboard": one decimal for CSAT %, churn % and NPS, two for CES; FRT in s/min/h;
// no sign on a zero; "—" for an empty window; changes signed with "+", "−" (U+2212) or "±".
const fix = (v: number, d: number) => {
  const s = Math.abs(v).toFixed(d)
  return v < 0 && Number(s) !== 0 ? `-${s}` : s
}
const duration = (s: number) =>
  s < 120 ? `${fix(s, 0)} s` : s < 7200 ? `${fix(s / 60, 1)} min` : `${fix(s / 3600, 1)} h`
const PCT = new Set(['csat', 'churn_rate', 'ces_pct'])
function shown(metric: string, v: number | null): string {
  if (v === null) return '—'
  if (PCT.has(metric)) return `${fix(v, 1)} %`
  if (metric === 'ces') return fix(v, 2)
  if (metric === 'frt') return duration(v)
  return fix(v, 1)
}
function shownDelta(metric: string, d: number): string {
  const size =
    metric === 'frt' ? duration(Math.abs(d)) : Math.abs(d).toFixed(metric === 'ces' ? 2 : 1)
  const sign = Number(size.replace(/[^0-9.]/g, '')) === 0 ? '±' : d > 0 ? '+' : '−'
  return `${sign}${size}${metric === 'csat' || metric === 'churn_rate' ? ' pts' : ''}`
}

const TILE_METRICS = ['csat', 'nps', 'ces', 'churn_rate', 'frt'] as const

const figure = z.object({ value: z.number().nullable(), n: z.number() })
const metricBody = z.object({
  value: z.number().nullable(),
  n: z.number(),
  delta: z.number().nullable().optional(),
  series: z
    .array(figure.extend({ at: z.string(), ci95: z.tuple([z.number(), z.number()]).nullish() }))
    .optional(),
  groups: z.array(figure.extend({ key: z.string() })).optional(),
})
const INTERVAL_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }

/**
 * The bands a chart must draw: one per run of consecutive buckets (a gap of more than 1.5
 * intervals breaks the run) with at least two points that have an interval. How many there
 * are depends on the traffic in the window, so the test counts them from the API's series.
 */
function expectedBands(
  points: { at: string; ci95?: [number, number] | null | undefined }[],
  interval: string,
) {
  const runs: (typeof points)[] = []
  let last = -Infinity
  for (const p of [...points].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const t = Date.parse(p.at)
    if (runs.length > 0 && t - last <= INTERVAL_MS[interval]! * 1.5) runs[runs.length - 1]!.push(p)
    else runs.push([p])
    last = t
  }
  return runs.filter((run) => run.filter((p) => Array.isArray(p.ci95)).length >= 2).length
}
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
    }),
  ),
})

interface TileText {
  metric: string
  value: string
  n: string
  delta: string
}

/** What the in-page callbacks use of the DOM (the TypeScript config has no DOM library). */
interface PageElement {
  dataset: Record<string, string | undefined>
  textContent: string | null
  querySelector(selector: string): PageElement | null
}
interface PageGlobals {
  document: {
    body: PageElement
    querySelectorAll(selector: string): Iterable<PageElement>
    querySelector(selector: string): PageElement | null
    getElementById(id: string): PageElement | null
  }
  sessionStorage: { getItem(key: string): string | null }
}

/**
 * Everything the page shows and the window it shows it for, read in one go: the page paints a
 * refresh all at once, so a snapshot never mixes two windows.
 */
async function snapshot(page: Page) {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals
    const text = (e: PageElement | null) => e?.textContent?.trim() ?? ''
    const count = (selector: string) => [...document.querySelectorAll(selector)].length
    const chart = (metric: string) => ({
      dots: count(`#chart-${metric} svg circle.dot`),
      firstDot: text(document.querySelector(`#chart-${metric} svg circle.dot title`)),
      lines: count(`#chart-${metric} svg path.line`),
      bands: count(`#chart-${metric} svg path.band`),
      xTicks: count(`#chart-${metric} svg text.tick.x`),
      yTicks: count(`#chart-${metric} svg text.tick.y`),
      empty: text(document.querySelector(`#chart-${metric} svg .empty-note`)),
    })
    const data = document.body.dataset
    return {
      from: data['from']!,
      to: data['to']!,
      interval: data['interval']!,
      tz: data['tz']!,
      loaded: Number(data['loaded']),
      tiles: [...document.querySelectorAll('#tiles .tile')].map((t) => ({
        metric: t.dataset['metric']!,
        value: text(t.querySelector('.value')),
        n: text(t.querySelector('.n')),
        delta: text(t.querySelector('.delta')),
      })),
      charts: { csat: chart('csat'), nps: chart('nps') },
      bars: [...document.querySelectorAll('#breakdown .bar')].map((b) => ({
        key: b.dataset['key']!,
        num: text(b.querySelector('.num')),
      })),
      breakdown: text(document.querySelector('#breakdown')),
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

  async function api(path: string, apiKey = key.key): Promise<unknown> {
    const res = await fetch(`${pipeline.query.url}${path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    })
    expect(res.status, path).toBe(200)
    return res.json()
  }

  /** Tiles, chart points and breakdown bars against the API for the window on screen. */
  async function expectPageMatchesApi(page: Page, apiKey = key.key) {
    const shot = await snapshot(page)
    const { from, to } = shot
    expect(shot.tiles.map((t: TileText) => t.metric)).toEqual([...TILE_METRICS])
    for (const t of shot.tiles) {
      const r = metricBody.parse(
        await api(
          `/v1/metrics/${t.metric}?${new URLSearchParams({ from, to, compare: 'previous_period' })}`,
          apiKey,
        ),
      )
      expect(t.value, t.metric).toBe(shown(t.metric, r.value))
      expect(t.n, t.metric).toBe(`n = ${r.n}`)
      if (r.delta === null || r.delta === undefined) {
        expect(t.delta, t.metric).toMatch(/^no data in the previous /)
      } else {
        expect(t.delta.split(' vs previous ')[0], t.metric).toBe(shownDelta(t.metric, r.delta))
        expect(t.delta, t.metric).toContain(' vs previous ')
      }
    }
    for (const metric of ['csat', 'nps'] as const) {
      const { interval, tz } = shot
      const r = metricBody.parse(
        await api(
          `/v1/metrics/${metric}?${new URLSearchParams({ from, to, interval, tz })}`,
          apiKey,
        ),
      )
      const points = r.series!.filter((p) => p.value !== null)
      const c = shot.charts[metric]
      expect(c.dots, metric).toBe(points.length)
      expect(c.xTicks, metric).toBeGreaterThanOrEqual(4)
      expect(c.yTicks, metric).toBeGreaterThanOrEqual(3)
      if (points.length === 0) {
        expect(c.empty, metric).toContain('n = 0')
        continue
      }
      expect(c.lines, metric).toBe(1)
      expect(c.bands, metric).toBe(expectedBands(points, interval))
      expect(c.firstDot, metric).toContain(
        `${shown(metric, points[0]!.value)} (n = ${points[0]!.n}`,
      )
    }
    const groups = metricBody
      .parse(
        await api(
          `/v1/metrics/csat?${new URLSearchParams({ from, to, group_by: 'channel' })}`,
          apiKey,
        ),
      )
      .groups!.filter((g) => g.value !== null)
    expect(shot.bars).toEqual(
      groups.slice(0, 15).map((g) => ({ key: g.key, num: `${shown('csat', g.value)} · n ${g.n}` })),
    )
    if (groups.length === 0) expect(shot.breakdown).toContain('n = 0')
    return shot
  }

  beforeAll(async () => {
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
    const client = createCxClient({ url: pipeline.ingest.url, apiKey: key.key, batchSize: 1000 })
    const sent = await client.send(events)
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
    // Without a preloaded clock library (scripts/test-at.sh's libfaketime crashed Chromium):
    // the pages get this process's clock from Playwright instead (newContext).
    const { LD_PRELOAD: _preload, ...env } = process.env
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], env })
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await running?.stop()
  })

  it('shows the API’s numbers in tiles, charts, breakdown and alerts; refreshes; saves a screenshot', async () => {
    const context = await newContext(browser, { viewport: { width: 1440, height: 900 } })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text())
    })
    page.on('pageerror', (e) => problems.push(e.message))
    const requests: { url: string; authorization: string | undefined }[] = []
    page.on('request', (r) =>
      requests.push({ url: r.url(), authorization: r.headers()['authorization'] }),
    )

    const response = await page.goto(`${pipeline.query.url}/#key=${key.key}`)
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")
    await page.waitForSelector('body[data-loaded="1"]', { timeout: 30_000 })

    // The key leaves the address bar, travels only in the Authorization header, never in a URL.
    expect(page.url()).not.toContain(key.key)
    const apiRequests = requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/'))
    expect(apiRequests.length).toBeGreaterThanOrEqual(9)
    for (const r of requests) expect(r.url).not.toContain(key.key)
    for (const r of apiRequests) expect(r.authorization).toBe(`Bearer ${key.key}`)
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as PageGlobals).sessionStorage.getItem('cxpulse-key'),
      ),
    ).toBe(key.key)

    // Tiles, charts and breakdown: exactly the API's numbers for the page's window (24 hours
    // by default, hourly points in the browser's zone).
    const first = await expectPageMatchesApi(page)
    expect(Date.parse(first.to) - Date.parse(first.from)).toBe(24 * HOUR)
    expect(first.interval).toBe('hour')
    expect(first.tiles.find((t) => t.metric === 'csat')!.value).toMatch(/^\d+\.\d %$/)
    expect(first.charts.csat.dots).toBeGreaterThan(20)
    expect(first.charts.nps.bands).toBeGreaterThanOrEqual(1)
    expect(first.bars.map((b) => b.key).sort()).toEqual(['chat', 'email', 'phone', 'web'])
    // ...and it is the window the page asked the API for.
    const seriesCalls = requests
      .filter((r) => r.url.includes('/v1/metrics/csat?') && r.url.includes('interval=hour'))
      .map((r) => new URL(r.url).searchParams)
    expect(seriesCalls.some((q) => q.get('from') === first.from && q.get('tz') === first.tz)).toBe(
      true,
    )

    // Alerts: the chat incident fired; the panel shows rule, dimension value and the figures.
    const alerts = alertsBody.parse(await api('/v1/alerts?state=all&limit=20')).alerts
    const chat = alerts.find((a) => a.dimension_value === 'chat')
    expect(chat, JSON.stringify(alerts)).toBeDefined()
    expect(chat!.state).toBe('firing')
    expect(await page.locator('#alerts li.alert').count()).toBe(alerts.length)
    const row = page.locator(`#alerts li.alert[data-alert-id="${chat!.alert_id}"]`)
    expect(await row.locator('.rule').textContent()).toBe('Chat CSAT drop')
    expect(await row.locator('.dim').textContent()).toContain('channel chat')
    expect(await row.locator('.badge').textContent()).toBe('firing')
    expect(await row.locator('.current').textContent()).toBe(
      `${shown('csat', chat!.current.value)} (n ${chat!.current.n})`,
    )
    expect(await row.locator('.baseline').textContent()).toBe(
      `${shown('csat', chat!.baseline.value)} (n ${chat!.baseline.n})`,
    )
    expect(await row.locator('.times').textContent()).toMatch(/^fired /)

    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(20_000)

    // Auto-refresh: a second round of requests and paint within ~10 s, without any click.
    await page.waitForFunction(
      (n) => Number((globalThis as unknown as PageGlobals).document.body.dataset['loaded']) > n,
      (await snapshot(page)).loaded,
      { timeout: 20_000 },
    )
    await expectPageMatchesApi(page)

    // The window picker: 7 days, with an hourly series; then 30 days, with a daily one.
    for (const [name, span, interval] of [
      ['7d', 7 * 24 * HOUR, 'hour'],
      ['30d', 30 * 24 * HOUR, 'day'],
      ['1h', HOUR, 'minute'],
    ] as const) {
      const before = Number(
        await page.evaluate(
          () => (globalThis as unknown as PageGlobals).document.body.dataset['loaded'],
        ),
      )
      requests.length = 0
      await page.click(`#windows button[data-window="${name}"]`)
      await page.waitForFunction((n) => {
        const { body } = (globalThis as unknown as PageGlobals).document
        return Number(body.dataset['loaded']) > n
      }, before)
      expect(
        await page.getAttribute(`#windows button[data-window="${name}"]`, 'aria-pressed'),
      ).toBe('true')
      const picked = await expectPageMatchesApi(page)
      expect(Date.parse(picked.to) - Date.parse(picked.from), name).toBe(span)
      expect(picked.interval, name).toBe(interval)
      expect(
        requests.some(
          (r) => r.url.includes('/v1/metrics/nps?') && r.url.includes(`interval=${interval}`),
        ),
        name,
      ).toBe(true)
    }
    // A custom window typed into the picker's date-time fields (the browser's local time):
    // 6 hours ending 30 minutes ago, with minute points. A reversed one is refused on the page.
    const customTo = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000
    const customFrom = customTo - 6 * HOUR
    const localInput = (ms: number) =>
      page.evaluate((t) => {
        const d = new Date(t)
        const p = (v: number) => String(v).padStart(2, '0')
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
      }, ms)
    const pageData = () =>
      page.evaluate(() => ({ ...(globalThis as unknown as PageGlobals).document.body.dataset }))
    await page.click('#windows button[data-window="custom"]')
    await page.waitForSelector('#custom-form:not([hidden])')
    await page.fill('#custom-from', await localInput(customTo))
    await page.fill('#custom-to', await localInput(customFrom))
    await page.click('#custom-form button[type="submit"]')
    expect(await page.locator('#custom-error').textContent()).toContain('end must be')
    expect((await pageData())['window']).toBe('1h')
    await page.fill('#custom-from', await localInput(customFrom))
    await page.fill('#custom-to', await localInput(customTo))
    await page.click('#custom-form button[type="submit"]')
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).document.body.dataset['window'] === 'custom',
    )
    expect(await page.locator('#custom-form').isHidden()).toBe(true)
    expect(await page.getAttribute('#windows button[data-window="custom"]', 'aria-pressed')).toBe(
      'true',
    )
    const customShot = await expectPageMatchesApi(page)
    expect(customShot.from).toBe(new Date(customFrom).toISOString())
    expect(customShot.to).toBe(new Date(customTo).toISOString())
    expect(customShot.interval).toBe('minute')
    expect(customShot.charts.csat.dots).toBeGreaterThan(10)
    for (const t of customShot.tiles) expect(t.delta, t.metric).toMatch(/previous 6 hours$/)
    // The tab keeps it across a reload (and the key, which is no longer in the URL).
    await page.reload()
    await page.waitForSelector('body[data-loaded="1"]', { timeout: 30_000 })
    const reloaded = await expectPageMatchesApi(page)
    expect([reloaded.from, reloaded.to]).toEqual([customShot.from, customShot.to])
    expect((await pageData())['window']).toBe('custom')

    // "Forget key" drops it from the tab and brings back the prompt.
    await page.click('#forget-key')
    await page.waitForSelector('#key-form:not([hidden])')
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as PageGlobals).sessionStorage.getItem('cxpulse-key'),
      ),
    ).toBeNull()
    expect(problems).toEqual([])
    await context.close()
  }, 120_000)

  it('shows "—" and n = 0 for a tenant without data, and asks for a key when there is none', async () => {
    const context = await newContext(browser, { viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    await page.goto(`${pipeline.query.url}/#key=${emptyKey.key}`)
    await page.waitForSelector('body[data-loaded="1"]', { timeout: 30_000 })
    const { tiles } = await expectPageMatchesApi(page, emptyKey.key)
    for (const t of tiles) {
      expect(t.value, t.metric).toBe('—')
      expect(t.n, t.metric).toBe('n = 0')
    }
    expect(await page.locator('#chart-csat svg .empty-note').textContent()).toContain('n = 0')
    expect(await page.locator('#breakdown').textContent()).toContain('n = 0')
    expect(await page.locator('#alerts').textContent()).toContain('No alerts')

    // A query service without the alerts API (404): the panel says so, the rest still works.
    const noAlerts = await context.newPage()
    await noAlerts.route(
      (url) => url.pathname === '/v1/alerts',
      (r) =>
        r.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not_found"}' }),
    )
    await noAlerts.goto(`${pipeline.query.url}/#key=${key.key}`)
    await noAlerts.waitForSelector('body[data-loaded="1"]', { timeout: 30_000 })
    expect(await noAlerts.locator('#alerts').textContent()).toContain('Alerts unavailable')
    expect(await noAlerts.locator('#tiles .tile').count()).toBe(5)
    expect(await noAlerts.locator('#tiles .tile[data-metric="csat"] .value').textContent()).toMatch(
      /^\d+\.\d %$/,
    )
    await noAlerts.close()

    // A fresh tab without a key in the link: the key prompt, nothing requested from the API.
    const bare = await newContext(context.browser()!)
    const prompt = await bare.newPage()
    const calls: string[] = []
    prompt.on('request', (r) => calls.push(r.url()))
    await prompt.goto(`${pipeline.query.url}/`)
    await prompt.waitForSelector('#key-form:not([hidden])')
    expect(await prompt.locator('#main').isHidden()).toBe(true)
    expect(await prompt.locator('#forget-key').isHidden()).toBe(true)
    expect(calls.filter((u) => u.includes('/v1/'))).toEqual([])
    // A key that is not accepted brings the prompt back with a reason.
    await prompt.fill('#key-input', 'cxp_not-a-real-key')
    await prompt.click('#key-form button[type="submit"]')
    await prompt.waitForFunction(() =>
      (globalThis as unknown as PageGlobals).document
        .getElementById('key-message')
        ?.textContent?.includes('not accepted'),
    )
    expect(
      await prompt.evaluate(() =>
        (globalThis as unknown as PageGlobals).sessionStorage.getItem('cxpulse-key'),
      ),
    ).toBeNull()
    await bare.close()
    await context.close()
    expect(problems).toEqual([])
  }, 60_000)
})
