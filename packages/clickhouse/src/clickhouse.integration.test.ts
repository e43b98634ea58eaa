import { cp, mkdtemp, appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { testClickHouse } from './testing.ts'
import { MigrationError, runMigrations } from './migrations.ts'
import { queryRows } from './query.ts'

const FIXTURES = join(import.meta.dirname, '__fixtures__/migrations')

describe('ClickHouse access', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c()
  })
  async function freshDb() {
    const ch = await testClickHouse()
    cleanups.push(() => ch.drop())
    return ch
  }

  it('applies migrations once, then inserts and queries with bound parameters', async () => {
    const ch = await freshDb()
    const first = await runMigrations(ch, { dir: FIXTURES })
    expect(first.applied).toEqual(['0001_widgets.sql', '0002_widget_counts.sql'])
    const second = await runMigrations(ch, { dir: FIXTURES })
    expect(second).toEqual({
      applied: [],
      alreadyApplied: ['0001_widgets.sql', '0002_widget_counts.sql'],
    })

    await ch.client.insert({
      table: ch.table('widgets'),
      format: 'JSONEachRow',
      values: [
        {
          id: 1,
          tenant_id: 'acme',
          name: "o'brien; DROP TABLE widgets --",
          created_at: '2026-01-01 00:00:00.000',
        },
        { id: 2, tenant_id: 'acme', name: 'b', created_at: '2026-01-02 00:00:00.000' },
        { id: 3, tenant_id: 'globex', name: 'c', created_at: '2026-01-03 00:00:00.000' },
      ],
    })
    const rows = await queryRows(ch, {
      name: 'widgets_by_name',
      sql: `SELECT id, name FROM ${ch.table('widgets')} WHERE tenant_id = {tenant:String} AND name = {name:String}`,
      params: { tenant: 'acme', name: "o'brien; DROP TABLE widgets --" },
      row: z.object({ id: z.coerce.number(), name: z.string() }),
    })
    expect(rows).toEqual([{ id: 1, name: "o'brien; DROP TABLE widgets --" }])

    const counts = await queryRows(ch, {
      name: 'widget_counts',
      sql: `SELECT tenant_id, countMerge(n) AS n FROM ${ch.table('widget_counts')} GROUP BY tenant_id ORDER BY tenant_id`,
      row: z.object({ tenant_id: z.string(), n: z.coerce.number() }),
    })
    expect(counts).toEqual([
      { tenant_id: 'acme', n: 2 },
      { tenant_id: 'globex', n: 1 },
    ])
  })

  it('refuses to run when an applied migration file has changed', async () => {
    const ch = await freshDb()
    const dir = await mkdtemp(join(tmpdir(), 'cxp-mig-'))
    await cp(FIXTURES, dir, { recursive: true })
    await runMigrations(ch, { dir })
    await appendFile(join(dir, '0001_widgets.sql'), '\n-- an innocent-looking edit\n')
    const error = await runMigrations(ch, { dir }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationError)
    expect((error as Error).message).toMatch(
      /0001_widgets\.sql was already applied .* the file has changed/,
    )
    expect((error as Error).message).toMatch(/new migration file/)
  })

  it('drops a replayed insert by its token, and never merges different inserts', async () => {
    const ch = await freshDb()
    await runMigrations(ch, { dir: FIXTURES })
    const row = { id: 9, tenant_id: 't', name: 'same', created_at: '2026-01-01 00:00:00.000' }
    await ch.insert('widgets', [row], { dedupToken: 'tok-1' })
    await ch.insert('widgets', [row], { dedupToken: 'tok-1' })
    await ch.insert('widgets', [row])
    await ch.insert('widgets', [row])
    const [count] = await queryRows(ch, {
      name: 'count',
      sql: `SELECT count() AS n FROM ${ch.table('widgets')}`,
      row: z.object({ n: z.coerce.number() }),
    })
    // The repeated token is dropped once; the two untokened inserts both land.
    expect(count?.n).toBe(3)
  })
})
