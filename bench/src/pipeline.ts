import { fork, spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { z } from 'zod'
import { ROOT, freePort, sleep, tempDir } from './common.ts'

/** `cxpulse start --no-simulate` as its own process (the all-in-one the README runs). */
export interface AllInOne {
  proc: ChildProcess
  ingestUrl: string
  queryUrl: string
  key: string
  stop(): Promise<void>
}

export async function startAllInOne(brokers: string): Promise<AllInOne> {
  const dataDir = await tempDir('all-in-one')
  const [ingestPort, queryPort] = [await freePort(), await freePort()]
  // BENCH_CPU_PROF=<dir>: the all-in-one writes a V8 CPU profile there when it stops.
  const profile = process.env['BENCH_CPU_PROF']
  const nodeArgs = profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []
  const proc = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '--import',
      'tsx',
      join(ROOT, 'packages/cli/src/main.ts'),
      'start',
      '--no-simulate',
    ].concat([
      '--data-dir',
      dataDir,
      '--ingest-port',
      String(ingestPort),
      '--query-port',
      String(queryPort),
    ]),
    {
      cwd: ROOT,
      // A single local broker: one replica (the default for KAFKA_BROKERS is 3, 2 in sync).
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers,
        KAFKA_REPLICATION_FACTOR: '1',
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  const exited = new Promise<void>((done) => proc.once('exit', () => done()))
  for (let i = 0; i < 600; i++) {
    const key = /API key \(tenant "demo"\): (\S+)/.exec(out)?.[1]
    if (key) {
      return {
        proc,
        ingestUrl: `http://127.0.0.1:${ingestPort}`,
        queryUrl: `http://127.0.0.1:${queryPort}`,
        key,
        async stop() {
          proc.kill('SIGTERM')
          await exited
        },
      }
    }
    if (proc.exitCode !== null) throw new Error(`cxpulse start exited:\n${out}`)
    await sleep(200)
  }
  throw new Error(`cxpulse start not ready after 120 s:\n${out}`)
}

/** Survey responses the query API counts for the demo tenant in [from, to). */
export async function countedSurveys(
  p: AllInOne,
  from: Date,
  to: Date,
  channel?: string,
): Promise<number> {
  let n = 0
  for (const metric of ['csat', 'nps', 'ces']) {
    const qs = new URLSearchParams({
      from: from.toISOString(),
      to: to.toISOString(),
      ...(channel ? { channel } : {}),
    })
    const res = await fetch(`${p.queryUrl}/v1/metrics/${metric}?${qs}`, {
      headers: { authorization: `Bearer ${p.key}` },
    })
    n += z.object({ n: z.number() }).parse(await res.json()).n
  }
  return n
}

export interface LoadResult {
  accepted: number
  refused: number
  seconds: number
  /** CPU the load process used (building and posting events). */
  cpuSeconds: number
}

/** Runs bench/src/load.ts in a child process. `rate` 0 = as fast as ingest accepts. */
export function runLoad(
  p: Pick<AllInOne, 'ingestUrl' | 'key'>,
  o: { seconds: number; connections: number; batch: number; rate?: number; tag?: number },
): Promise<LoadResult> {
  const child = fork(
    join(ROOT, 'bench/src/load.ts'),
    [
      p.ingestUrl,
      p.key,
      String(o.seconds),
      String(o.connections),
      String(o.batch),
      String(o.rate ?? 0),
      String(o.tag ?? 0),
    ],
    { execArgv: ['--import', 'tsx'], cwd: ROOT },
  )
  return new Promise((done, fail) => {
    child.once('message', (m) => done(m as LoadResult))
    child.once('exit', (code) => {
      if (code !== 0) fail(new Error(`load process exited with ${code}`))
    })
  })
}
