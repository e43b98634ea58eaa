import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './common.ts'

/**
 * `pnpm bench [name ...]`: runs each benchmark in its own process (the embedded ClickHouse
 * allows one data directory per process), one after another so they do not compete for the
 * two cores. Results: bench/results/<name>.json; summary: docs/benchmarks.md.
 */
const ALL = ['ingest', 'processor', 'e2e', 'freshness', 'query']
const chosen = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const unknown = chosen.filter((c) => !ALL.includes(c))
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')}; choose from ${ALL.join(', ')}`)
  process.exit(2)
}
let failed = 0
for (const name of chosen.length > 0 ? chosen : ALL) {
  console.log(`\n### ${name} (${new Date().toISOString()})`)
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, `bench/src/${name}.bench.ts`)],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  )
  if (r.status !== 0) {
    console.error(`bench: ${name} exited with ${r.status}`)
    failed++
  }
}
process.exit(failed > 0 ? 1 : 0)
