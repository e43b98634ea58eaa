import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, openSync, closeSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

/** Kept in step with infra/kafka/pom.xml. */
export const KAFKA_VERSION = '4.1.2'

const INFRA_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../infra/kafka')

export class LocalKafkaError extends Error {
  override name = 'LocalKafkaError'
}

export interface LocalKafkaOptions {
  /** Broker data, config, pid file and log. Reused across starts unless `fresh`. */
  dataDir: string
  /** Wipe and reformat the storage before starting. */
  fresh?: boolean
  /** Client port; chosen free when absent (or reused from the last start of this data dir). */
  port?: number
  heapMb?: number
  readyTimeoutMs?: number
  /** Progress lines for people ("fetching Kafka jars…"); silent when absent. */
  onProgress?: (message: string) => void
}

const brokerState = z.object({
  pid: z.number().int(),
  port: z.number().int(),
  controllerPort: z.number().int(),
  brokers: z.string(),
  clusterId: z.string(),
  logFile: z.string(),
  startedAt: z.string(),
})
export type BrokerState = z.infer<typeof brokerState>

export interface LocalKafka extends BrokerState {
  dataDir: string
  /** Stops the broker by its own pid; safe to call twice. */
  stop(): Promise<void>
}

function cacheRoot(): string {
  const base =
    process.env['CXPULSE_CACHE_DIR'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'cxpulse')
  return join(base, `kafka-${KAFKA_VERSION}`)
}

function requireTool(cmd: string, args: string[], hint: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error || r.status !== 0) {
    throw new LocalKafkaError(
      `${cmd} was not found or does not run (${r.error?.message ?? `exit ${r.status}`}). ${hint}`,
    )
  }
  return `${r.stdout}${r.stderr}`
}

function checkJava(): void {
  const out = requireTool(
    'java',
    ['-version'],
    'Kafka needs Java 17 or newer: apt-get install openjdk-17-jre-headless',
  )
  const major = Number(/version "(\d+)/.exec(out)?.[1] ?? 0)
  if (major < 17)
    throw new LocalKafkaError(
      `Kafka ${KAFKA_VERSION} needs Java 17 or newer; found: ${out.split('\n')[0]}`,
    )
}

/**
 * Fetches Apache Kafka's jars from Maven Central once; later calls return the cached folder
 * without running Maven (and Maven itself caches in ~/.m2).
 */
export async function ensureKafkaJars(onProgress?: (m: string) => void): Promise<string> {
  const libs = join(cacheRoot(), 'libs')
  const marker = join(cacheRoot(), '.complete')
  if (existsSync(marker)) return libs
  requireTool('mvn', ['-v'], 'Fetching Kafka jars needs Apache Maven: apt-get install maven')
  onProgress?.(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${libs} (once)`)
  await rm(libs, { recursive: true, force: true })
  await mkdir(libs, { recursive: true })
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(INFRA_DIR, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    { encoding: 'utf8' },
  )
  if (r.status !== 0) {
    throw new LocalKafkaError(
      `Maven could not fetch the Kafka jars (exit ${r.status}):\n${r.stdout}${r.stderr}`,
    )
  }
  await writeFile(marker, new Date().toISOString())
  return libs
}

/** 16 random bytes in base64url, as Kafka's own tool makes; never starting with '-', which the
 * storage tool's argument parser would read as an option. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

async function freePort(): Promise<number> {
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

function portAnswers(port: number): Promise<boolean> {
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const stateFile = (dataDir: string) => join(dataDir, 'broker.json')

async function readState(dataDir: string): Promise<BrokerState | undefined> {
  try {
    return brokerState.parse(JSON.parse(await readFile(stateFile(dataDir), 'utf8')))
  } catch {
    return undefined
  }
}

function serverProperties(logDir: string, port: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n')
}

async function tail(file: string, lines = 30): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/**
 * Starts a single-node KRaft broker on 127.0.0.1 as a detached child process and waits until
 * it accepts connections. The broker outlives this process until `stop()` (or the script's
 * `stop`), so the same function serves tests, the demo, benchmarks and `kafka.sh start`.
 */
export async function startLocalKafka(options: LocalKafkaOptions): Promise<LocalKafka> {
  const dataDir = resolve(options.dataDir)
  const progress = options.onProgress ?? (() => undefined)
  checkJava()
  const libs = await ensureKafkaJars(progress)
  const classpath = `${libs}/*`

  const previous = await readState(dataDir)
  if (previous && isAlive(previous.pid) && !options.fresh) {
    throw new LocalKafkaError(
      `A broker from ${dataDir} is already running (pid ${previous.pid}, ${previous.brokers}); stop it first`,
    )
  }
  if (previous && isAlive(previous.pid)) await stopPid(previous.pid)
  if (options.fresh) await rm(dataDir, { recursive: true, force: true })
  await mkdir(dataDir, { recursive: true })

  const logDir = join(dataDir, 'log')
  const formatted = existsSync(join(logDir, 'meta.properties'))
  // A formatted standalone controller remembers its endpoint, so a reused data dir keeps its ports.
  const port = options.port ?? (formatted && previous ? previous.port : await freePort())
  const controllerPort = formatted && previous ? previous.controllerPort : await freePort()
  const clusterId = formatted && previous ? previous.clusterId : newClusterId()
  const propsFile = join(dataDir, 'server.properties')
  await writeFile(propsFile, serverProperties(logDir, port, controllerPort))

  if (!formatted) {
    progress(`formatting Kafka storage in ${logDir}`)
    const r = spawnSync(
      'java',
      [
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '--standalone',
        `--cluster-id=${clusterId}`,
        '-c',
        propsFile,
      ],
      { encoding: 'utf8' },
    )
    if (r.status !== 0)
      throw new LocalKafkaError(`Formatting Kafka storage failed:\n${r.stdout}${r.stderr}`)
  }

  const logFile = join(dataDir, 'broker.log')
  const out = openSync(logFile, 'a')
  const heap = `${options.heapMb ?? 512}m`
  const child = spawn(
    'java',
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:TieredStopAtLevel=1',
      `-Dlog4j2.configurationFile=${join(INFRA_DIR, 'log4j2.properties')}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      propsFile,
    ],
    { detached: true, stdio: ['ignore', out, out] },
  )
  closeSync(out)
  child.unref()
  const pid = child.pid
  if (pid === undefined) throw new LocalKafkaError('Could not spawn java for the Kafka broker')

  const state: BrokerState = {
    pid,
    port,
    controllerPort,
    brokers: `127.0.0.1:${port}`,
    clusterId,
    logFile,
    startedAt: new Date().toISOString(),
  }
  await writeFile(stateFile(dataDir), JSON.stringify(state, null, 2))

  progress(`starting Kafka broker on ${state.brokers} (pid ${pid}, log ${logFile})`)
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000)
  for (;;) {
    if (!isAlive(pid)) {
      throw new LocalKafkaError(
        `The Kafka broker exited during start-up. Last lines of ${logFile}:\n${await tail(logFile)}`,
      )
    }
    const started = (await tail(logFile, 200)).includes('Kafka Server started')
    if (started && (await portAnswers(port))) break
    if (Date.now() > deadline) {
      await stopPid(pid)
      throw new LocalKafkaError(
        `The Kafka broker was not ready within ${options.readyTimeoutMs ?? 60_000} ms. Last lines of ${logFile}:\n${await tail(logFile)}`,
      )
    }
    await new Promise((r) => setTimeout(r, 200))
  }

  let stopped = false
  return {
    ...state,
    dataDir,
    stop: async () => {
      if (stopped) return
      stopped = true
      await stopPid(pid)
    },
  }
}

async function stopPid(pid: number, graceMs = 15_000): Promise<void> {
  if (!isAlive(pid)) return
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return
  }
  const deadline = Date.now() + graceMs
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
}

/** Stops the broker recorded in `dataDir` by its pid. Returns false when none was running. */
export async function stopLocalKafka(dataDir: string): Promise<boolean> {
  const state = await readState(resolve(dataDir))
  if (!state || !isAlive(state.pid)) return false
  await stopPid(state.pid)
  return true
}

export async function localKafkaStatus(
  dataDir: string,
): Promise<(BrokerState & { running: boolean }) | undefined> {
  const state = await readState(resolve(dataDir))
  if (!state) return undefined
  return { ...state, running: isAlive(state.pid) && (await portAnswers(state.port)) }
}
