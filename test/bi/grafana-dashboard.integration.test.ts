import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { queryRows, runMigrations } from '@cxpulse/clickhouse'
import { testClickHouse } from '@cxpulse/testkit'

/**
 * The example Grafana dashboard must use only the versioned BI views, and every query in it
 * must run against the migrated schema once Grafana's macros and variables are expanded.
 */
const dashboardFile = new URL('../../infra/grafana/cxpulse-dashboard.json', import.meta.url)

const dashboard = z.object({
  panels: z.array(
    z.object({ title: z.string(), targets: z.array(z.object({ rawSql: z.string() })) }),
  ),
  templating: z.object({ list: z.array(z.object({ name: z.string(), query: z.string() })) }),
})

function queriesOf(json: unknown): { title: string; sql: string }[] {
  const d = dashboard.parse(json)
  return [
    ...d.panels.flatMap((p) => p.targets.map((t) => ({ title: p.title, sql: t.rawSql }))),
    ...d.templating.list.map((v) => ({ title: `variable ${v.name}`, sql: v.query })),
  ]
}

/** Expands what Grafana's ClickHouse data source would, for a fixed time range and channel. */
function expand(sql: string, database: string, channel: string): string {
  return sql
    .replace(
      /\$__timeFilter\((\w+)\)/g,
      "$1 >= toDateTime('2026-01-01 00:00:00', 'UTC') AND $1 < toDateTime('2026-02-01 00:00:00', 'UTC')",
    )
    .replaceAll('${channel:singlequote}', `'${channel}'`)
    .replaceAll('cxpulse.', `\`${database}\`.`)
}

describe('Grafana example dashboard', () => {
  let ch: Awaited<ReturnType<typeof testClickHouse>>
  let queries: { title: string; sql: string }[]

  beforeAll(async () => {
    ch = await testClickHouse()
    await runMigrations(ch)
    queries = queriesOf(JSON.parse(await readFile(dashboardFile, 'utf8')))
  })
  afterAll(async () => {
    await ch?.drop()
  })

  it('reads only the _v1 BI views', () => {
    expect(queries.length).toBeGreaterThan(8)
    for (const q of queries) {
      const objects = [...q.sql.matchAll(/FROM\s+([\w.]+)/g)].map((m) => m[1])
      expect(objects.length, q.title).toBeGreaterThan(0)
      for (const o of objects) expect(o, q.title).toMatch(/^cxpulse\.bi_\w+_v1$/)
    }
  })

  it('every query runs against the migrated schema', async () => {
    for (const channel of ['All', 'email']) {
      for (const q of queries) {
        const rows = await queryRows(ch, {
          name: 'grafana_panel',
          sql: expand(q.sql, ch.database, channel),
          row: z.record(z.string(), z.unknown()),
        })
        expect(Array.isArray(rows), q.title).toBe(true)
      }
    }
  })
})
