import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateApiKey } from '@cxpulse/auth'
import { startWebhookReceiver, testEnvironment, uniqueName, waitFor } from '@cxpulse/testkit'
import { BUILT_CLI, ROOT } from './run-cli.ts'

/**
 * The multi-process layout that works with the embedded engine: the processor owns the engine
 * and shares it through its engine gateway (CLICKHOUSE_GATEWAY_PORT); ingest, query and the
 * alerter each run in a process of their own with `cxpulse serve`, talking only through Kafka
 * and ClickHouse (CLICKHOUSE_URL = the gateway), exactly as against a ClickHouse server. All
 * four run the compiled CLI as production does (`node --conditions=production …/dist/main.js`).
 */
const MIN = 60_000
const SECRET = 'multi-process-webhook-secret-0123'
const GATEWAY_PASSWORD = randomUUID()

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => done(port))
    })
  })
}

interface Service {
  name: string
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

describe('services in processes of their own next to the processor that owns the engine', () => {
  const key = generateApiKey()
  const keys = JSON.stringify([
    { id: 'k', tenant_id: 'acme', hash: key.hash, scopes: ['ingest', 'query'] },
  ])
  const prefix = uniqueName('mp')
  const services: Service[] = []
  let hook: Awaited<ReturnType<typeof startWebhookReceiver<{ state: string; rule_id: string }>>>
  let dataDir = ''
  const port: Record<'processor' | 'gateway' | 'ingest' | 'query' | 'alerter', number> = {
    processor: 0,
    gateway: 0,
    ingest: 0,
    query: 0,
    alerter: 0,
  }

  function serve(name: string, env: Record<string, string>): Service {
    const child = spawn(process.execPath, [...BUILT_CLI, 'serve', name], {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: testEnvironment().kafka.brokers.join(','),
        // The suite's broker is a single node (the production default is 3 replicas, 2 in sync).
        KAFKA_REPLICATION_FACTOR: '1',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    const service = {
      name,
      child,
      output: () => out,
      exited: new Promise<number | null>((done) => child.once('exit', (code) => done(code))),
    }
    services.push(service)
    return service
  }

  const ready = (s: Service, p: number) =>
    waitFor(
      `${s.name} ready (output so far: ${s.output().slice(-500)})`,
      async () => {
        if (s.child.exitCode !== null) throw new Error(`${s.name} exited: ${s.output()}`)
        return (await fetch(`http://127.0.0.1:${p}/readyz`).catch(() => undefined))?.ok
          ? true
          : undefined
      },
      120_000,
    )

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cxpulse-mp-'))
    for (const name of Object.keys(port) as (keyof typeof port)[]) port[name] = await freePort()
    hook = await startWebhookReceiver<{ state: string; rule_id: string }>(SECRET)

    const engine = {
      CLICKHOUSE_URL: `http://127.0.0.1:${port.gateway}`,
      CLICKHOUSE_USER: 'cxpulse',
      CLICKHOUSE_PASSWORD: GATEWAY_PASSWORD,
    }
    const processor = serve('processor', {
      PROCESSOR_TOPIC_PREFIX: prefix,
      PROCESSOR_GROUP_ID: `${prefix}-processor`,
      PROCESSOR_HOST: '127.0.0.1',
      PROCESSOR_PORT: String(port.processor),
      PROCESSOR_BATCH_MAX_WAIT_MS: '100',
      CLICKHOUSE_DATA_DIR: dataDir,
      CLICKHOUSE_GATEWAY_PORT: String(port.gateway),
      CLICKHOUSE_GATEWAY_PASSWORD: GATEWAY_PASSWORD,
    })
    // The others need the processor's tables (it applies the migrations before it is ready).
    await ready(processor, port.processor)
    const others = [
      [
        serve('ingest', {
          TOPIC_PREFIX: prefix,
          INGEST_HOST: '127.0.0.1',
          INGEST_PORT: String(port.ingest),
          INGEST_API_KEYS: keys,
        }),
        port.ingest,
      ],
      [
        serve('query', {
          ...engine,
          QUERY_HOST: '127.0.0.1',
          QUERY_PORT: String(port.query),
          QUERY_API_KEYS: keys,
        }),
        port.query,
      ],
      [
        serve('alerter', {
          ...engine,
          ALERTER_TOPIC_PREFIX: prefix,
          ALERTER_HOST: '127.0.0.1',
          ALERTER_PORT: String(port.alerter),
          ALERTER_INTERVAL_MS: '1000',
          ALERTER_WEBHOOK_SECRETS: JSON.stringify({ acme: SECRET }),
        }),
        port.alerter,
      ],
    ] as const
    for (const [s, p] of others) await ready(s, p)
  }, 300_000)

  afterAll(async () => {
    for (const s of services) if (s.child.exitCode === null) s.child.kill('SIGKILL')
    await hook?.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${port.query}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
    })

  it('an event sent to the ingest process is counted by the query process, and the alerter process fires', async () => {
    const rule = await api('/v1/alert-rules', {
      method: 'POST',
      body: JSON.stringify({
        name: 'CSAT % drop',
        metric: 'csat',
        current_window_minutes: 60,
        baseline_window_minutes: 1440,
        min_drop: 10,
        min_n: 50,
        significance: 0.01,
        webhook_url: hook.url,
      }),
    })
    expect(rule.status).toBe(201)
    const ruleId = ((await rule.json()) as { rule_id: string }).rule_id

    // Times relative to now: a good baseline 2–20 hours ago, a bad last hour (5–50 minutes ago).
    const now = Date.now()
    const survey = (at: number, positive: boolean) => ({
      event_id: randomUUID(),
      type: 'survey.response',
      occurred_at: new Date(at).toISOString(),
      customer_id: `c${Math.floor(at / MIN) % 97}`,
      kind: 'csat',
      score: positive ? 5 : 2,
      dimensions: { channel: 'chat' },
    })
    const baseline = Array.from({ length: 400 }, (_, i) =>
      survey(now - 20 * 60 * MIN + i * 2.7 * MIN, i % 10 !== 0),
    )
    const current = Array.from({ length: 200 }, (_, i) =>
      survey(now - 50 * MIN + i * 0.2 * MIN, i % 10 < 3),
    )
    const res = await fetch(`http://127.0.0.1:${port.ingest}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [...baseline, ...current] }),
    })
    expect(res.status, await res.clone().text()).toBe(202)

    const from = new Date(now - 24 * 60 * MIN).toISOString()
    const to = new Date(now + MIN).toISOString()
    const csat = await waitFor(
      'the 600 responses counted by the query process',
      async () => {
        const r = await api(`/v1/metrics/csat?from=${from}&to=${to}`)
        const body = (await r.json()) as { value: number | null; n: number }
        return body.n === 600 ? body : undefined
      },
      90_000,
    )
    // 360 of 400 positive in the baseline, 60 of 200 in the last hour: (360 + 60) / 600.
    expect(csat.value).toBeCloseTo(70, 6)

    const firing = await waitFor(
      'the alerter process’s webhook for the drop',
      async () => hook.received.find((w) => w.body.rule_id === ruleId && w.body.state === 'firing'),
      90_000,
    )
    expect(firing.valid).toBe(true)
    const alerts = (await (await api('/v1/alerts')).json()) as {
      alerts: { rule_id: string; state: string }[]
    }
    expect(alerts.alerts.find((a) => a.rule_id === ruleId)).toMatchObject({ state: 'firing' })
  }, 240_000)

  it('every service stops cleanly on SIGTERM, the engine owner last', async () => {
    const owner = services.find((s) => s.name === 'processor')!
    for (const s of services.filter((s) => s !== owner)) {
      s.child.kill('SIGTERM')
      expect(await s.exited, `${s.name}: ${s.output()}`).toBe(0)
    }
    owner.child.kill('SIGTERM')
    expect(await owner.exited, owner.output()).toBe(0)
  }, 120_000)
})
