import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')
export const CLI = join(ROOT, 'packages/cli/src/main.ts')
/**
 * The compiled CLI and the arguments that run it as production does (plain Node, dist/); the
 * integration project's global setup builds it (test/build-product.global-setup.ts).
 */
export const BUILT_CLI = ['--conditions=production', join(ROOT, 'packages/cli/dist/main.js')]

/**
 * Runs `cxpulse <args>` as a user would, in its own process. Asynchronous on purpose: the
 * pipeline under test runs in the test's process and must keep answering meanwhile.
 */
export function runCli(
  args: readonly string[],
  apiKey?: string,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: apiKey ? { ...process.env, CXPULSE_API_KEY: apiKey } : process.env,
      },
      (error, stdout, stderr) =>
        done({ code: error ? (error.code as number) : 0, out: stdout, err: stderr }),
    )
  })
}
