import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { queryRows } from './query.ts'

/** `infra/clickhouse/migrations` of this repository. */
export const DEFAULT_MIGRATIONS_DIR = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../infra/clickhouse/migrations',
)

export interface Migration {
  version: number
  name: string
  checksum: string
  statements: string[]
}

export interface MigrationResult {
  applied: string[]
  alreadyApplied: string[]
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/

/**
 * Files are `NNNN_name.sql`. `{{db}}` stands for the target database (so tests can run each
 * in its own database); statements end with `;` at the end of a line.
 */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  for (const file of files) {
    const match = FILE_NAME.exec(file)
    if (!match)
      throw new MigrationError(`Migration file name "${file}" does not match NNNN_name.sql`)
    const text = await readFile(join(dir, file), 'utf8')
    const version = Number(match[1])
    if (migrations.some((m) => m.version === version)) {
      throw new MigrationError(`Two migration files share version ${match[1]} in ${dir}`)
    }
    migrations.push({
      version,
      name: file,
      checksum: createHash('sha256').update(text).digest('hex'),
      statements: splitStatements(text),
    })
  }
  return migrations
}

export function splitStatements(text: string): string[] {
  const withoutComments = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
  return withoutComments
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

const appliedRow = z.object({
  version: z.coerce.number(),
  name: z.string(),
  checksum: z.string(),
})

/**
 * Applies each migration once, in version order, recording it in `schema_migrations`.
 * Refuses to run when an applied file has changed: applied migrations are immutable, a
 * change must be a new file. Same code path for the embedded engine and a server.
 */
export async function runMigrations(
  ch: ClickHouse,
  options: { dir?: string; onApplied?: (name: string) => void } = {},
): Promise<MigrationResult> {
  const migrations = await loadMigrations(options.dir ?? DEFAULT_MIGRATIONS_DIR)
  const migrationsTable = ch.table('schema_migrations')
  await ch.client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${ch.database}\`` })
  await ch.client.command({
    query: `CREATE TABLE IF NOT EXISTS ${migrationsTable} (
      version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = MergeTree ORDER BY version`,
  })
  const applied = await queryRows(ch, {
    name: 'applied_migrations',
    sql: `SELECT version, name, checksum FROM ${migrationsTable} ORDER BY version`,
    row: appliedRow,
  })
  const byVersion = new Map(applied.map((r) => [r.version, r]))

  for (const m of migrations) {
    const done = byVersion.get(m.version)
    if (done && done.checksum !== m.checksum) {
      throw new MigrationError(
        `Migration ${m.name} was already applied to database "${ch.database}" ` +
          `(as ${done.name}, checksum ${done.checksum.slice(0, 12)}…) but the file has changed ` +
          `(checksum now ${m.checksum.slice(0, 12)}…). Applied migrations are immutable: ` +
          `revert the edit and put the change in a new migration file.`,
      )
    }
  }

  const result: MigrationResult = { applied: [], alreadyApplied: [] }
  for (const m of migrations) {
    if (byVersion.has(m.version)) {
      result.alreadyApplied.push(m.name)
      continue
    }
    for (const statement of m.statements) {
      const sql = statement.replaceAll('{{db}}', `\`${ch.database}\``)
      try {
        await ch.client.command({ query: sql })
      } catch (error) {
        throw new MigrationError(
          `Migration ${m.name} failed: ${(error as Error).message}\nStatement:\n${sql}`,
        )
      }
    }
    await ch.client.insert({
      table: migrationsTable,
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    })
    result.applied.push(m.name)
    options.onApplied?.(m.name)
  }
  return result
}
