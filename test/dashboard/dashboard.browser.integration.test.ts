import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createKeyStore, generateApiKey } from '@cxpulse/auth'
import { startPipeline, type Pipeline } from '@cxpulse/cli/pipeline'
import { queryRows, runMigrations } from '@cxpulse/clickhouse'
import { createCxClient } from '@cxpulse/sdk'
import { createSimulator } from '@cxpulse/simulator'
import {
  testClickHouse,
  testEnvironment,
  testLogger,
  uniqueName,
  waitFor,
} from '@cxpulse/test-support'

/**
 * The dashboard in real headless Chromium (Debian's, driven by playwright-core) against a
 * running pipeline fed by the simulator: every headline tile must show the number the API
 * returns for the same window, formatted as the dashboard formats it.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const SCREENSHOT = resolve(import.meta.dirname, '../../.test-results/dashboard.png')

const format: Record<string, (v: number) => string> = {
  csat: (v) => `${v.toFixed(1)} %`,
  nps: (v) => v.toFixed(1),
  ces: (v) => v.toFixed(2),
  churn_rate: (v) => `${v.toFixed(1)} %`,
  frt: (s) =>
    s < 120
      ? `${s.toFixed(0)} s`
      : s < 7200
        ? `${(s / 60).toFixed(1)} min`
        : `${(s / 3600).toFixed(1)} h`,
}

describe('dashboard in headless Chromium', () => {
  let ch: Awaited<ReturnType<typeof testClickHouse>>
  let pipeline: Pipeline
  let browser: Browser
  const key = generateApiKey()

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: run "bash scripts/setup.sh" (it installs Debian's chromium) or set CHROMIUM_PATH`,
      )
    }
    ch = await testClickHouse()
    await runMigrations(ch)
    pipeline = await startPipeline({
      brokers: testEnvironment().kafka.brokers,
      clickhouse: ch,
      keys: createKeyStore([
        { id: 'demo', tenant_id: 'demo', hash: key.hash, scopes: ['ingest', 'query'] },
      ]),
      logger: testLogger,
      topicPrefix: uniqueName('dash'),
      groupId: uniqueName('dash-group'),
      ingestRatePerSec: 1_000_000,
      alertIntervalMs: 0,
    })
    // Two days of simulated traffic ending now, so the 24-hour window and its previous
    // period both have data.
    const now = Date.now()
    const events = createSimulator({
      seed: 5,
      responsesPerMinute: 3,
      customers: 500,
    }).eventsBetween(new Date(now - 2 * 86_400_000), new Date(now - 30_000))
    const client = createCxClient({ url: pipeline.ingest.url, apiKey: key.key, batchSize: 1000 })
    const sent = await client.send(events)
    expect(sent.rejected).toEqual([])
    // Every accepted event is a raw row before the page loads, so page and test read the same data.
    await waitFor(
      'simulated events counted',
      async () => {
        let total = 0
        for (const table of [
          'survey_responses',
          'ticket_events',
          'customer_events',
          'qa_reviews',
        ]) {
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
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await pipeline?.stop()
    await ch?.drop()
  })

  it('shows the API’s numbers in every tile, charts, breakdown and alerts; saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const consoleErrors: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text())
    })
    const apiCalls: string[] = []
    page.on('request', (r) => {
      if (r.url().includes('/v1/')) apiCalls.push(r.url())
    })
    await page.goto(`${pipeline.query.url}/#key=${key.key}`)
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 })
    // The key left the address bar.
    expect(page.url()).not.toContain(key.key)

    // The same window the page used: read it from its requests.
    const tileCall = apiCalls.find((u) => u.includes('/v1/metrics/csat') && u.includes('compare='))
    expect(tileCall).toBeDefined()
    const params = new URL(tileCall!).searchParams
    for (const metric of Object.keys(format)) {
      const res = await fetch(
        `${pipeline.query.url}/v1/metrics/${metric}?from=${params.get('from')}&to=${params.get('to')}&compare=previous_period`,
        { headers: { authorization: `Bearer ${key.key}` } },
      )
      const api = (await res.json()) as { value: number | null; n: number }
      const tile = page.locator(`.tile[data-metric="${metric}"]`)
      const shown = (await tile.locator('.value').textContent())?.trim()
      expect(shown, metric).toBe(api.value === null ? '—' : format[metric]!(api.value))
      expect(await tile.locator('.meta').textContent(), metric).toContain(`n = ${api.n}`)
    }
    expect(await page.locator('#tiles .tile').count()).toBe(5)
    expect(await page.locator('#chart-csat svg polyline').count()).toBe(1)
    expect(await page.locator('#chart-csat svg polygon.band').count()).toBe(1)
    expect(await page.locator('#breakdown .bar').count()).toBeGreaterThan(1)
    expect((await page.locator('#alerts').textContent())?.length).toBeGreaterThan(0)
    expect(consoleErrors).toEqual([])

    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    expect(existsSync(SCREENSHOT)).toBe(true)
  }, 60_000)
})
