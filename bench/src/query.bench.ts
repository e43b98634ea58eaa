import { join } from 'node:path'
import { z } from 'zod'
import { createKeyStore, generateApiKey } from '@cxpulse/auth'
import {
  RAW_TABLE,
  createClickHouse,
  queryRows,
  querySurveySums,
  runMigrations,
} from '@cxpulse/clickhouse'
import { createLogger } from '@cxpulse/logger'
import { computeCsat, computeNps } from '@cxpulse/metrics'
import { DEFAULT_QUERY_LIMITS, createQuery } from '@cxpulse/query'
import { percentile, report, round, tempDir } from './common.ts'

/**
 * 4. Query latency with ROWS survey responses over 90 days (and a lifecycle history for churn):
 *    p50/p95 through the query API for a 30-day CSAT with a daily series, NPS grouped by
 *    channel, and a churn rate; and the same survey answers computed from the raw table
 *    (same code path, granularity forced to raw), checked equal, to show what rollups buy;
 *    the ratio compares the two sets of ClickHouse calls directly, without HTTP on either side.
 */
const ROWS = Number(process.env['BENCH_QUERY_ROWS'] ?? 10_000_000)
const RUNS = Number(process.env['BENCH_QUERY_RUNS'] ?? 30)
const DAY = 86_400_000
const now = Math.floor(Date.now() / DAY) * DAY
const ch = createClickHouse({ dataDir: join(await tempDir('query'), 'ch'), database: 'bench' })
await runMigrations(ch)

const t0 = performance.now()
// Inserted in blocks of 1M; each part carries its projections and derived columns exactly as
// the processor's inserts do. Scores and dimensions derive from the row number.
for (let start = 0; start < ROWS; start += 1_000_000) {
  await ch.client.command({
    query: `INSERT INTO ${ch.table(RAW_TABLE.surveys)}
      (tenant_id, event_id, type, occurred_at, received_at, schema_version, customer_id, kind, score,
       scale_min, scale_max, orientation, \`dimensions.channel\`, \`dimensions.agent\`,
       \`dimensions.product\`, kafka_topic, kafka_partition, kafka_offset)
      SELECT 'bench', generateUUIDv4(), 'survey.response', t, t, 1, concat('c', toString(n % 200000)), k, s,
        if(k = 'nps', 0, 1), multiIf(k = 'nps', 10, k = 'ces', 7, 5), if(k = 'ces', 'agreement', ''),
        ['email', 'chat', 'phone', 'web'][n % 4 + 1], concat('agent-', toString(n % 60)), 'core',
        'bench', 0, n
      FROM (SELECT number AS n, ['csat', 'nps', 'ces'][n % 3 + 1] AS k,
              if(k = 'nps', (n * 7919) % 11, 1 + (n * 7919) % multiIf(k = 'ces', 7, 5)) AS s,
              fromUnixTimestamp64Milli(toInt64(${now} - 90 * ${DAY} + (n * 104729) % (90 * ${DAY})), 'UTC') AS t
            FROM numbers(${start}, ${Math.min(1_000_000, ROWS - start)}))`,
    // The embedded engine keeps the session's last deduplication token; each block needs its own.
    clickhouse_settings: { insert_deduplication_token: `bench-surveys-${start}` },
  })
}
// Lifecycle: 200k customers sign up spread over 90 days; every 10th churns 20 days later.
await ch.client.command({
  query: `INSERT INTO ${ch.table(RAW_TABLE.customers)}
    (tenant_id, event_id, type, occurred_at, received_at, schema_version, customer_id, kafka_topic, kafka_partition, kafka_offset)
    SELECT 'bench', generateUUIDv4(), tp, t, t, 1, concat('c', toString(c)), 'bench', 0, number
    FROM (SELECT number, intDiv(number, 2) AS c, if(number % 2 = 0, 'customer.signed_up', 'customer.churned') AS tp,
            fromUnixTimestamp64Milli(toInt64(${now} - 90 * ${DAY} + (c * 7919 * 1000) % (90 * ${DAY}) + if(number % 2 = 1, 20 * ${DAY}, 0)), 'UTC') AS t
          FROM numbers(400000) WHERE number % 2 = 0 OR c % 10 = 0)`,
  clickhouse_settings: { insert_deduplication_token: 'bench-lifecycle' },
})
const loadSec = (performance.now() - t0) / 1000
const [{ n: rows } = { n: 0 }] = await queryRows(ch, {
  name: 'count',
  sql: `SELECT count() AS n FROM ${ch.table(RAW_TABLE.surveys)}`,
  row: z.object({ n: z.coerce.number() }),
})
console.error(`[query] ${rows} survey responses over 90 days loaded in ${round(loadSec, 1)} s`)

const key = generateApiKey()
const api = await createQuery(
  {
    host: '127.0.0.1',
    port: 0,
    apiKeys: {},
    shutdownTimeoutMs: 5_000,
    clickhouse: { database: 'bench', dataDir: '' },
    logLevel: 'error',
    ...DEFAULT_QUERY_LIMITS,
  },
  {
    clickhouse: ch,
    keys: createKeyStore([{ id: 'k', tenant_id: 'bench', hash: key.hash, scopes: ['query'] }]),
    logger: createLogger({ name: 'bench', level: 'error' }),
  },
).start()

const from = new Date(now - 30 * DAY)
const to = new Date(now)
const iso = (d: Date) => d.toISOString()
// The dashboard's preset windows end at the next whole minute (windowRange in
// services/query/src/dashboard/format.js), so they are not day-aligned like the ones above.
const dashTo = new Date(Math.ceil(Date.now() / 60_000) * 60_000)
const dashFrom = new Date(dashTo.getTime() - 30 * DAY)
const queries = {
  'CSAT 30 days, daily series': `csat?from=${iso(from)}&to=${iso(to)}&interval=day`,
  'CSAT 30 days, daily series, minute-aligned as the dashboard asks': `csat?from=${iso(dashFrom)}&to=${iso(dashTo)}&interval=day`,
  'NPS 30 days by channel': `nps?from=${iso(from)}&to=${iso(to)}&group_by=channel`,
  'churn rate 30 days': `churn_rate?from=${iso(from)}&to=${iso(to)}`,
}

async function time(fn: () => Promise<unknown>, runs = RUNS) {
  await fn() // warm-up
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const s = performance.now()
    await fn()
    ms.push(performance.now() - s)
  }
  ms.sort((a, b) => a - b)
  return { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) }
}

type Timed = Record<string, { p50: number; p95: number; body: { value: number | null; n: number } }>
async function timeApi(): Promise<Timed> {
  const timed: Timed = {}
  for (const [name, path] of Object.entries(queries)) {
    let body = { value: null as number | null, n: 0 }
    const t = await time(async () => {
      const res = await fetch(`${api.url}/v1/metrics/${path}`, {
        headers: { authorization: `Bearer ${key.key}` },
      })
      body = (await res.json()) as typeof body
    })
    timed[name] = { ...t, body }
  }
  return timed
}
// Right after the load: every insert is still its own part (with its projection parts).
const results = await timeApi()

// The raw-row equivalents: the same sums, read with the projections unused.
const spec = { tenantId: 'bench', from, to }
const csatOf = (r: { n: number; positive: number; norm_sum: number; norm_sum_sq: number }[]) =>
  computeCsat({
    n: r.reduce((a, x) => a + x.n, 0),
    positive: r.reduce((a, x) => a + x.positive, 0),
    normSum: r.reduce((a, x) => a + x.norm_sum, 0),
    normSumSq: r.reduce((a, x) => a + x.norm_sum_sq, 0),
  }).value
let rawCsat: number | null = null
const rawCsatTime = await time(
  async () => {
    const { rows: r } = await querySurveySums(ch, { ...spec, kind: 'csat', granularity: 'raw' })
    await querySurveySums(ch, { ...spec, kind: 'csat', interval: 'day', granularity: 'raw' })
    rawCsat = csatOf(r)
  },
  Math.min(RUNS, 10),
)
// The same two calls with the rollups chosen as the API chooses them (no HTTP on either side).
const rollupCsatTime = await time(
  async () => {
    await querySurveySums(ch, { ...spec, kind: 'csat' })
    await querySurveySums(ch, { ...spec, kind: 'csat', interval: 'day' })
  },
  Math.min(RUNS, 10),
)
const rollupNpsTime = await time(
  async () => {
    await querySurveySums(ch, { ...spec, kind: 'nps', groupBy: 'channel' })
  },
  Math.min(RUNS, 10),
)
let rawNpsN = 0
const rawNpsTime = await time(
  async () => {
    const { rows: r } = await querySurveySums(ch, {
      ...spec,
      kind: 'nps',
      groupBy: 'channel',
      granularity: 'raw',
    })
    rawNpsN = r.reduce(
      (a, x) =>
        a +
        computeNps({
          n: x.n,
          promoters: x.promoters,
          passives: x.passives,
          detractors: x.detractors,
        }).n,
      0,
    )
  },
  Math.min(RUNS, 10),
)
// The same API calls once the parts are merged, as background merges would leave them in
// time (OPTIMIZE … FINAL forces it here): reported beside the targets, not instead of them.
const o0 = performance.now()
await ch.client.command({ query: `OPTIMIZE TABLE ${ch.table(RAW_TABLE.surveys)} FINAL` })
const optimizeSec = (performance.now() - o0) / 1000
const merged = await timeApi()
await api.stop()
await ch.close()

const csat = results['CSAT 30 days, daily series']!
const dashCsat = results['CSAT 30 days, daily series, minute-aligned as the dashboard asks']!
const nps = results['NPS 30 days by channel']!
const churn = results['churn rate 30 days']!
const round4 = (x: number | null) => (x === null ? null : Math.round(x * 1e4) / 1e4)
await report(
  'query',
  [
    ['survey responses', rows],
    ['load seconds', round(loadSec, 1)],
    ['CSAT daily series p50 / p95 (ms)', `${round(csat.p50, 1)} / ${round(csat.p95, 1)}`],
    [
      '  its queries, rollups (ms)',
      `${round(rollupCsatTime.p50, 1)} / ${round(rollupCsatTime.p95, 1)}`,
    ],
    [
      '  the same on the raw table (ms)',
      `${round(rawCsatTime.p50, 1)} / ${round(rawCsatTime.p95, 1)}`,
    ],
    ['  CSAT % rollups = raw', `${csat.body.value} = ${round4(rawCsat)}`],
    [
      'CSAT daily series, minute-aligned window as the dashboard asks, p50 / p95 (ms)',
      `${round(dashCsat.p50, 1)} / ${round(dashCsat.p95, 1)}`,
    ],
    ['NPS by channel p50 / p95 (ms)', `${round(nps.p50, 1)} / ${round(nps.p95, 1)}`],
    [
      '  its query, rollups (ms)',
      `${round(rollupNpsTime.p50, 1)} / ${round(rollupNpsTime.p95, 1)}`,
    ],
    [
      '  the same on the raw table (ms)',
      `${round(rawNpsTime.p50, 1)} / ${round(rawNpsTime.p95, 1)}`,
    ],
    ['  NPS n rollups = raw', `${nps.body.n} = ${rawNpsN}`],
    [
      'churn rate p50 / p95 (ms) (raw lifecycle events by design)',
      `${round(churn.p50, 1)} / ${round(churn.p95, 1)}`,
    ],
    ['  churn rate answer', `${round(churn.body.value ?? NaN, 2)} % of ${churn.body.n} active`],
    ...Object.entries(merged).map(
      ([name, t]) =>
        [
          `${name} after OPTIMIZE FINAL (${round(optimizeSec, 0)} s) p50 / p95 (ms)`,
          `${round(t.p50, 1)} / ${round(t.p95, 1)}`,
        ] as [string, string],
    ),
  ],
  [
    { name: 'CSAT series p95 ms', value: csat.p95, limit: 150, kind: 'max' },
    {
      name: 'CSAT series as the dashboard asks p95 ms',
      value: dashCsat.p95,
      limit: 150,
      kind: 'max',
    },
    { name: 'NPS by channel p95 ms', value: nps.p95, limit: 150, kind: 'max' },
    { name: 'churn rate p95 ms', value: churn.p95, limit: 150, kind: 'max' },
    {
      name: 'CSAT raw / rollup p95',
      value: rawCsatTime.p95 / rollupCsatTime.p95,
      limit: 10,
      kind: 'min',
    },
    {
      name: 'NPS raw / rollup p95',
      value: rawNpsTime.p95 / rollupNpsTime.p95,
      limit: 10,
      kind: 'min',
    },
  ],
  { answersEqual: csat.body.value === round4(rawCsat) && nps.body.n === rawNpsN },
)
