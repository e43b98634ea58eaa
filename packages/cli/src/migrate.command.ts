import { z } from 'zod'
import { createClickHouse, runMigrations } from '@cxpulse/clickhouse'
import { parseEnv } from '@cxpulse/config'
import { runtimeEnv } from './environment.ts'
import { join, resolve } from 'node:path'

export const migrateHelp = `Usage: cxpulse migrate [--data-dir DIR]

Applies the ClickHouse migrations in infra/clickhouse/migrations that are not applied yet, to
CLICKHOUSE_URL or to the embedded engine in DIR/clickhouse. Refuses to run when an applied
migration file has changed.

Options:
  --data-dir DIR   the embedded engine's parent data dir (default .data)
  -h, --help       this text`

export const migrateFlags = z.object({ 'data-dir': z.string().min(1).default('.data') })

export async function runMigrate(flags: z.output<typeof migrateFlags>): Promise<number> {
  const env = parseEnv(runtimeEnv)
  const ch = createClickHouse({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
    dataDir: join(resolve(flags['data-dir']), 'clickhouse'),
  })
  try {
    const result = await runMigrations(ch, { onApplied: (name) => console.log(`applied ${name}`) })
    console.log(
      `${result.applied.length} applied, ${result.alreadyApplied.length} already in place`,
    )
    return 0
  } finally {
    await ch.close()
  }
}
