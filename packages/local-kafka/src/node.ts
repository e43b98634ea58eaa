import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, statSync } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * What a single broker and a cluster share: spawning one Kafka JVM, waiting until it is
 * ready, stopping it by its pid, and picking ports.
 */

export const INFRA_DIR = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../infra/kafka',
)

export class LocalKafkaError extends Error {
  override name = 'LocalKafkaError'
}

/** 16 random bytes in base64url, as Kafka's own tool makes; never starting with '-', which the
 * storage tool's argument parser would read as an option. */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer()
    server.unref()
    server.on('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => ok(port))
    })
  })
}

export function portAnswers(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.setTimeout(500)
    socket.once('connect', () => {
      socket.destroy()
      ok(true)
    })
    socket.once('error', () => ok(false))
    socket.once('timeout', () => {
      socket.destroy()
      ok(false)
    })
  })
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function tail(file: string, lines = 30): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** The log written since `offset`: what this run of the JVM said, not an earlier run's lines. */
async function logSince(file: string, offset: number): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined)
  if (!handle) return ''
  try {
    const { size } = await handle.stat()
    if (size <= offset) return ''
    const buffer = Buffer.alloc(size - offset)
    await handle.read(buffer, 0, buffer.length, offset)
    return buffer.toString('utf8')
  } finally {
    await handle.close()
  }
}

/** Formats a node's storage; `extra` carries `--standalone` for a single node. */
export function formatStorage(
  classpath: string,
  propsFile: string,
  clusterId: string,
  extra: string[] = [],
): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(
      'java',
      [
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        ...extra,
        `--cluster-id=${clusterId}`,
        '-c',
        propsFile,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')))
    child.once('error', (error) =>
      fail(new LocalKafkaError(`Could not run java to format ${propsFile}: ${error.message}`)),
    )
    child.once('exit', (code) =>
      code === 0
        ? ok()
        : fail(new LocalKafkaError(`Formatting Kafka storage failed (exit ${code}):\n${out}`)),
    )
  })
}

export interface SpawnedNode {
  pid: number
  /** Size of the log file when this JVM started: its own lines come after it. */
  logOffset: number
}

/**
 * Broker settings from `LOCAL_KAFKA_OVERRIDES` (`key=value,key=value`), passed to every local
 * node as `--override`: a developer's knob on the local broker only, e.g.
 * `log.message.timestamp.after.max.ms=9223372036854775807` when the test clock runs ahead
 * of the broker's (scripts/test-at.sh).
 */
function brokerOverrides(value = process.env['LOCAL_KAFKA_OVERRIDES']): string[] {
  if (!value) return []
  return value.split(',').flatMap((pair) => {
    if (!/^[a-z][a-z0-9._-]*=[^\s]*$/.test(pair.trim())) {
      throw new LocalKafkaError(`LOCAL_KAFKA_OVERRIDES: "${pair}" is not key=value`)
    }
    return ['--override', pair.trim()]
  })
}

/** Starts one Kafka JVM detached from this process, logging to `logFile` (appended). */
export function spawnKafka(
  classpath: string,
  propsFile: string,
  logFile: string,
  heapMb: number,
): SpawnedNode {
  const out = openSync(logFile, 'a')
  const logOffset = statSync(logFile).size
  const heap = `${heapMb}m`
  const child = spawn(
    'java',
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:TieredStopAtLevel=1',
      `-Dlog4j2.configurationFile=${resolve(INFRA_DIR, 'log4j2.properties')}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      propsFile,
      ...brokerOverrides(),
    ],
    { detached: true, stdio: ['ignore', out, out] },
  )
  closeSync(out)
  child.unref()
  if (child.pid === undefined) throw new LocalKafkaError('Could not spawn java for a Kafka node')
  return { pid: child.pid, logOffset }
}

/**
 * Waits until the JVM logged `Kafka Server started` (a KRaft broker says so once it caught up
 * with the metadata log and the controller unfenced it) and its client port answers. Throws
 * with the log's last lines when it exits or the deadline passes; stops it on a timeout.
 */
export async function waitUntilStarted(
  node: SpawnedNode & { port: number; logFile: string; name: string },
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (!isAlive(node.pid)) {
      throw new LocalKafkaError(
        `${node.name} exited during start-up. Last lines of ${node.logFile}:\n${await tail(node.logFile)}`,
      )
    }
    const started = (await logSince(node.logFile, node.logOffset)).includes('Kafka Server started')
    if (started && (await portAnswers(node.port))) return
    if (Date.now() > deadline) {
      await stopPid(node.pid)
      throw new LocalKafkaError(
        `${node.name} was not ready within ${timeoutMs} ms. Last lines of ${node.logFile}:\n${await tail(node.logFile)}`,
      )
    }
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** SIGTERM (Kafka's controlled shutdown), then SIGKILL after `graceMs`. */
export async function stopPid(pid: number, graceMs = 15_000): Promise<void> {
  if (!isAlive(pid)) return
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return
  }
  const deadline = Date.now() + graceMs
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  if (isAlive(pid)) await killPid(pid)
}

/** SIGKILL, as a crash would: no controlled shutdown, nothing flushed. Waits until it is gone. */
export async function killPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    return
  }
  const deadline = Date.now() + 10_000
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
}

export function requireTool(cmd: string, args: string[], hint: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error || r.status !== 0) {
    throw new LocalKafkaError(
      `${cmd} was not found or does not run (${r.error?.message ?? `exit ${r.status}`}). ${hint}`,
    )
  }
  return `${r.stdout}${r.stderr}`
}
