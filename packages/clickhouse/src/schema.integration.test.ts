import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { testClickHouse } from '@cxpulse/test-support'
import { CLUSTER_MIGRATIONS_DIR, expectedClusterMigrations } from './cluster.ts'

import { queryLifecycle } from './metric.queries.ts'
import { DEFAULT_MIGRATIONS_DIR, runMigrations, splitStatements } from './migrations.ts'
import { insertRawBatch, readProgress, writeProgress } from './processor.store.ts'
import { queryRows } from './query.ts'

const survey = (i: number, score: number) => ({
  tenant_id: 'acme',
  event_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  occurred_at: '2026-03-01 10:15:30.000',
  received_at: '2026-03-01 10:15:31.000',
  schema_version: 1,
  customer_id: `c${i}`,
  kind: 'csat',
  score,
  scale_min: 1,
  scale_max: 5,
  positive_min: null,
  orientation: '',
  survey_id: '',
  ticket_id: '',
  comment: '',
  has_comment: 0,
  is_positive: score >= 4 ? 1 : 0,
  norm_score: ((score - 1) / 4) * 100,
  nps_category: '',
  low_effort: 0,
  channel: 'email',
  agent: '',
  team: '',
  product: '',
  region: '',
  segment: '',
  locale: '',
  kafka_topic: 't',
  kafka_partition: 0,
  kafka_offset: String(i),
})

const rollupRow = z.object({
  n: z.coerce.number(),
  positive: z.coerce.number(),
  norm_sum: z.coerce.number(),
})

describe('cxpulse schema', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c()
  })
  async function migrated() {
    const ch = await testClickHouse()
    cleanups.push(() => ch.drop())
    await runMigrations(ch)
    return ch
  }
  async function rollups(ch: Awaited<ReturnType<typeof migrated>>) {
    const out: Record<string, z.output<typeof rollupRow>> = {}
    for (const t of ['survey_rollup_1m', 'survey_rollup_1h', 'survey_rollup_1d']) {
      const [row] = await queryRows(ch, {
        name: `${t}_totals`,
        sql: `SELECT sum(n) AS n, sum(positive) AS positive, sum(norm_sum) AS norm_sum FROM ${ch.table(t)} WHERE tenant_id = {tenant:String}`,
        params: { tenant: 'acme' },
        row: rollupRow,
      })
      if (row) out[t] = row
    }
    return out
  }

  it('a replayed raw insert (same token) reaches no rollup twice', async () => {
    const ch = await migrated()
    const batch = [survey(1, 5), survey(2, 4), survey(3, 1)]
    await insertRawBatch(ch, 'survey_responses', batch, 'g:t:0:1-3:survey_responses')
    await insertRawBatch(ch, 'survey_responses', batch, 'g:t:0:1-3:survey_responses')
    // A different batch with identical rows but another token is a different insert.
    await insertRawBatch(ch, 'survey_responses', [survey(4, 2)], 'g:t:0:4-4:survey_responses')
    const expected = { n: 4, positive: 2, norm_sum: 100 + 75 + 0 + 25 }
    expect(await rollups(ch)).toEqual({
      survey_rollup_1m: expected,
      survey_rollup_1h: expected,
      survey_rollup_1d: expected,
    })
    const [raw] = await queryRows(ch, {
      name: 'raw_count',
      sql: `SELECT count() AS n FROM ${ch.table('survey_responses')}`,
      row: z.object({ n: z.coerce.number() }),
    })
    expect(raw?.n).toBe(4)
  })

  it('documents why: without deduplicate_blocks_in_dependent_materialized_views the views count a dropped replay', async () => {
    // If this starts failing, ClickHouse changed how deduplicated blocks reach views; the
    // processor's setting stays correct either way.
    const ch = await migrated()
    for (let i = 0; i < 2; i++) {
      await ch.client.insert({
        table: ch.table('survey_responses'),
        values: [survey(1, 5)],
        format: 'JSONEachRow',
        clickhouse_settings: {
          insert_deduplication_token: 'same',
          deduplicate_blocks_in_dependent_materialized_views: 0,
        },
      })
    }
    const totals = await rollups(ch)
    expect(totals['survey_rollup_1m']?.n).toBe(2)
  })

  it('lifecycle state: on a same-millisecond tie the latest event is the one with the greater event_id, as with the tuple order', async () => {
    const ch = await migrated()
    // 400 customers, each signed up and churned at the same instant under random event ids:
    // whether one is active depends only on the tie-break.
    await ch.client.command({
      query: `INSERT INTO ${ch.table('customer_events')}
        (tenant_id, event_id, type, occurred_at, received_at, schema_version, customer_id, kafka_topic, kafka_partition, kafka_offset)
        SELECT 'acme', generateUUIDv4(), if(number % 2 = 0, 'customer.signed_up', 'customer.churned'),
               toDateTime64('2026-03-01 10:00:00.123', 3, 'UTC'), now64(3), 1, concat('c', toString(intDiv(number, 2))), 't', 0, number
        FROM numbers(800)`,
    })
    const [tuple] = await queryRows(ch, {
      name: 'active_by_tuple_order',
      sql: `SELECT countIf(a IN ('customer.signed_up', 'customer.reactivated')) AS n FROM
        (SELECT argMax(type, (occurred_at, event_id)) AS a FROM ${ch.table('customer_events')} GROUP BY customer_id)`,
      row: z.object({ n: z.coerce.number() }),
    })
    const counts = await queryLifecycle(ch, {
      tenantId: 'acme',
      from: new Date('2026-04-01T00:00:00Z'),
      to: new Date('2026-05-01T00:00:00Z'),
    })
    expect(tuple?.n).toBeGreaterThan(100)
    expect(tuple?.n).toBeLessThan(300)
    expect(counts.active_at_start).toBe(tuple?.n)
    expect(counts.active_at_end).toBe(tuple?.n)
  })

  it('keeps the newest progress per partition, whatever order writes land in', async () => {
    const ch = await migrated()
    const key = { group: 'g', topic: 't', partition: 3 }
    expect(await readProgress(ch, key)).toBeUndefined()
    await writeProgress(ch, key, { minOffset: 0n, maxOffset: 99n, state: 'before' })
    await writeProgress(ch, key, { minOffset: 0n, maxOffset: 99n, state: 'after' })
    await writeProgress(ch, key, { minOffset: 100n, maxOffset: 150n, state: 'before' })
    // A consumer that lost the partition writes late: it must not win.
    await writeProgress(ch, key, { minOffset: 0n, maxOffset: 99n, state: 'after' })
    expect(await readProgress(ch, key)).toEqual({
      minOffset: 100n,
      maxOffset: 150n,
      state: 'before',
    })
    expect(await readProgress(ch, { ...key, partition: 4 })).toBeUndefined()
  })

  it('keeps the cluster variant generated from the single-node migrations, and it parses', async () => {
    const ch = await testClickHouse()
    cleanups.push(() => ch.drop())
    const expected = await expectedClusterMigrations()
    expect(expected.size).toBeGreaterThan(0)
    let parsed = 0
    for (const [file, text] of expected) {
      const onDisk = await readFile(join(CLUSTER_MIGRATIONS_DIR, file), 'utf8')
      // Regenerate with: node_modules/.bin/tsx packages/clickhouse/src/cluster.ts
      expect(onDisk, `${file} is out of date`).toBe(text)
      for (const statement of splitStatements(text)) {
        const sql = statement.replaceAll('{{db}}', '`cxpulse`')
        // formatQuery parses without executing: a syntax error fails the query.
        const [row] = await queryRows(ch, {
          name: 'format_cluster_statement',
          sql: 'SELECT formatQuery({sql:String}) AS formatted',
          params: { sql },
          row: z.object({ formatted: z.string() }),
        })
        expect(row?.formatted).toMatch(/ON CLUSTER/)
        expect(sql).toMatch(/Replicated\w*MergeTree|Distributed|MATERIALIZED VIEW|CREATE VIEW/)
        parsed++
      }
    }
    expect(parsed).toBeGreaterThan(20)
  })
  it('parses the BI access SQL (read-only role, row policies, tenant user) and grants only existing objects', async () => {
    const ch = await testClickHouse()
    cleanups.push(() => ch.drop())
    await runMigrations(ch)
    const dir = join(DEFAULT_MIGRATIONS_DIR, '../bi')
    let statements = 0
    for (const file of ['bi-access.sql', 'bi-tenant-user.sql']) {
      const text = (await readFile(join(dir, file), 'utf8'))
        .replaceAll('{{db}}', `\`${ch.database}\``)
        .replaceAll('{{tenant}}', 'acme')
        .replaceAll('{{password}}', 'not-a-real-password')
      for (const sql of splitStatements(text)) {
        // The embedded engine has no user store: formatQuery parses without executing.
        const [row] = await queryRows(ch, {
          name: 'format_bi_access_statement',
          sql: 'SELECT formatQuery({sql:String}) AS formatted',
          params: { sql },
          row: z.object({ formatted: z.string() }),
        })
        expect(row?.formatted.length).toBeGreaterThan(10)
        statements++
        // Every object named in a GRANT or a row policy exists in the migrated database.
        for (const m of sql.matchAll(new RegExp(`\`${ch.database}\`\\.(\\w+)`, 'g'))) {
          const [exists] = await queryRows(ch, {
            name: 'bi_object_exists',
            sql: 'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {name:String}',
            params: { db: ch.database, name: m[1] },
            row: z.object({ n: z.coerce.number() }),
          })
          expect(exists?.n, `${m[1]} in ${file}`).toBe(1)
        }
      }
    }
    expect(statements).toBeGreaterThan(15)
  })
})
