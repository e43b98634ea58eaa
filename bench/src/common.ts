import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { startLocalKafka, type LocalKafka } from '@cxpulse/local-kafka'

export const ROOT = resolve(import.meta.dirname, '../..')
const RESULTS_DIR = join(ROOT, 'bench/results')

export interface Target {
  name: string
  /** What was measured, in the target's unit. */
  value: number
  limit: number
  /** 'min': value must be ≥ limit; 'max': value must be < limit. */
  kind: 'min' | 'max'
}

const verdict = (t: Target) =>
  (t.kind === 'min' ? t.value >= t.limit : t.value < t.limit) ? 'PASS' : 'MISS'

function machine() {
  const cpu = cpus()
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  }
}

/** Prints a two-column table and the targets, and writes bench/results/<name>.json. */
export async function report(
  name: string,
  rows: [string, string | number][],
  targets: Target[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  const width = Math.max(...rows.map(([k]) => k.length), ...targets.map((t) => t.name.length))
  console.log(`\n== ${name}`)
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`)
  for (const t of targets) {
    const cmp = t.kind === 'min' ? '≥' : '<'
    console.log(
      `  ${t.name.padEnd(width)}  ${round(t.value)} (target ${cmp} ${t.limit})  ${verdict(t)}`,
    )
  }
  await mkdir(RESULTS_DIR, { recursive: true })
  await writeFile(
    join(RESULTS_DIR, `${name}.json`),
    `${JSON.stringify(
      {
        name,
        at: new Date().toISOString(),
        machine: machine(),
        figures: Object.fromEntries(rows),
        targets: targets.map((t) => ({ ...t, value: round(t.value), verdict: verdict(t) })),
        ...extra,
      },
      null,
      2,
    )}\n`,
  )
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  const i = (sorted.length - 1) * p
  const lo = Math.floor(i)
  const hi = Math.ceil(i)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo)
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => done(typeof a === 'object' && a ? a.port : 0))
    })
  })
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `cxpulse-bench-${prefix}-`))
}

export async function startBroker(): Promise<LocalKafka> {
  return startLocalKafka({ dataDir: await tempDir('kafka'), fresh: true, heapMb: 1024 })
}

/** Resident set size of a process, MiB. */
function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  return kb / 1024
}

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}
// USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`).
const CLOCK_TICKS = 100

/** CPU µs per event each process spent between start() and stop(). */
export function cpuPerEvent(pids: Record<string, number>) {
  const start = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]))
  return {
    stop(events: number): Record<string, number> {
      return Object.fromEntries(
        Object.entries(pids).map(([k, pid]) => [
          k,
          round(((cpuSeconds(pid) - (start[k] ?? 0)) * 1e6) / events, 1),
        ]),
      )
    },
  }
}

/** Samples a process's RSS every 200 ms until stopped; returns the peak. */
export function rssSampler(pid: number) {
  let peak = 0
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid))
    } catch {
      /* exited */
    }
  }, 200)
  return {
    stop() {
      clearInterval(timer)
      return peak
    },
  }
}

/** A valid survey response as product systems send it (about 300 bytes of JSON). */
export function surveyEvent(i: number, at = Date.now() - 60_000) {
  const channels = ['email', 'chat', 'phone', 'web']
  const kind = (['csat', 'nps', 'ces'] as const)[i % 3]
  return {
    event_id: randomUUID(),
    type: 'survey.response',
    occurred_at: new Date(at - (i % 3_600_000)).toISOString(),
    customer_id: `cust-${i % 100_000}`,
    dimensions: { channel: channels[i % 4], agent: `agent-${i % 50}`, product: 'core' },
    kind,
    score: kind === 'nps' ? i % 11 : kind === 'csat' ? 1 + (i % 5) : 1 + (i % 7),
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
