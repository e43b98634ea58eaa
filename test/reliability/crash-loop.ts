import { spawnSync } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { crashRunSchema } from './crash-loop-schema.ts'

/**
 * `pnpm test:crash-loop [N]`: the processor crash test (12 SIGKILLs each, half of them right
 * after an insert was issued) N times in a row (default 20), each with its own seed. Every run
 * appends its exact comparison to .test-results/crash-loop.jsonl; the results are written to
 * docs/crash-loop.json, which the reliability report renders into docs/reliability.md.
 * Exits non-zero if any run was not exact.
 */
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..')
const OUT = resolve(ROOT, '.test-results/crash-loop.jsonl')
const DOC = resolve(ROOT, 'docs/crash-loop.json')

const runs = Number(process.argv[2] ?? 20)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(
    `crash loop: the number of runs must be a positive integer, got "${process.argv[2]}"`,
  )
  process.exit(2)
}
const base = Number(process.env['CRASH_TEST_SEED'] ?? Date.now() % 1_000_000)
await mkdir(resolve(ROOT, '.test-results'), { recursive: true })
await rm(OUT, { force: true })
for (let i = 1; i <= runs; i++) {
  const seed = base + i
  const started = Date.now()
  console.error(`crash loop: run ${i}/${runs}, seed ${seed}`)
  const result = spawnSync(
    resolve(ROOT, 'node_modules/.bin/vitest'),
    ['run', '--project', 'integration', 'test/reliability/processor-crash.integration.test.ts'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, CRASH_TEST_SEED: String(seed), CRASH_LOOP_OUT: OUT },
    },
  )
  console.error(
    `crash loop: run ${i}/${runs} ${result.status === 0 ? 'exact' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`,
  )
}
const lines = (await readFile(OUT, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim())
const results = lines.map((l) => crashRunSchema.parse(JSON.parse(l)))
await writeFile(DOC, `${JSON.stringify(results, null, 2)}\n`)
const exact = results.filter((r) => r.verdict === 'pass').length
console.error(
  `crash loop: ${runs} runs, ${results.length} recorded, ${exact} exact, ${runs - exact} not → ${DOC}`,
)
process.exit(exact === runs ? 0 : 1)
