import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import {
  INFRA_DIR,
  LocalKafkaError,
  formatStorage,
  freePort,
  isAlive,
  newClusterId,
  portAnswers,
  requireTool,
  spawnKafka,
  stopPid,
  waitUntilStarted,
} from './node.ts'

/** Kept in step with infra/kafka/pom.xml. */
export const KAFKA_VERSION = '4.1.2'

export { LocalKafkaError }

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

export function checkJava(): void {
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

  if (!options.fresh && existsSync(join(dataDir, 'cluster.json'))) {
    throw new LocalKafkaError(
      `${dataDir} holds a Kafka cluster (cluster.json); start it with --brokers, or use --fresh or another data dir for a single broker`,
    )
  }
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
    await formatStorage(classpath, propsFile, clusterId, ['--standalone'])
  }

  const logFile = join(dataDir, 'broker.log')
  const spawned = spawnKafka(classpath, propsFile, logFile, options.heapMb ?? 512)
  const pid = spawned.pid

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
  await waitUntilStarted(
    { ...spawned, port, logFile, name: 'The Kafka broker' },
    options.readyTimeoutMs ?? 60_000,
  )

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
