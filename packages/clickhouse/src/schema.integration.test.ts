import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { SURVEY_SCALES } from '@cxpulse/contracts'
import {
  isCesLowEffort,
  isCsatPositive,
  normalizeScore,
  npsCategory,
  reviewScore,
} from '@cxpulse/metrics'
import { testClickHouse } from './testing.ts'
import { CLUSTER_MIGRATIONS_DIR, expectedClusterMigrations } from './cluster.ts'

import { queryLifecycle } from './customer.queries.ts'
import { DEFAULT_MIGRATIONS_DIR, runMigrations, splitStatements } from './migrations.ts'
import { insertRawBatch, readProgress, writeProgress } from './processor.store.ts'
import { queryRows } from './query.ts'
import { PROJECTIONS, RAW_TABLE } from './tables.ts'

type Json = Record<string, unknown>
const envelope = (i: number, type: string): Json => ({
  kafka_topic: 't',
  kafka_partition: 0,
  kafka_offset: i,
  kafka_index: 0,
  tenant_id: 'acme',
  event_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  type,
  occurred_at: '2026-03-01T10:15:30.000Z',
  received_at: '2026-03-01T10:15:31.000Z',
  schema_version: 1,
  customer_id: `c${i}`,
  dimensions: { channel: 'email' },
})
const survey = (i: number, score: number): Json => ({
  ...envelope(i, 'survey.response'),
  kind: 'csat',
  score,
  scale_min: 1,
  scale_max: 5,
})
const body = (rows: readonly Json[]) => Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n'))

/** Comments with and without content by JavaScript's trim(), which ingest's rule uses. */
const COMMENTS = ['thanks', ' \n ', '\u00a0', '\u2028\t', ' ok ', '\u3000', '\ufeff', '\v', '', 'é']

const totalsRow = z.object({
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
  /** The survey totals as each projection alone holds them (the query fails if it is not used). */
  async function projectionTotals(ch: Awaited<ReturnType<typeof migrated>>) {
    const out: Record<string, z.output<typeof totalsRow>> = {}
    for (const [p, bucket] of [
      ['p_1m', 'toStartOfMinute'],
      ['p_1h', 'toStartOfHour'],
      ['p_1d', 'toStartOfDay'],
    ] as const) {
      const rows = await queryRows(ch, {
        name: `${p}_totals`,
        sql: `SELECT ${bucket}(occurred_at) AS b, count() AS n, sum(is_positive) AS positive, sum(norm_score) AS norm_sum
          FROM ${ch.table(RAW_TABLE.surveys)} WHERE tenant_id = {tenant:String} AND type = 'survey.response'
          GROUP BY ${bucket}(occurred_at) SETTINGS force_optimize_projection_name = '${p}'`,
        params: { tenant: 'acme' },
        row: totalsRow.extend({ b: z.string() }),
      })
      out[p] = rows.reduce(
        (a, r) => ({
          n: a.n + r.n,
          positive: a.positive + r.positive,
          norm_sum: a.norm_sum + r.norm_sum,
        }),
        { n: 0, positive: 0, norm_sum: 0 },
      )
    }
    return out
  }

  it('a replayed raw insert (same token) reaches no projection twice: the aggregates live in the same part', async () => {
    const ch = await migrated()
    const batch = body([survey(1, 5), survey(2, 4), survey(3, 1)])
    await insertRawBatch(ch, RAW_TABLE.surveys, batch, 'g:t:0:1-3')
    await insertRawBatch(ch, RAW_TABLE.surveys, batch, 'g:t:0:1-3')
    // A different batch with identical rows but another token is a different insert.
    await insertRawBatch(ch, RAW_TABLE.surveys, body([survey(4, 2)]), 'g:t:0:4-4')
    const expected = { n: 4, positive: 2, norm_sum: 100 + 75 + 0 + 25 }
    expect(await projectionTotals(ch)).toEqual({ p_1m: expected, p_1h: expected, p_1d: expected })
    const [raw] = await queryRows(ch, {
      name: 'raw_count',
      sql: `SELECT count() AS n FROM ${ch.table(RAW_TABLE.surveys)}`,
      row: z.object({ n: z.coerce.number() }),
    })
    expect(raw?.n).toBe(4)
  })

  it('every part of every raw table carries every projection, also after merges', async () => {
    const ch = await migrated()
    for (let i = 0; i < 5; i++) {
      await insertRawBatch(ch, RAW_TABLE.surveys, body([survey(10 + i, 3)]), `part-${i}`)
      await insertRawBatch(
        ch,
        RAW_TABLE.tickets,
        body([{ ...envelope(20 + i, 'ticket.created'), ticket_id: `t${i}` }]),
        `tpart-${i}`,
      )
      await insertRawBatch(
        ch,
        RAW_TABLE.qa,
        body([
          { ...envelope(30 + i, 'qa.review'), criteria: [{ name: 'a', score: 50, weight: 1 }] },
        ]),
        `qpart-${i}`,
      )
    }
    const coverage = async () => {
      const rows = await queryRows(ch, {
        name: 'projection_coverage',
        sql: `SELECT p.table AS t, p.name AS projection, count() AS n,
            (SELECT count() FROM system.parts WHERE database = {db:String} AND table = p.table AND active) AS parts
          FROM system.projection_parts AS p WHERE p.database = {db:String} AND p.active
          GROUP BY p.table, p.name ORDER BY t, projection`,
        params: { db: ch.database },
        row: z.object({
          t: z.string(),
          projection: z.string(),
          n: z.coerce.number(),
          parts: z.coerce.number(),
        }),
      })
      return rows
    }
    const expectCovered = (rows: Awaited<ReturnType<typeof coverage>>) => {
      const want = Object.entries(PROJECTIONS).flatMap(([t, ps]) =>
        ps.filter(() => t !== RAW_TABLE.customers).map((p) => `${t}.${p}`),
      )
      expect(rows.map((r) => `${r.t}.${r.projection}`).sort()).toEqual(want.sort())
      for (const r of rows) expect(r.n, `${r.t}.${r.projection}`).toBe(r.parts)
    }
    expectCovered(await coverage())
    for (const t of [RAW_TABLE.surveys, RAW_TABLE.tickets, RAW_TABLE.qa]) {
      await ch.client.command({ query: `OPTIMIZE TABLE ${ch.table(t)} FINAL` })
    }
    const merged = await coverage()
    expectCovered(merged)
    expect(merged.every((r) => r.parts === 1)).toBe(true)
    expect((await projectionTotals(ch))['p_1h']?.n).toBe(5)
  })

  it('derives every survey column exactly as @cxpulse/metrics defines it, on every scale and orientation', async () => {
    const ch = await migrated()
    const rows: Json[] = []
    const expected = new Map<string, Json>()
    let i = 0
    for (const [kind, scales] of Object.entries(SURVEY_SCALES)) {
      for (const [min, max] of scales) {
        const orientations = kind === 'ces' ? (['agreement', 'effort'] as const) : ([''] as const)
        const positiveMins: (number | undefined)[] =
          kind === 'csat'
            ? [undefined, ...Array.from({ length: max - min + 1 }, (_, k) => min + k)]
            : [undefined]
        for (const orientation of orientations) {
          for (const positiveMin of positiveMins) {
            for (let score = min; score <= max; score++) {
              i++
              const row: Json = {
                ...envelope(i, 'survey.response'),
                kind,
                score,
                scale_min: min,
                scale_max: max,
                ...(orientation ? { orientation } : {}),
                ...(positiveMin !== undefined ? { positive_min: positiveMin } : {}),
                ...(i % 3 === 0 ? { comment: COMMENTS[i % COMMENTS.length] } : {}),
              }
              rows.push(row)
              expected.set(String(row['event_id']), {
                is_positive:
                  kind === 'csat' && isCsatPositive(score, min, max, positiveMin) ? 1 : 0,
                norm_score: normalizeScore(score, min, max),
                nps_category: kind === 'nps' ? npsCategory(score) : '',
                low_effort:
                  kind === 'ces' && isCesLowEffort(score, min, max, orientation as 'agreement')
                    ? 1
                    : 0,
                has_comment:
                  i % 3 === 0 && (COMMENTS[i % COMMENTS.length] ?? '').trim() !== '' ? 1 : 0,
              })
            }
          }
        }
      }
    }
    await insertRawBatch(ch, RAW_TABLE.surveys, body(rows), 'derived')
    const got = await queryRows(ch, {
      name: 'derived_columns',
      sql: `SELECT toString(event_id) AS id, is_positive, norm_score, nps_category, low_effort, has_comment
        FROM ${ch.table(RAW_TABLE.surveys)}`,
      row: z.object({
        id: z.string(),
        is_positive: z.number(),
        norm_score: z.number(),
        nps_category: z.string(),
        low_effort: z.number(),
        has_comment: z.number(),
      }),
    })
    expect(got).toHaveLength(rows.length)
    for (const { id, ...derived } of got) expect(derived, id).toEqual(expected.get(id))
  })

  it('derives purchase revenue from amount or amount_minor in the currency’s minor unit, and IQS from the criteria', async () => {
    const ch = await migrated()
    const purchases: [Json, string][] = [
      [{ amount: '49.90', currency: 'EUR' }, '49.9'],
      [{ amount_minor: 4990, currency: 'EUR' }, '49.9'],
      [{ amount_minor: 4990, currency: 'JPY' }, '4990'],
      [{ amount_minor: 4990, currency: 'KWD' }, '4.99'],
      [{ amount_minor: 4990, currency: 'CLF' }, '0.499'],
      [{ amount: '0.0001', currency: 'USD' }, '0.0001'],
    ]
    await insertRawBatch(
      ch,
      RAW_TABLE.customers,
      body(purchases.map(([p], k) => ({ ...envelope(100 + k, 'customer.purchase'), ...p }))),
      'purchases',
    )
    const revenue = await queryRows(ch, {
      name: 'revenue',
      sql: `SELECT toString(revenue) AS r FROM ${ch.table(RAW_TABLE.customers)} ORDER BY kafka_offset`,
      row: z.object({ r: z.string() }),
    })
    expect(revenue.map((x) => x.r)).toEqual(purchases.map(([, r]) => r))
    const criteria = [
      { name: 'tone', score: 80, weight: 1 },
      { name: 'accuracy', score: 40, weight: 3 },
    ]
    await insertRawBatch(
      ch,
      RAW_TABLE.qa,
      body([{ ...envelope(200, 'qa.review'), criteria }]),
      'qa',
    )
    const [iqs] = await queryRows(ch, {
      name: 'iqs',
      sql: `SELECT iqs FROM ${ch.table(RAW_TABLE.qa)}`,
      row: z.object({ iqs: z.number() }),
    })
    expect(iqs?.iqs).toBe(reviewScore({ criteria }))
  })

  it('refuses what ingest would refuse, naming the field in the violated constraint', async () => {
    const ch = await migrated()
    const refused = async (table: (typeof RAW_TABLE)[keyof typeof RAW_TABLE], row: Json) => {
      try {
        await insertRawBatch(ch, table, body([row]), `bad-${String(row['event_id'])}`)
        return 'accepted'
      } catch (error) {
        return /Constraint `(\w+)`/.exec((error as Error).message)?.[1] ?? (error as Error).message
      }
    }
    expect(await refused(RAW_TABLE.surveys, survey(1, 9))).toBe('score')
    expect(await refused(RAW_TABLE.surveys, { ...survey(2, 5), scale_max: 6 })).toBe('scale_max')
    expect(
      await refused(RAW_TABLE.surveys, {
        ...survey(3, 5),
        kind: 'nps',
        scale_min: 1,
        scale_max: 5,
      }),
    ).toBe('scale_max')
    expect(await refused(RAW_TABLE.surveys, { ...survey(4, 5), customer_id: '' })).toBe(
      'customer_id',
    )
    expect(await refused(RAW_TABLE.surveys, { ...survey(5, 5), orientation: 'effort' })).toBe(
      'orientation',
    )
    expect(await refused(RAW_TABLE.surveys, { ...envelope(6, 'survey.sent') })).toBe('survey_id')
    expect(await refused(RAW_TABLE.tickets, { ...envelope(7, 'ticket.created') })).toBe('ticket_id')
    expect(
      await refused(RAW_TABLE.customers, { ...envelope(8, 'customer.purchase'), currency: 'EUR' }),
    ).toBe('amount')
    expect(await refused(RAW_TABLE.qa, { ...envelope(9, 'qa.review'), criteria: [] })).toBe(
      'criteria',
    )
    expect(await refused(RAW_TABLE.surveys, survey(10, 5))).toBe('accepted')
  })

  it('lifecycle state: on a same-millisecond tie the latest event is the one with the greater event_id, as with the tuple order', async () => {
    const ch = await migrated()
    // 400 customers, each signed up and churned at the same instant under random event ids:
    // whether one is active depends only on the tie-break.
    await ch.client.command({
      query: `INSERT INTO ${ch.table(RAW_TABLE.customers)}
        (tenant_id, event_id, type, occurred_at, received_at, schema_version, customer_id, kafka_topic, kafka_partition, kafka_offset)
        SELECT 'acme', generateUUIDv4(), if(number % 2 = 0, 'customer.signed_up', 'customer.churned'),
               toDateTime64('2026-03-01 10:00:00.123', 3, 'UTC'), now64(3), 1, concat('c', toString(intDiv(number, 2))), 't', 0, number
        FROM numbers(800)`,
    })
    const [tuple] = await queryRows(ch, {
      name: 'active_by_tuple_order',
      sql: `SELECT countIf(a IN ('customer.signed_up', 'customer.reactivated')) AS n FROM
        (SELECT argMax(type, (occurred_at, event_id)) AS a FROM ${ch.table(RAW_TABLE.customers)} GROUP BY customer_id)`,
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
        if (sql.startsWith('INSERT')) {
          // A one-off copy through the Distributed tables, synchronous so tokens reach shards.
          expect(sql).toMatch(/insert_distributed_sync = 1$/)
        } else {
          expect(row?.formatted).toMatch(/ON CLUSTER/)
          expect(sql).toMatch(
            /Replicated\w*MergeTree|Distributed|MATERIALIZED VIEW|CREATE VIEW|^DROP/,
          )
        }
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
