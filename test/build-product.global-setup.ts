import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'

const ROOT = resolve(import.meta.dirname, '..')

/**
 * `pnpm build` once before the integration tests, some of which run the compiled CLI
 * (test/cli/run-cli.ts, BUILT_CLI). tsc -b is incremental: a fraction of a second when dist/
 * is current, as it is after scripts/test.sh's build check.
 */
export default async function buildProduct(): Promise<void> {
  const started = Date.now()
  await promisify(execFile)('pnpm', ['-s', 'build'], { cwd: ROOT }).catch(
    (error: { stdout?: string }) => {
      throw new Error(`pnpm build failed:\n${error.stdout ?? String(error)}`)
    },
  )
  console.error(`[build] pnpm build in ${Date.now() - started} ms`)
}
