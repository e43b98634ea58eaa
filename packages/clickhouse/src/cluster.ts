import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_MIGRATIONS_DIR } from './migrations.ts'

/** `infra/clickhouse/cluster`: the same migrations for a replicated, sharded cluster. */
export const CLUSTER_MIGRATIONS_DIR = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../infra/clickhouse/cluster',
)

const REPLICA_PATH = `'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'`
const ON_CLUSTER = `ON CLUSTER '{cluster}'`

/**
 * Derives the cluster variant of one single-node migration, so the two can never drift:
 * every table becomes `<name>_local` on Replicated*MergeTree (macros {shard}/{replica}, the
 * replicated deduplication window instead of the non-replicated one) with a Distributed
 * table `<name>` in front of it, sharded by tenant so a tenant's raw rows and rollups live on
 * one shard; materialized views run on each shard from raw `_local` to rollup `_local`.
 * Writers insert into the Distributed tables with `insert_distributed_sync = 1` so the
 * deduplication token reaches the shard.
 */
export function clusterMigrationText(sql: string): string {
  const out: string[] = []
  const header = [
    '-- GENERATED from infra/clickhouse/migrations by packages/clickhouse/src/cluster.ts.',
    '-- Do not edit; change the single-node migration and regenerate:',
    '--   node_modules/.bin/tsx packages/clickhouse/src/cluster.ts',
  ]
  out.push(header.join('\n'))
  const statements = sql
    .split('\n')
    .filter((l) => !l.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  for (const statement of statements) {
    const table = /^CREATE TABLE IF NOT EXISTS \{\{db\}\}\.(\w+) \(/.exec(statement)
    if (table) {
      const name = table[1] ?? ''
      const local = statement
        .replace(`{{db}}.${name} (`, `{{db}}.${name}_local ${ON_CLUSTER} (`)
        .replace(
          /ENGINE = (Summing|Aggregating|Replacing)?MergeTree(?:\((\w+)\))?/,
          (_m, kind: string | undefined, arg: string | undefined) =>
            `ENGINE = Replicated${kind ?? ''}MergeTree(${REPLICA_PATH}${arg ? `, ${arg}` : ''})`,
        )
        .replace('non_replicated_deduplication_window', 'replicated_deduplication_window')
      out.push(`${local};`)
      const shardKey =
        name === 'processor_progress' ? 'cityHash64(consumer_group)' : 'cityHash64(tenant_id)'
      out.push(
        `CREATE TABLE IF NOT EXISTS {{db}}.${name} ${ON_CLUSTER} AS {{db}}.${name}_local\n` +
          `ENGINE = Distributed('{cluster}', {{db}}, ${name}_local, ${shardKey});`,
      )
      continue
    }
    const view =
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS \{\{db\}\}\.(\w+) TO \{\{db\}\}\.(\w+) AS/.exec(
        statement,
      )
    if (view) {
      out.push(
        `${statement
          .replace(
            view[0],
            `CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.${view[1]} ${ON_CLUSTER} TO {{db}}.${view[2]}_local AS`,
          )
          .replace(/FROM \{\{db\}\}\.(\w+)/g, 'FROM {{db}}.$1_local')};`,
      )
      continue
    }
    // Plain (BI) views read the Distributed tables, so they answer over all shards.
    const plainView = /^CREATE VIEW IF NOT EXISTS \{\{db\}\}\.(\w+) AS/.exec(statement)
    if (plainView) {
      out.push(
        `${statement.replace(plainView[0], `CREATE VIEW IF NOT EXISTS {{db}}.${plainView[1]} ${ON_CLUSTER} AS`)};`,
      )
      continue
    }
    // A data copy between tables runs once, from one node, through the Distributed tables.
    if (/^INSERT INTO \{\{db\}\}\.\w+ /.test(statement)) {
      out.push(`${statement}\nSETTINGS insert_distributed_sync = 1;`)
      continue
    }
    const drop = /^DROP (TABLE|VIEW) \{\{db\}\}\.(\w+)$/.exec(statement)
    if (drop) {
      const [, kind, name = ''] = drop
      out.push(`DROP ${kind} IF EXISTS {{db}}.${name} ${ON_CLUSTER} SYNC;`)
      // A table (not a view) has its shard-local storage behind the Distributed one.
      if (kind === 'TABLE' && !name.endsWith('_mv')) {
        out.push(`DROP TABLE IF EXISTS {{db}}.${name}_local ${ON_CLUSTER} SYNC;`)
      }
      continue
    }
    throw new Error(`No cluster form for statement: ${statement.slice(0, 80)}…`)
  }
  return `${out.join('\n\n')}\n`
}

/** The cluster files as they should be, by name. */
export async function expectedClusterMigrations(
  dir = DEFAULT_MIGRATIONS_DIR,
): Promise<Map<string, string>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const result = new Map<string, string>()
  for (const file of files) {
    result.set(file, clusterMigrationText(await readFile(join(dir, file), 'utf8')))
  }
  return result
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, text] of await expectedClusterMigrations()) {
    await writeFile(join(CLUSTER_MIGRATIONS_DIR, file), text)
    console.error(`wrote ${join(CLUSTER_MIGRATIONS_DIR, file)}`)
  }
}
