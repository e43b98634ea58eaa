import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createKeyStore, generateApiKey } from '@cxpulse/auth'
import { RAW_TABLE, queryRows, recordTransition } from '@cxpulse/clickhouse'
import type { CxEventInput } from '@cxpulse/contracts'
import { DEFAULT_INGEST_CONFIG, startIngest } from '@cxpulse/ingest'
import { createQuery, DEFAULT_QUERY_LIMITS } from '@cxpulse/query'
import { createSimulator } from '@cxpulse/simulator'
import { recordReliability, testEnvironment, uniqueName, waitFor } from '@cxpulse/testkit'
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.ts'
import { capturingLogger, rawRequest, Tally } from './security.support.ts'

/**
 * The query API (and the dashboard and alert routes it serves) against hostile parameters and
 * the wrong tenant, over a real pipeline: events go through ingest, Kafka and the processor
 * into ClickHouse for two tenants. acme asks; globex's data carries a marker in every
 * dimension value, so any leak of globex's rows into an acme answer would be visible.
 */
const FILE = 'test/reliability/security.query.integration.test.ts'
const MARK = 'globexsecret'
const MAX_GROUPS = 100

/** Classic injection payloads, each tried in every parameter. */
const PAYLOADS = [
  "' OR 1=1 --",
  "chat' OR tenant_id='globex",
  "x'); DROP TABLE survey_responses; --",
  "'; DROP DATABASE default; --",
  '1 UNION SELECT name FROM system.tables',
  "' UNION ALL SELECT * FROM system.users --",
  "\\' OR \\'1\\'=\\'1",
  '"; SELECT 1; --',
  '/* comment */ chat',
  'chat\u0000',
  '{tenant:String}',
  'é€😀\u202e\uFEFF',
  '%27%20OR%201%3D1',
  'a'.repeat(5000),
]
/** The most dangerous few, tried in every parameter of every other metric. */
const SHORT_PAYLOADS = [PAYLOADS[0]!, PAYLOADS[1]!]
/** One metric per read query of packages/clickhouse (surveys, ticket durations, FCR, …). */
const REPRESENTATIVES = [
  'nps',
  'frt',
  'fcr',
  'awt',
  'feedback_reply_rate',
  'iqs',
  'channel_mix',
  'churn_rate',
  'clv',
  'reply_time',
  'historical_clv',
  'open_backlog',
  'reopen_rate',
  'sla_attainment',
  'survey_response_rate',
]
/** Parameters a metric cannot be asked without (they are not what is being probed). */
const REQUIRED: Record<string, Record<string, string>> = {
  historical_clv: { customer_id: 'c1' },
}

type Answer = {
  status: number
  text: string
  body: {
    n?: number
    message?: string
    errors?: { path: string; message: string }[]
    groups?: { key: string; n: number }[]
    series?: { n: number }[]
  }
}

describe('security: query API, tenants and keys', () => {
  let running: TestPipeline
  let ch: TestPipeline['ch']
  let pipeline: TestPipeline['pipeline']
  const { logger, lines } = capturingLogger('security-pipeline', 'debug')
  const keys = {
    acme: generateApiKey(),
    acmeNext: generateApiKey(),
    globex: generateApiKey(),
  }
  /** Every key (and hash) this file ever sends or stores: none may appear in a log line. */
  const secrets: { key: string; hash: string }[] = [...Object.values(keys)]
  const prefix = uniqueName('secq')
  const sent = { acme: 0, globex: 0, acmeCsat: 0, globexCsat: 0 }
  let from: string
  let to: string

  async function get(
    path: string,
    params: Record<string, string> | URLSearchParams,
    key: string | null = keys.acme.key,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const qs = params instanceof URLSearchParams ? params : new URLSearchParams(params)
    const res = await fetch(`${pipeline.query.url}${path}?${qs}`, {
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    })
    const text = await res.text()
    let body: Answer['body'] = {}
    try {
      body = JSON.parse(text) as Answer['body']
    } catch {
      // not JSON (the dashboard's files)
    }
    return { status: res.status, text, body }
  }

  async function ingest(key: string, events: unknown[], headers: Record<string, string> = {}) {
    const res = await fetch(`${pipeline.ingest.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ events }),
    })
    return {
      status: res.status,
      body: (await res.json()) as {
        accepted?: number
        rejected?: { index: number; reason: string }[]
      },
    }
  }

  /** Row count of every table in the test database (views excluded). */
  /**
   * Logical rows per table. Tables whose engine merges rows (processor_progress, the rollups)
   * are counted with FINAL: a background merge may fold their parts at any moment, which
   * changes count() without anyone writing.
   */
  async function tableCounts(): Promise<Record<string, number>> {
    const tables = await queryRows(ch, {
      name: 'tables',
      sql: `SELECT name, engine FROM system.tables WHERE database = {db:String} AND engine NOT LIKE '%View' ORDER BY name`,
      params: { db: ch.database },
      row: z.object({ name: z.string(), engine: z.string() }),
    })
    const out: Record<string, number> = {}
    for (const { name, engine } of tables) {
      const final = /(Replacing|Summing|Aggregating|Collapsing)MergeTree/.test(engine)
        ? ' FINAL'
        : ''
      const [r] = await queryRows(ch, {
        name: 'count',
        sql: `SELECT count() AS n FROM ${ch.table(name)}${final}`,
        params: {},
        row: z.object({ n: z.coerce.number() }),
      })
      out[name] = r?.n ?? 0
    }
    return out
  }

  async function surveys(tenant: string): Promise<number> {
    const [r] = await queryRows(ch, {
      name: 'surveys',
      sql: `SELECT count() AS n FROM ${ch.table(RAW_TABLE.surveys)} WHERE tenant_id = {t:String}`,
      params: { t: tenant },
      row: z.object({ n: z.coerce.number() }),
    })
    return r?.n ?? 0
  }

  beforeAll(async () => {
    running = await startTestPipeline(
      'secq',
      [
        { id: 'acme-1', tenant_id: 'acme', hash: keys.acme.hash, scopes: ['ingest', 'query'] },
        { id: 'acme-2', tenant_id: 'acme', hash: keys.acmeNext.hash, scopes: ['ingest', 'query'] },
        {
          id: 'globex-1',
          tenant_id: 'globex',
          hash: keys.globex.hash,
          scopes: ['ingest', 'query'],
        },
      ],
      { logger, topicPrefix: prefix, alertIntervalMs: 0, batchMaxWaitMs: 50 },
    )
    ch = running.ch
    pipeline = running.pipeline
    const now = Date.now()
    from = new Date(now - 86_400_000).toISOString()
    to = new Date(now + 60_000).toISOString()
    const story = (seed: number, channels: string[], products: string[]) =>
      createSimulator({
        seed,
        responsesPerMinute: 3,
        customers: 200,
        channels,
        products,
      }).eventsBetween(new Date(now - 3 * 3600_000), new Date(now - 3600_000))
    const acmeEvents: CxEventInput[] = story(1, ['chat', 'web'], ['core'])
    // More agents than a breakdown may return, so "too many groups" has something to bound.
    for (let i = 0; i < MAX_GROUPS + 50; i++) {
      acmeEvents.push({
        event_id: randomUUID(),
        type: 'survey.response',
        occurred_at: new Date(now - 3600_000 - i * 1000).toISOString(),
        customer_id: `bulk-${i}`,
        dimensions: { channel: 'web', agent: `bulk-agent-${i}` },
        kind: 'csat',
        score: 1 + (i % 5),
      } as CxEventInput)
    }
    const globexEvents = story(2, [`${MARK}-chat`], [`${MARK}-product`]).map((e) => {
      const marked = {
        ...e,
        customer_id: `${MARK}-${e.customer_id}`,
        dimensions: {
          ...e.dimensions,
          ...(e.dimensions?.agent ? { agent: `${MARK}-${e.dimensions.agent}` } : {}),
          team: `${MARK}-team`,
          region: `${MARK}-region`,
          segment: `${MARK}-segment`,
        },
      }
      return (
        e.type === 'survey.response' ? { ...marked, survey_id: `${MARK}-survey` } : marked
      ) as CxEventInput
    })
    for (const [tenant, key, events] of [
      ['acme', keys.acme.key, acmeEvents],
      ['globex', keys.globex.key, globexEvents],
    ] as const) {
      for (let i = 0; i < events.length; i += 500) {
        const batch = events.slice(i, i + 500)
        const r = await ingest(key, batch)
        expect(r.status).toBe(202)
        expect(r.body.rejected).toEqual([])
      }
      const survey = events.filter((e) => e.type === 'survey.response').length
      sent[tenant] = events.length
      console.error(`[security sql] ${tenant}: ${events.length} events sent`)
      sent[tenant === 'acme' ? 'acmeCsat' : 'globexCsat'] = events.filter(
        (e) => e.type === 'survey.response' && e.kind === 'csat',
      ).length
      await waitFor(
        `${tenant} surveys counted`,
        async () => ((await surveys(tenant)) >= survey ? true : undefined),
        60_000,
      )
    }
    // The processor is done when the tables stop changing.
    let last = ''
    await waitFor(
      'tables settled',
      async () => {
        const now = JSON.stringify(await tableCounts())
        const settled = now === last
        last = now
        await new Promise((r) => setTimeout(r, 500))
        return settled ? true : undefined
      },
      60_000,
    )
  }, 180_000)

  afterAll(async () => {
    await running?.stop()
  })

  it('refuses or safely answers SQL injection through every query parameter', async () => {
    const metrics = (
      (await (await fetch(`${pipeline.query.url}/v1/metrics`)).json()) as {
        metrics: { id: string }[]
      }
    ).metrics.map((m) => m.id)
    const openapi = (await (await fetch(`${pipeline.query.url}/openapi.json`)).json()) as {
      paths: Record<string, { get: { parameters: { name: string; in: string }[] } }>
    }
    const params = openapi.paths['/v1/metrics/{metric}']!.get.parameters.filter(
      (p) => p.in === 'query',
    ).map((p) => p.name)
    const dimensions = ['channel', 'agent', 'team', 'product', 'region', 'segment', 'survey_id']
    expect(params).toEqual(
      expect.arrayContaining([...dimensions, 'from', 'to', 'tz', 'interval', 'group_by']),
    )
    // Not parameters of the API: must be refused by name, whatever their value.
    const foreign = ['tenant_id', 'tenant', 'api_key', 'database', "x' OR 1=1 --"]
    const window = { from, to }
    const honest = new Map<string, number>()
    for (const m of metrics)
      honest.set(m, (await get(`/v1/metrics/${m}`, { ...window, ...REQUIRED[m] })).body.n ?? -1)
    expect(honest.get('csat')).toBe(sent.acmeCsat)
    expect(metrics).toEqual(expect.arrayContaining(['csat', ...REPRESENTATIVES]))
    const before = await tableCounts()
    const started = Date.now()

    const tally = new Tally()
    const unsafe: string[] = []
    let attempts = 0
    const check = (
      what: string,
      param: string | undefined,
      r: Answer,
      metric: string,
      known: string[] = params,
    ) => {
      attempts++
      tally.add(r.status)
      if (r.status >= 500) unsafe.push(`${what} → ${r.status} ${r.text.slice(0, 120)}`)
      if (r.text.includes(MARK)) unsafe.push(`${what} → globex data in the answer`)
      if (r.status === 400 && param !== undefined) {
        const named =
          (r.body.errors ?? []).some((e) => e.path === param || e.message.includes(param)) ||
          String(r.body.message).includes(param)
        if (!named) unsafe.push(`${what} → 400 without naming ${param}: ${r.text.slice(0, 160)}`)
      }
      if (r.status === 200) {
        // A filter on a value no row has must count nothing: spliced into SQL, "' OR 1=1" would
        // have counted every row. Nothing may count more than the honest, unfiltered answer.
        if (param && dimensions.includes(param) && (r.body.n ?? 0) !== 0)
          unsafe.push(`${what} → counted ${r.body.n}`)
        if ((r.body.n ?? 0) > (honest.get(metric) ?? 0))
          unsafe.push(`${what} → n ${r.body.n} above the honest ${honest.get(metric)}`)
        if (param && !known.includes(param))
          unsafe.push(`${what} → 200 for a parameter the API does not have`)
      }
    }
    // Parameters are validated before any metric-specific SQL, so every parameter gets every
    // payload on csat. The values that reach SQL (dimension filters) get the sharpest payloads on
    // one metric per query of packages/clickhouse, and one on every other metric.
    const jobs: { metric: string; param: string | undefined; q: Record<string, string> }[] = []
    for (const metric of metrics) {
      const names =
        metric === 'csat'
          ? [...params, ...foreign]
          : REPRESENTATIVES.includes(metric)
            ? dimensions
            : ['channel']
      const payloads =
        metric === 'csat'
          ? PAYLOADS
          : REPRESENTATIVES.includes(metric)
            ? SHORT_PAYLOADS
            : SHORT_PAYLOADS.slice(0, 1)
      const base = { ...window, ...REQUIRED[metric] }
      for (const param of names) {
        for (const p of payloads) jobs.push({ metric, param, q: { ...base, [param]: p } })
      }
      // A filter that does match, with a breakdown: only acme's own rows.
      jobs.push({ metric, param: undefined, q: { ...base, channel: 'chat', group_by: 'agent' } })
    }
    await pool(jobs, 4, async ({ metric, param, q }) => {
      const r = await get(`/v1/metrics/${metric}`, q)
      const shown = param ? `${param}=${JSON.stringify(q[param]!.slice(0, 24))}` : JSON.stringify(q)
      check(`${metric} ${shown}`, param, r, metric)
    })
    // The metric path.
    for (const p of [
      ...PAYLOADS,
      '../alerts',
      'csat/../../v1/alerts',
      '%2e%2e%2fhealthz',
      'csat%00',
      'CSAT',
    ]) {
      const res = await fetch(
        `${pipeline.query.url}/v1/metrics/${encodeURIComponent(p)}?${new URLSearchParams(window)}`,
        {
          headers: { authorization: `Bearer ${keys.acme.key}` },
        },
      )
      const text = await res.text()
      attempts++
      tally.add(res.status)
      if (res.status !== 404)
        unsafe.push(`metric path ${JSON.stringify(p.slice(0, 24))} → ${res.status}`)
      if (text.includes(MARK)) unsafe.push(`metric path ${p.slice(0, 24)} → globex data`)
    }
    // The same parameter twice (one harmless, one hostile): refused, not "first wins".
    const dup = new URLSearchParams({ ...window, channel: 'chat' })
    dup.append('channel', "' OR 1=1 --")
    check('channel twice', 'channel', await get('/v1/metrics/csat', dup), 'csat')
    // The alerts list's parameters.
    for (const param of ['state', 'limit']) {
      for (const p of PAYLOADS)
        check(
          `alerts ${param}=${JSON.stringify(p.slice(0, 24))}`,
          param,
          await get('/v1/alerts', { [param]: p }),
          'alerts',
          ['state', 'limit'],
        )
    }
    const after = await tableCounts()

    // Alert rules take bodies: payloads in the name and a filter value are stored verbatim
    // (read back equal) or refused naming the field; a hostile rule id is just unknown.
    const globexRules = (await get('/v1/alert-rules', {}, keys.globex.key)).text
    const rulesUrl = `${pipeline.query.url}/v1/alert-rules`
    const auth = { authorization: `Bearer ${keys.acme.key}`, 'content-type': 'application/json' }
    for (const p of PAYLOADS) {
      const res = await fetch(rulesUrl, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: p, metric: 'csat', filters: { channel: p }, min_drop: 5 }),
      })
      const text = await res.text()
      attempts++
      tally.add(res.status)
      const what = `rule with ${JSON.stringify(p.slice(0, 24))}`
      if (res.status === 201) {
        const rule = JSON.parse(text) as {
          rule_id: string
          name: string
          filters: { channel: string }
        }
        const back = (await get(`/v1/alert-rules/${rule.rule_id}`, {}))
          .body as unknown as typeof rule
        if (back.name !== p.trim() || back.filters.channel !== p)
          unsafe.push(`${what} read back as ${JSON.stringify(back).slice(0, 80)}`)
        await fetch(`${rulesUrl}/${rule.rule_id}`, { method: 'DELETE', headers: auth })
      } else if (res.status !== 400 || !/name|filters/.test(text)) {
        unsafe.push(`${what} → ${res.status} ${text.slice(0, 100)}`)
      }
      const byId = await fetch(`${rulesUrl}/${encodeURIComponent(p)}`, { headers: auth })
      attempts++
      tally.add(byId.status)
      if (byId.status !== 404)
        unsafe.push(`rule id ${JSON.stringify(p.slice(0, 24))} → ${byId.status}`)
    }
    // A client hanging up halfway through a rule upload.
    const cut = await rawRequest(
      pipeline.query.url,
      `POST /v1/alert-rules HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${keys.acme.key}\r\n` +
        `content-type: application/json\r\ncontent-length: 500\r\n\r\n{"name":`,
      { halfClose: true },
    )
    attempts++
    tally.add(cut)
    if (typeof cut === 'number' && cut >= 500) unsafe.push(`cut-short rule upload → ${cut}`)
    if ((await get('/v1/alert-rules', {}, keys.globex.key)).text !== globexRules)
      unsafe.push('globex’s rules changed')
    const withoutRules = (c: Record<string, number>) =>
      JSON.stringify(Object.entries(c).filter(([t]) => !t.startsWith('alert_rules')))
    if (withoutRules(await tableCounts()) !== withoutRules(after))
      unsafe.push('rule requests changed tables other than alert_rules')
    // None of it was an unexpected error inside the HTTP services.
    await new Promise((r) => setTimeout(r, 200))
    const errors = lines.filter(
      (l) => l.includes('"level":50') && l.includes('"msg":"request failed"'),
    )
    if (errors.length)
      unsafe.push(`${errors.length} requests failed inside: ${errors[0]!.slice(0, 300)}`)

    const pass = unsafe.length === 0 && JSON.stringify(after) === JSON.stringify(before)
    console.error(
      `[security sql] ${attempts} requests in ${Date.now() - started} ms: ${tally}; unsafe ${unsafe.length}`,
    )
    await recordReliability({
      id: 'sql-injection',
      category: 'security',
      fault: 'SQL injection through the query API',
      injection:
        `${PAYLOADS.length} payloads (quotes, comments, UNION SELECT, DROP TABLE/DATABASE, backslashes, NUL, bound-parameter placeholders, unicode and bidi, URL-encoded, 5,000 chars) ` +
        `in each of the ${params.length} documented parameters of /v1/metrics/csat and in ${foreign.length} undocumented ones (tenant_id, api_key, a quoted name); ` +
        `the sharpest ${SHORT_PAYLOADS.length} in every dimension filter (the values that reach SQL) of one metric per read query (${REPRESENTATIVES.join(', ')}), one in the channel filter of the ${metrics.length - 1 - REPRESENTATIVES.length} others; ` +
        `the metric path; a repeated parameter; /v1/alerts' state and limit; alert rules with each payload as name, filter value and rule id; a rule upload cut short`,
      trials: attempts,
      produced: null,
      counted: null,
      lost: null,
      duplicated: null,
      verdict: pass ? 'pass' : 'fail',
      notes:
        `answers ${tally}; unsafe answers ${unsafe.length}${unsafe.length ? ` (${unsafe.slice(0, 5).join('; ')})` : ''}; ` +
        `every 400 names its parameter; filters on payload values counted 0; no globex value in any answer; ` +
        `row counts of all ${Object.keys(after).length} tables ${JSON.stringify(after) === JSON.stringify(before) ? 'unchanged' : 'CHANGED'} by the metric requests (and all but alert_rules by the rule requests); no request failed inside a service.`,
      test: FILE,
    })
    expect(unsafe).toEqual([])
    expect(after).toEqual(before)
  }, 180_000)

  it('bounds what one request may ask: unknown group_by, enormous windows, too many groups', async () => {
    const findings: string[] = []
    const tally = new Tally()
    const expectStatus = async (
      what: string,
      q: Record<string, string>,
      want: number,
      param?: string,
    ) => {
      const r = await get('/v1/metrics/csat', q)
      tally.add(r.status)
      if (r.status !== want) findings.push(`${what} → ${r.status}, expected ${want}`)
      if (param && r.status === 400 && !(r.body.errors ?? []).some((e) => e.path === param))
        findings.push(`${what} → 400 not naming ${param}`)
      return r
    }
    for (const g of [
      'tenant_id',
      'customer_id',
      'event_id',
      'locale',
      'score',
      '1',
      'channel,agent',
      'Channel',
    ]) {
      await expectStatus(`group_by=${g}`, { from, to, group_by: g }, 400, 'group_by')
    }
    const day = 86_400_000
    const t = Date.parse(to)
    await expectStatus(
      '1900–2999',
      { from: '1900-01-01T00:00:00Z', to: '2999-01-01T00:00:00Z' },
      400,
      'to',
    )
    await expectStatus('401 days', { from: new Date(t - 401 * day).toISOString(), to }, 400, 'to')
    await expectStatus('400 days', { from: new Date(t - 400 * day).toISOString(), to }, 200)
    await expectStatus(
      'minute series over 2 days',
      { from: new Date(t - 2 * day).toISOString(), to, interval: 'minute' },
      400,
      'interval',
    )
    await expectStatus('from after to', { from: to, to: from }, 400, 'to')
    await expectStatus('empty window', { from, to: from }, 400, 'to')
    // Edges of the calendar: answered (nothing there) or refused, never a server error.
    for (const [a, b] of [
      ['0001-01-01T00:00:00Z', '0001-01-02T00:00:00Z'],
      ['1969-12-31T00:00:00Z', '1970-01-01T00:00:00Z'],
      ['2105-12-31T00:00:00Z', '2106-01-01T00:00:00Z'],
      ['9999-12-30T00:00:00Z', '9999-12-31T00:00:00Z'],
      ['2001-01-01T00:00:00+23:59', '2001-01-01T12:00:00-23:59'],
      ['2026-02-30T00:00:00Z', '2026-03-01T00:00:00Z'],
    ] as const) {
      const r = await get('/v1/metrics/csat', { from: a, to: b })
      tally.add(r.status)
      if (r.status >= 500) findings.push(`${a}–${b} → ${r.status}`)
      if (r.status === 200 && r.body.n !== 0) findings.push(`${a}–${b} counted ${r.body.n}`)
    }
    // A breakdown over more values than allowed: the largest MAX_GROUPS, in order of n.
    const groupSizes: string[] = []
    for (const metric of ['csat', 'nps', 'ces', 'frt', 'iqs', 'awt']) {
      const r = await get(`/v1/metrics/${metric}`, { from, to, group_by: 'agent' })
      tally.add(r.status)
      const groups = r.body.groups ?? []
      groupSizes.push(`${metric} ${r.status === 200 ? groups.length : r.status}`)
      const refused = r.status === 400 && (r.body.errors ?? []).some((e) => e.path === 'group_by')
      if ((r.status !== 200 && !refused) || groups.length > MAX_GROUPS)
        findings.push(`${metric} by agent → ${r.status}, ${groups.length} groups`)
      const ns = groups.map((g) => g.n)
      if (ns.some((n, i) => i > 0 && n > ns[i - 1]!))
        findings.push(`${metric} groups not largest first`)
    }
    // The groups returned are the largest, each complete (all its scales), as the raw rows say.
    const csatAgents =
      (await get('/v1/metrics/csat', { from, to, group_by: 'agent' })).body.groups ?? []
    const truth = await queryRows(ch, {
      name: 'agents',
      sql:
        `SELECT agent AS key, count() AS n FROM ${ch.table(RAW_TABLE.surveys)} ` +
        `WHERE tenant_id = 'acme' AND kind = 'csat' GROUP BY agent ORDER BY n DESC, key`,
      params: {},
      row: z.object({ key: z.string(), n: z.coerce.number() }),
    })
    const cutoff = truth[MAX_GROUPS - 1]?.n ?? 0
    const wrong = csatAgents.filter(
      (g) => truth.find((t) => t.key === g.key)?.n !== g.n || g.n < cutoff,
    )
    if (truth.length <= MAX_GROUPS || csatAgents.length !== MAX_GROUPS || wrong.length > 0)
      findings.push(
        `csat by agent: ${csatAgents.length} groups of ${truth.length} agents, expected the ${MAX_GROUPS} largest, complete; ${wrong.length} wrong (${JSON.stringify(wrong.slice(0, 3))})`,
      )
    await recordReliability({
      id: 'query-bounds',
      category: 'security',
      fault: 'unbounded queries',
      injection:
        'group_by outside the allow-list (tenant_id, customer_id, event_id, …); windows of 1,100 years and 401 days; a minute series over 2 days; ' +
        `reversed and empty windows; calendar edges (year 1, 1969, 2106, 9999, ±23:59 offsets, 30 February); breakdowns by agent over ${MAX_GROUPS + 50}+ agents`,
      trials: tally.total,
      produced: null,
      counted: null,
      lost: null,
      duplicated: null,
      verdict: findings.length === 0 ? 'pass' : 'fail',
      notes: `answers ${tally}; groups returned: ${groupSizes.join(', ')} (limit ${MAX_GROUPS}); findings: ${findings.length ? findings.join('; ') : 'none'}.`,
      test: FILE,
    })
    expect(findings).toEqual([])
  })

  it('keeps tenants apart across ingest, query, alerts and the dashboard', async () => {
    const findings: string[] = []
    let trials = 0
    const finding = (ok: boolean, what: string) => {
      trials++
      if (!ok) findings.push(what)
    }
    // --- ingest: the key decides the tenant ----------------------------------------------------
    const event = (tenant_id?: string) => ({
      event_id: randomUUID(),
      type: 'survey.response',
      occurred_at: new Date(Date.now() - 60_000).toISOString(),
      customer_id: 'isolation-probe',
      dimensions: { channel: 'isolation' },
      kind: 'csat',
      score: 5,
      ...(tenant_id === undefined ? {} : { tenant_id }),
    })
    const foreign = event('globex')
    const alone = await ingest(keys.acme.key, [foreign])
    finding(
      alone.status === 400 && alone.body.rejected?.[0]?.reason === 'tenant_mismatch',
      `acme key naming globex → ${alone.status}`,
    )
    const own = event('acme')
    const plain = event()
    const viaHeader = event()
    const foreign2 = event('globex')
    const cased = event('ACME')
    const mixed = await ingest(keys.acme.key, [own, foreign2, plain, cased])
    finding(
      mixed.status === 202 &&
        mixed.body.accepted === 2 &&
        (mixed.body.rejected ?? []).map((r) => `${r.index}:${r.reason}`).join() ===
          '1:tenant_mismatch,3:tenant_mismatch',
      `mixed batch → ${mixed.status} ${JSON.stringify(mixed.body)}`,
    )
    const header = await ingest(keys.acme.key, [viaHeader], {
      'x-tenant-id': 'globex',
      'x-cxpulse-tenant': 'globex',
    })
    finding(header.status === 202, `tenant headers → ${header.status}`)
    const landed = async () =>
      queryRows(ch, {
        name: 'probe',
        sql: `SELECT toString(event_id) AS id, tenant_id FROM ${ch.table(RAW_TABLE.surveys)} WHERE customer_id = 'isolation-probe'`,
        params: {},
        row: z.object({ id: z.string(), tenant_id: z.string() }),
      })
    const rows = await waitFor('probe events counted', async () => {
      const r = await landed()
      return r.length >= 3 ? r : undefined
    })
    await new Promise((r) => setTimeout(r, 1000))
    const final = await landed()
    const where = new Map(final.map((r) => [r.id, r.tenant_id]))
    finding(rows.length === 3 && final.length === 3, `${final.length} probe rows, expected 3`)
    for (const e of [own, plain, viaHeader])
      finding(
        where.get(e.event_id) === 'acme',
        `${e.event_id} stored under ${where.get(e.event_id)}`,
      )
    for (const e of [foreign, foreign2, cased])
      finding(!where.has(e.event_id), `refused event ${e.event_id} stored`)

    // --- query: the key decides the tenant, whatever the request names -------------------------
    const csat = async (key: string, extra: Record<string, string> = {}) =>
      get('/v1/metrics/csat', { from, to, ...extra }, key)
    const acmeN = (await csat(keys.acme.key)).body.n
    const globexN = (await csat(keys.globex.key)).body.n
    finding(acmeN === sent.acmeCsat + 3, `acme csat n ${acmeN}, sent ${sent.acmeCsat + 3}`)
    finding(globexN === sent.globexCsat, `globex csat n ${globexN}, sent ${sent.globexCsat}`)
    finding((await csat(keys.acmeNext.key)).body.n === acmeN, 'the second acme key sees other data')
    for (const extra of [{ tenant_id: 'globex' }, { tenant: 'globex' }, { tenant_id: 'acme' }]) {
      const r = await csat(keys.acme.key, extra)
      finding(r.status === 400, `${JSON.stringify(extra)} → ${r.status}`)
    }
    finding(
      (await csat(keys.acme.key, { channel: `${MARK}-chat` })).body.n === 0,
      'acme filtered on a globex channel and counted',
    )
    // One metric per read query broken down by every dimension, every other metric by channel:
    // acme never sees a globex value; globex does see its own (so a leak would show).
    const metrics = (
      (await (await fetch(`${pipeline.query.url}/v1/metrics`)).json()) as {
        metrics: { id: string }[]
      }
    ).metrics.map((m) => m.id)
    let globexSeesMark = 0
    await pool(
      metrics.flatMap((m) =>
        (m === 'csat' || REPRESENTATIVES.includes(m)
          ? ['channel', 'agent', 'team', 'product', 'region', 'segment', 'survey_id']
          : ['channel']
        ).map((d) => [m, d] as const),
      ),
      4,
      async ([m, d]) => {
        const r = await get(`/v1/metrics/${m}`, { from, to, group_by: d, ...REQUIRED[m] })
        finding(
          r.status < 500 && !r.text.includes(MARK),
          `acme ${m} by ${d} → ${r.status}${r.text.includes(MARK) ? ' with globex values' : ''}`,
        )
        if (m === 'csat') {
          const g = await get(`/v1/metrics/${m}`, { from, to, group_by: d }, keys.globex.key)
          if (g.text.includes(MARK)) globexSeesMark++
        }
      },
    )
    finding(
      globexSeesMark >= 5,
      `globex saw its own marked values in only ${globexSeesMark} breakdowns`,
    )

    // --- alerts: rules and incidents of one tenant are invisible to the other ------------------
    const rulesUrl = `${pipeline.query.url}/v1/alert-rules`
    const call = async (method: string, url: string, key: string, body?: unknown) => {
      const res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await res.text()
      return {
        status: res.status,
        text,
        json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      }
    }
    const created = await call('POST', rulesUrl, keys.acme.key, {
      name: 'acme chat',
      metric: 'csat',
      filters: { channel: 'chat' },
      min_drop: 5,
    })
    finding(created.status === 201, `acme creates a rule → ${created.status}`)
    const ruleId = String(created.json['rule_id'])
    const ruleUrl = `${rulesUrl}/${ruleId}`
    finding(
      (await call('GET', ruleUrl, keys.globex.key)).status === 404,
      'globex reads acme’s rule',
    )
    finding(
      (
        await call('PUT', ruleUrl, keys.globex.key, {
          name: 'hijacked',
          metric: 'csat',
          min_drop: 1,
        })
      ).status === 404,
      'globex replaces acme’s rule',
    )
    finding(
      (await call('DELETE', ruleUrl, keys.globex.key)).status === 404,
      'globex deletes acme’s rule',
    )
    const globexList = await call('GET', rulesUrl, keys.globex.key)
    finding(
      globexList.status === 200 && !globexList.text.includes(ruleId),
      'globex lists acme’s rule',
    )
    const still = await call('GET', ruleUrl, keys.acme.key)
    finding(
      still.status === 200 && still.json['name'] === 'acme chat',
      `acme’s rule after globex’s attempts: ${still.text.slice(0, 120)}`,
    )
    // An incident of acme's rule, stored as the alerter stores it.
    const alertId = randomUUID()
    await recordTransition(ch, {
      tenantId: 'acme',
      ruleId,
      groupKey: '',
      incidentSeq: 1,
      state: 'firing',
      alertId,
      at: new Date(),
      evaluator: 'security-test',
      payload: JSON.stringify({
        rule_name: 'acme chat',
        metric: 'csat',
        dimension: null,
        dimension_value: null,
        current: {},
        baseline: {},
        drop: 7,
        p_value: 0.01,
      }),
    })
    const acmeAlerts = await get('/v1/alerts', {}, keys.acme.key)
    const globexAlerts = await get('/v1/alerts', {}, keys.globex.key)
    finding(
      acmeAlerts.status === 200 && acmeAlerts.text.includes(alertId),
      'acme does not see its own alert',
    )
    finding(
      globexAlerts.status === 200 &&
        !globexAlerts.text.includes(alertId) &&
        !globexAlerts.text.includes(ruleId),
      'globex sees acme’s alert',
    )

    // --- the dashboard: static files, no tenant data; the API it calls enforces the key --------
    const files = {
      '/': 'index.html',
      '/dashboard/app.js': 'app.js',
      '/dashboard/style.css': 'style.css',
    }
    const dashboardDir = fileURLToPath(
      new URL('../../services/query/src/dashboard/', import.meta.url),
    )
    let appJs = ''
    for (const [path, file] of Object.entries(files)) {
      const res = await fetch(`${pipeline.query.url}${path}`)
      const text = await res.text()
      if (file === 'app.js') appJs = text
      const onDisk = await readFile(`${dashboardDir}${file}`, 'utf8')
      finding(res.status === 200 && text === onDisk, `${path} is not the static file`)
      finding(
        !/acme|globex/i.test(text) &&
          !secrets.some((k) => text.includes(k.key) || text.includes(k.hash.slice(7))),
        `${path} holds tenant data or a key`,
      )
      finding(
        res.headers.get('content-security-policy')?.includes("default-src 'none'") === true,
        `${path} without the strict CSP`,
      )
    }
    const called = [
      ...new Set(
        [...appJs.matchAll(/['`](\/v1\/[a-z_/-]+)/g)].map((m) => m[1]!.replace(/\/$/, '')),
      ),
    ]
    const endpoints = called.map((p) => (p === '/v1/metrics' ? '/v1/metrics/csat' : p))
    finding(
      endpoints.includes('/v1/alerts') && endpoints.includes('/v1/metrics/csat'),
      `the dashboard's API calls not found in app.js: ${called.join(', ')}`,
    )
    const malformed = [null, 'cxp_nope', `cxp_${'A'.repeat(43)}`, keys.acme.key.slice(0, -1)]
    for (const path of [...new Set([...endpoints, '/v1/alert-rules', '/v1/metrics/nps'])]) {
      for (const k of malformed) {
        const r = await get(path, path.startsWith('/v1/metrics/') ? { from, to } : {}, k)
        finding(
          r.status === 401 && !r.text.includes(MARK),
          `${path} with key ${k === null ? 'none' : 'wrong'} → ${r.status}`,
        )
      }
    }
    // The metric catalogue is public: the same for every caller, and tenant-free.
    const catalogue = await Promise.all(
      [null, keys.acme.key, keys.globex.key].map((k) => get('/v1/metrics', {}, k)),
    )
    finding(
      catalogue.every(
        (c) =>
          c.text === catalogue[0]!.text && !c.text.includes(MARK) && !/acme|globex/.test(c.text),
      ),
      '/v1/metrics differs by caller',
    )

    await recordReliability({
      id: 'tenant-isolation',
      category: 'security',
      fault: 'cross-tenant access',
      injection:
        'ingest: an acme key sending tenant_id globex alone and in a mixed batch, ACME, tenant headers; query: tenant_id/tenant parameters, a globex value as filter, ' +
        `one metric per read query broken down by every dimension and every other by channel; alerts: globex reading, replacing, deleting, listing acme's rule and alerts; dashboard: its static files and every API path it calls without or with wrong keys`,
      trials,
      produced: null,
      counted: null,
      lost: null,
      duplicated: null,
      verdict: findings.length === 0 ? 'pass' : 'fail',
      notes:
        `ingest refuses an event naming another tenant (400 tenant_mismatch; in a batch only that event) and never stores it; ` +
        `findings: ${findings.length ? findings.join('; ') : 'none'}.`,
      test: FILE,
    })
    expect(findings).toEqual([])
  })

  it('never logs API keys or their hashes, and no answer echoes a presented key', async () => {
    // A rotation: acme-1 is retired and acme-3 issued. Services restarted with the new key list
    // (in this same process, logging to the same place) must refuse the retired key.
    const acmeNew = generateApiKey()
    const stranger = generateApiKey()
    secrets.push(acmeNew, stranger)
    const rotated = createKeyStore([
      { id: 'acme-2', tenant_id: 'acme', hash: keys.acmeNext.hash, scopes: ['ingest', 'query'] },
      { id: 'acme-3', tenant_id: 'acme', hash: acmeNew.hash, scopes: ['ingest', 'query'] },
    ])
    const rotatedIngest = await startIngest(
      {
        ...DEFAULT_INGEST_CONFIG,
        host: '127.0.0.1',
        port: 0,
        topicPrefix: prefix,
        apiKeys: {},
        kafka: { brokers: testEnvironment().kafka.brokers, clientId: uniqueName('rot') },
        logLevel: 'debug',
      },
      { keys: rotated, logger: logger.child({ service: 'ingest' }) },
    )
    const rotatedQuery = await createQuery(
      {
        host: '127.0.0.1',
        port: 0,
        apiKeys: {},
        shutdownTimeoutMs: 2000,
        clickhouse: { database: ch.database, dataDir: '' },
        logLevel: 'debug',
        ...DEFAULT_QUERY_LIMITS,
      },
      { clickhouse: ch, keys: rotated, logger: logger.child({ service: 'query' }) },
    ).start()
    const bodies: string[] = []
    const statuses = new Tally()
    const probe = async (url: string, init: RequestInit & { headers?: Record<string, string> }) => {
      const res = await fetch(url, init)
      const text = await res.text()
      statuses.add(res.status)
      bodies.push(text)
      return res.status
    }
    const outcomes: string[] = []
    try {
      const event = () =>
        JSON.stringify({
          event_id: randomUUID(),
          type: 'survey.response',
          occurred_at: new Date(Date.now() - 60_000).toISOString(),
          customer_id: 'keys-probe',
          kind: 'csat',
          score: 4,
        })
      const window = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`
      for (const [name, ingestUrl, queryUrl] of [
        ['pipeline', pipeline.ingest.url, pipeline.query.url],
        ['rotated', rotatedIngest.url, rotatedQuery.url],
      ] as const) {
        const presented: [string, Record<string, string>, string][] = [
          ['acme-1', { authorization: `Bearer ${keys.acme.key}` }, ''],
          ['acme-2', { authorization: `Bearer ${keys.acmeNext.key}` }, ''],
          ['acme-3', { authorization: `Bearer ${acmeNew.key}` }, ''],
          ['unknown key', { authorization: `Bearer ${stranger.key}` }, ''],
          ['mistyped key', { authorization: `Bearer ${keys.globex.key.slice(0, -1)}x` }, ''],
          ['no scheme', { authorization: keys.globex.key }, ''],
          [
            'Basic',
            { authorization: `Basic ${Buffer.from(`u:${keys.globex.key}`).toString('base64')}` },
            '',
          ],
          ['two tokens', { authorization: `Bearer ${keys.globex.key} ${keys.acme.key}` }, ''],
          ['x-api-key header', { 'x-api-key': keys.globex.key }, ''],
          ['in the query string', {}, `api_key=${keys.globex.key}`],
          [
            'in the query string, with a valid header',
            { authorization: `Bearer ${keys.acmeNext.key}` },
            `key=${keys.globex.key}`,
          ],
        ]
        for (const [what, headers, qs] of presented) {
          const i = await probe(`${ingestUrl}/v1/events${qs ? `?${qs}` : ''}`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: event(),
          })
          const q = await probe(`${queryUrl}/v1/metrics/csat?${window}${qs ? `&${qs}` : ''}`, {
            headers,
          })
          const a = await probe(`${queryUrl}/v1/alert-rules`, { headers })
          outcomes.push(`${name} ${what}: ingest ${i}, query ${q}, rules ${a}`)
        }
        // A key inside the body, where a confused client might put it.
        await probe(`${ingestUrl}/v1/events`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${keys.acmeNext.key}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            ...(JSON.parse(event()) as object),
            api_key: keys.globex.key,
            customer_id: keys.globex.key,
          }),
        })
      }
    } finally {
      await rotatedIngest.stop()
      await rotatedQuery.stop()
    }
    // The retired key is refused after the rotation, the others work.
    const retired = outcomes.find((o) => o.startsWith('rotated acme-1:'))
    const issued = outcomes.find((o) => o.startsWith('rotated acme-3:'))
    const rotationOk =
      retired === 'rotated acme-1: ingest 401, query 401, rules 401' &&
      issued === 'rotated acme-3: ingest 202, query 200, rules 200'
    // Give the processor a moment to log what it consumed.
    await new Promise((r) => setTimeout(r, 1000))
    const log = lines.join('')
    const needles = secrets.flatMap((k) => {
      const secret = k.key.slice(4)
      return [
        k.key,
        k.hash,
        k.hash.slice(7),
        secret.slice(0, 16),
        secret.slice(-16),
        Buffer.from(`u:${k.key}`).toString('base64'),
        encodeURIComponent(k.key),
      ]
    })
    const inLogs = needles.filter((n) => log.includes(n))
    const inBodies = needles.filter((n) => bodies.some((b) => b.includes(n)))
    const services = [...new Set([...log.matchAll(/"service":"([a-z-]+)"/g)].map((m) => m[1]))]
    const keyIdsLogged = ['acme-1', 'acme-2', 'acme-3'].filter((id) =>
      log.includes(`"keyId":"${id}"`),
    )
    const pass =
      inLogs.length === 0 &&
      inBodies.length === 0 &&
      rotationOk &&
      lines.length > 100 &&
      keyIdsLogged.length === 3 &&
      ['ingest', 'query'].every((s) => services.includes(s))
    await recordReliability({
      id: 'keys-in-logs',
      category: 'security',
      fault: 'API keys in logs or answers',
      injection:
        `valid, second, rotated-out, newly issued, unknown and mistyped keys; keys without a scheme, as Basic credentials, two in one header, in x-api-key, ` +
        `in the query string and in an event body — against ingest, query and alert rules, before and after a key rotation; ` +
        `${lines.length} debug-level log lines of ingest, processor and query captured over the whole file`,
      trials: statuses.total,
      produced: null,
      counted: null,
      lost: null,
      duplicated: null,
      verdict: pass ? 'pass' : 'fail',
      notes:
        `answers ${statuses}; key, hash or a 16-character piece of a key in logs: ${inLogs.length}, in answers: ${inBodies.length}; ` +
        `key ids logged (so requests were logged): ${keyIdsLogged.join(', ')}; services seen in the log: ${services.join(', ')}; ` +
        `after the rotation the retired key got 401 everywhere: ${retired === 'rotated acme-1: ingest 401, query 401, rules 401'}.`,
      test: FILE,
    })
    expect(outcomes).toContain('rotated acme-1: ingest 401, query 401, rules 401')
    expect(outcomes).toContain('rotated acme-3: ingest 202, query 200, rules 200')
    expect(inLogs).toEqual([])
    expect(inBodies).toEqual([])
    expect(lines.length).toBeGreaterThan(100)
    expect(keyIdsLogged).toEqual(['acme-1', 'acme-2', 'acme-3'])
    expect(services).toEqual(expect.arrayContaining(['ingest', 'query']))
  })
})

/** Runs `f` over `items`, at most `width` at a time. */
async function pool<T>(items: T[], width: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await f(items[next++]!)
    }),
  )
}
