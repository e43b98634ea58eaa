import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { createClickHouse, type ClickHouse } from './client.ts'
import { CLUSTER_MIGRATIONS_DIR } from './cluster.ts'
import { loadMigrations } from './migrations.ts'
import { queryRows } from './query.ts'

export interface DdlProblem {
  file: string
  /** 1-based, in the order the migration runner would apply them. */
  statement: number
  /** Line of the file the statement starts on. */
  line: number
  message: string
}

export interface DdlCheck {
  statements: number
  problems: DdlProblem[]
}

const formatted = z.object({ formatted: z.string() })
const engineRow = z.object({ name: z.string() })

/**
 * Checks every statement of every migration file in `dir` (the cluster variant by default)
 * with ClickHouse's own parser, without executing anything: the embedded engine has no
 * cluster, no Keeper and no macros, so ON CLUSTER DDL cannot run there, but
 * `formatQuery({sql:String})` parses a statement passed as a bound value and fails on a
 * syntax error. (`EXPLAIN AST <statement>` would need the text spliced into the query, and
 * chdb ran the second half of a two-statement text given to it that way.) On top of the
 * parse, each DDL statement must say ON CLUSTER (or it would change one node only) and every
 * ENGINE it names must exist in this engine, which catches a misspelt engine the grammar
 * accepts. Files are read the way the migration runner reads them (`NNNN_name.sql`,
 * statements ending with `;` at the end of a line, `{{db}}` for the database).
 */
export async function checkClusterDdl(
  ch: ClickHouse,
  dir: string = CLUSTER_MIGRATIONS_DIR,
): Promise<DdlCheck> {
  const engines = new Set(
    (
      await queryRows(ch, {
        name: 'table_engines',
        sql: 'SELECT name FROM system.table_engines',
        row: engineRow,
      })
    ).map((r) => r.name),
  )
  const problems: DdlProblem[] = []
  let statements = 0
  for (const migration of await loadMigrations(dir)) {
    const text = await readFile(join(dir, migration.name), 'utf8')
    for (const [i, statement] of migration.statements.entries()) {
      statements++
      const where = {
        file: migration.name,
        statement: i + 1,
        line: lineOf(text, statement),
      }
      const sql = statement.replaceAll('{{db}}', '`cxpulse`')
      let result: string
      try {
        const [row] = await queryRows(ch, {
          name: 'parse_cluster_statement',
          sql: 'SELECT formatQuery({sql:String}) AS formatted',
          params: { sql },
          row: formatted,
        })
        result = row?.formatted ?? ''
      } catch (error) {
        problems.push({ ...where, message: parserMessage(error) })
        continue
      }
      // An INSERT (a migration's data copy) is not DDL: it writes through a Distributed table,
      // which reaches every shard, and cannot say ON CLUSTER.
      if (!/^INSERT\b/i.test(result) && !/\bON CLUSTER\b/.test(result)) {
        problems.push({ ...where, message: 'no ON CLUSTER: it would change one node only' })
      }
      for (const m of result.matchAll(/\bENGINE = (\w+)/g)) {
        const engine = m[1] ?? ''
        if (!engines.has(engine)) {
          problems.push({ ...where, message: `unknown table engine ${engine}` })
        }
      }
    }
  }
  return { statements, problems }
}

/** The parser's own words, without the query the message repeats around them. */
function parserMessage(error: unknown): string {
  const message = (error as Error).message.replace(/^ClickHouse query "[^"]+" failed: /, '')
  return message.replace(/: In scope SELECT formatQuery\([\s\S]*$/, '').trim()
}

function lineOf(text: string, statement: string): number {
  const firstLine = statement.split('\n')[0] ?? ''
  const at = text.indexOf(firstLine)
  return at < 0 ? 0 : text.slice(0, at).split('\n').length
}

export function formatDdlProblems(problems: readonly DdlProblem[]): string {
  return problems
    .map((p) => `${p.file}:${p.line} (statement ${p.statement}): ${p.message}`)
    .join('\n')
}

// node_modules/.bin/tsx packages/clickhouse/src/cluster-ddl.ts [dir]: the same check by hand.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dataDir = await mkdtemp(join(tmpdir(), 'cxpulse-ddl-check-'))
  const ch = createClickHouse({ dataDir, database: 'default' })
  try {
    const dir = process.argv[2] ? resolve(process.argv[2]) : CLUSTER_MIGRATIONS_DIR
    const { statements, problems } = await checkClusterDdl(ch, dir)
    if (problems.length > 0) {
      console.error(formatDdlProblems(problems))
      process.exitCode = 1
    }
    console.error(`${dir}: ${statements} statements, ${problems.length} problems`)
  } finally {
    await ch.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}
