import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'
import { waitFor } from '@cxpulse/testkit'

export const ROOT = resolve(import.meta.dirname, '../..')
export const CLI = join(ROOT, 'packages/cli/src/main.ts')
/** The CLI's TypeScript sources through tsx (`node --import tsx` itself, so a signal reaches it). */
const SOURCE_CLI = ['--import', 'tsx', CLI]
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
      [...SOURCE_CLI, ...args],
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

/** A long-running cxpulse command (`start`, `serve`) in a process of its own. */
export interface CliProcess {
  proc: ChildProcess
  /** Everything it printed so far, stdout and stderr together. */
  output(): string
  exited: Promise<number | null>
  /** The first match of `pattern` in its output; fails at once if the process exits first. */
  waitForOutput(what: string, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>
  /** SIGINT unless it has exited already; resolves with its exit code. */
  stop(): Promise<number | null>
}

export function spawnCli(
  args: readonly string[],
  options: { cli?: readonly string[]; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): CliProcess {
  const proc = spawn(process.execPath, [...(options.cli ?? SOURCE_CLI), ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const chunks: string[] = []
  proc.stdout?.on('data', (c: Buffer) => chunks.push(c.toString('utf8')))
  proc.stderr?.on('data', (c: Buffer) => chunks.push(c.toString('utf8')))
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)))
  const output = () => chunks.join('')
  return {
    proc,
    output,
    exited,
    waitForOutput: (what, pattern, timeoutMs) =>
      Promise.race([
        waitFor(what, async () => pattern.exec(output()) ?? undefined, timeoutMs),
        exited.then((code) => {
          const match = pattern.exec(output())
          if (match) return match
          throw new Error(`cxpulse ${args[0]} exited (${code}) before ${what}:\n${output()}`)
        }),
      ]),
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGINT')
      return exited
    },
  }
}
