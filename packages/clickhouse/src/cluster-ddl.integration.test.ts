import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { testClickHouse } from './testing.ts'
import { CLUSTER_MIGRATIONS_DIR } from './cluster.ts'
import { checkClusterDdl, formatDdlProblems } from './cluster-ddl.ts'
import { splitStatements } from './migrations.ts'

describe('cluster DDL parsed by the real engine', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })
  const engine = async () => {
    const ch = await testClickHouse()
    cleanups.push(() => ch.drop())
    return ch
  }

  it('accepts every statement of every file in infra/clickhouse/cluster', async () => {
    const files = (await readdir(CLUSTER_MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql'))
    let expected = 0
    for (const f of files) {
      expected += splitStatements(await readFile(join(CLUSTER_MIGRATIONS_DIR, f), 'utf8')).length
    }
    const { statements, problems } = await checkClusterDdl(await engine())
    expect(formatDdlProblems(problems)).toBe('')
    // Whatever files the directory holds, all of their statements were looked at.
    expect(files.length).toBeGreaterThan(0)
    expect(statements).toBe(expected)
  })

  it('fails on broken statements and names file, line and the parser’s reason', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cxpulse-broken-ddl-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const [first] = (await readdir(CLUSTER_MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort()
    if (!first) throw new Error('no cluster migration to copy')
    // A real file stays clean next to the broken one: the checker is not just failing everything.
    await writeFile(join(dir, first), await readFile(join(CLUSTER_MIGRATIONS_DIR, first), 'utf8'))
    await writeFile(
      join(dir, '9999_broken.sql'),
      [
        '-- a deliberately broken migration',
        "CREATE TABLE IF NOT EXISTS {{db}}.a_local ON CLUSTER '{cluster}' (",
        '  id UInt64,',
        "  at DateTime64(3, 'UTC'",
        ") ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
        'ORDER BY id;',
        '',
        "CREATE TABLE IF NOT EXISTS {{db}}.b_local ON CLUSTER '{cluster}' (id UInt64)",
        "ENGINE = ReplicatedMergeTre('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
        'ORDER BY id;',
        '',
        'CREATE TABLE IF NOT EXISTS {{db}}.c (id UInt64) ENGINE = MergeTree ORDER BY id;',
        '',
        "ALTER TABLE {{db}}.d_local ON CLUSTER '{cluster}' ADD COLUMN x String",
        "ALTER TABLE {{db}}.d_local ON CLUSTER '{cluster}' ADD COLUMN y String;",
        '',
        "CREATE VIEW IF NOT EXISTS {{db}}.e ON CLUSTER '{cluster}' AS SELECT id FROM {{db}}.a;",
        '',
      ].join('\n'),
    )
    const { statements, problems } = await checkClusterDdl(await engine(), dir)
    expect(statements).toBe(splitStatements(await readFile(join(dir, first), 'utf8')).length + 5)
    expect(problems.every((p) => p.file === '9999_broken.sql')).toBe(true)
    expect(problems.map((p) => [p.statement, p.line])).toEqual([
      [1, 2],
      [2, 8],
      [3, 12],
      [4, 14],
    ])
    expect(problems[0]?.message).toMatch(/Syntax error/)
    expect(problems[1]?.message).toBe('unknown table engine ReplicatedMergeTre')
    expect(problems[2]?.message).toBe('no ON CLUSTER: it would change one node only')
    // Two statements run together because a `;` is missing: the parser refuses the pair.
    expect(problems[3]?.message).toMatch(/Syntax error/)
    expect(formatDdlProblems(problems)).toMatch(/^9999_broken\.sql:2 \(statement 1\): Syntax error/)
  })
})
