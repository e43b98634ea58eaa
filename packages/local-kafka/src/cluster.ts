import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { checkJava, ensureKafkaJars } from './broker.ts'
import {
  LocalKafkaError,
  formatStorage,
  freePort,
  isAlive,
  killPid,
  newClusterId,
  portAnswers,
  spawnKafka,
  stopPid,
  waitUntilStarted,
} from './node.ts'

export interface LocalKafkaClusterOptions {
  /** One folder per node (`node-<id>/`) plus `cluster.json`. Reused across starts unless `fresh`. */
  dataDir: string
  /** Number of nodes, each a combined broker and KRaft controller (a voter of the quorum). */
  brokers: number
  /** Wipe and reformat every node's storage before starting. */
  fresh?: boolean
  /** Heap of each node's JVM. */
  heapMb?: number
  /** For the whole cluster to be ready, and again for one node's restart. */
  readyTimeoutMs?: number
  onProgress?: (message: string) => void
}

const nodeState = z.object({
  nodeId: z.number().int().min(1),
  pid: z.number().int(),
  port: z.number().int(),
  controllerPort: z.number().int(),
  logFile: z.string(),
})
export type ClusterNodeState = z.infer<typeof nodeState>

const clusterState = z.object({
  clusterId: z.string(),
  nodes: z.array(nodeState).min(1),
  startedAt: z.string(),
})
export type ClusterState = z.infer<typeof clusterState>

export interface LocalKafkaClusterNode extends ClusterNodeState {
  /** `127.0.0.1:<port>`. */
  broker: string
  running(): boolean
}

export interface LocalKafkaCluster {
  dataDir: string
  clusterId: string
  /** Every node's client address: the value for KAFKA_BROKERS. */
  brokers: string[]
  /** The nodes as they are now: `pid` changes when a node is restarted. */
  nodes(): LocalKafkaClusterNode[]
  node(nodeId: number): LocalKafkaClusterNode
  /** SIGKILL, as a crash: no controlled shutdown. Resolves once the process is gone. */
  kill(nodeId: number): Promise<void>
  /** SIGTERM: Kafka's controlled shutdown moves the node's leaderships away first. */
  stopNode(nodeId: number): Promise<void>
  /** Starts a stopped or killed node again on its data and ports; resolves when it is ready. */
  restart(nodeId: number): Promise<void>
  /** Stops every node (controlled shutdowns, in parallel); safe to call twice. */
  stop(): Promise<void>
}

const stateFile = (dataDir: string) => join(dataDir, 'cluster.json')
const nodeDir = (dataDir: string, nodeId: number) => join(dataDir, `node-${nodeId}`)

async function readClusterState(dataDir: string): Promise<ClusterState | undefined> {
  try {
    return clusterState.parse(JSON.parse(await readFile(stateFile(dataDir), 'utf8')))
  } catch {
    return undefined
  }
}

/**
 * One combined broker + controller of an N-node cluster with a static quorum
 * (`controller.quorum.voters`). Internal topics get the cluster's replication (RF = N, at most
 * 3, with min ISR 2 when N ≥ 3), so losing one node loses neither committed offsets nor
 * producer state. A killed node is fenced after `broker.session.timeout.ms` (3 s here, 9 s by
 * default): until then its partitions have no live leader, so a short timeout keeps the gap
 * within a producer's retries.
 */
function clusterNodeProperties(
  dataDir: string,
  node: { nodeId: number; port: number; controllerPort: number },
  voters: string,
  count: number,
): string {
  const rf = Math.min(count, 3)
  const minIsr = rf >= 3 ? 2 : 1
  return [
    'process.roles=broker,controller',
    `node.id=${node.nodeId}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(nodeDir(dataDir, node.nodeId), 'log')}`,
    'num.partitions=1',
    `default.replication.factor=${rf}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${rf}`,
    // Fewer than the default 50: each is a partition to elect and replicate on a small machine.
    'offsets.topic.num.partitions=3',
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'transaction.state.log.num.partitions=3',
    `share.coordinator.state.topic.replication.factor=${rf}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'unclean.leader.election.enable=false',
    'broker.heartbeat.interval.ms=500',
    'broker.session.timeout.ms=3000',
    '',
  ].join('\n')
}

/** Two distinct free ports per node, picked one after another so none is handed out twice. */
async function freshLayout(count: number) {
  const taken = new Set<number>()
  const pick = async () => {
    for (;;) {
      const port = await freePort()
      if (!taken.has(port)) {
        taken.add(port)
        return port
      }
    }
  }
  const layout: { nodeId: number; port: number; controllerPort: number }[] = []
  for (let nodeId = 1; nodeId <= count; nodeId++) {
    layout.push({ nodeId, port: await pick(), controllerPort: await pick() })
  }
  return layout
}

/**
 * Starts an N-node KRaft cluster on 127.0.0.1 (every node a broker and a controller, detached
 * processes that outlive this one) and waits until every node is ready. A data dir keeps its
 * ports and cluster id across starts: the static quorum names each controller's endpoint.
 */
export async function startLocalKafkaCluster(
  options: LocalKafkaClusterOptions,
): Promise<LocalKafkaCluster> {
  const count = options.brokers
  if (!Number.isInteger(count) || count < 1 || count > 9) {
    throw new LocalKafkaError(`A local cluster has 1 to 9 nodes; asked for ${count}`)
  }
  const dataDir = resolve(options.dataDir)
  const progress = options.onProgress ?? (() => undefined)
  const timeoutMs = options.readyTimeoutMs ?? 120_000
  const heapMb = options.heapMb ?? 512
  checkJava()
  const classpath = `${await ensureKafkaJars(progress)}/*`

  if (!options.fresh && existsSync(join(dataDir, 'broker.json'))) {
    throw new LocalKafkaError(
      `${dataDir} holds a single local broker (broker.json); use --fresh or another data dir for a cluster`,
    )
  }
  const previous = await readClusterState(dataDir)
  const live = previous?.nodes.filter((n) => isAlive(n.pid)) ?? []
  if (live.length > 0 && !options.fresh) {
    throw new LocalKafkaError(
      `A Kafka cluster from ${dataDir} is already running (pids ${live.map((n) => n.pid).join(', ')}); stop it first`,
    )
  }
  await Promise.all(live.map((n) => stopPid(n.pid)))
  if (options.fresh) await rm(dataDir, { recursive: true, force: true })
  await mkdir(dataDir, { recursive: true })

  const reuse =
    previous &&
    previous.nodes.length === count &&
    previous.nodes.every((n) => existsSync(join(nodeDir(dataDir, n.nodeId), 'log/meta.properties')))
  if (previous && !reuse && !options.fresh) {
    throw new LocalKafkaError(
      `${dataDir} holds a ${previous.nodes.length}-node cluster; start it with --brokers ${previous.nodes.length}, or use --fresh`,
    )
  }
  const clusterId = reuse ? previous.clusterId : newClusterId()
  const layout = reuse
    ? previous.nodes.map(({ nodeId, port, controllerPort }) => ({ nodeId, port, controllerPort }))
    : await freshLayout(count)
  const voters = layout.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',')
  const propsFile = (nodeId: number) => join(nodeDir(dataDir, nodeId), 'server.properties')
  for (const n of layout) {
    await mkdir(nodeDir(dataDir, n.nodeId), { recursive: true })
    await writeFile(propsFile(n.nodeId), clusterNodeProperties(dataDir, n, voters, count))
  }
  if (!reuse) {
    progress(`formatting storage of ${count} Kafka nodes in ${dataDir}`)
    await Promise.all(layout.map((n) => formatStorage(classpath, propsFile(n.nodeId), clusterId)))
  }

  const nodes = new Map<number, ClusterNodeState>()
  const save = () =>
    writeFile(
      stateFile(dataDir),
      JSON.stringify(
        { clusterId, nodes: [...nodes.values()], startedAt: new Date().toISOString() },
        null,
        2,
      ),
    )
  const launch = async (n: { nodeId: number; port: number; controllerPort: number }) => {
    const logFile = join(nodeDir(dataDir, n.nodeId), 'broker.log')
    const spawned = spawnKafka(classpath, propsFile(n.nodeId), logFile, heapMb)
    nodes.set(n.nodeId, { ...n, pid: spawned.pid, logFile })
    await save()
    return { ...spawned, port: n.port, logFile, name: `Kafka node ${n.nodeId}` }
  }

  const started: Awaited<ReturnType<typeof launch>>[] = []
  for (const n of layout) started.push(await launch(n))
  progress(
    `starting a ${count}-node Kafka cluster on ${layout.map((n) => `127.0.0.1:${n.port}`).join(',')} (pids ${started.map((s) => s.pid).join(', ')}, logs ${dataDir}/node-*/broker.log)`,
  )
  try {
    // The nodes need each other (a quorum of controllers) before any can finish starting.
    await Promise.all(started.map((s) => waitUntilStarted(s, timeoutMs)))
  } catch (error) {
    await Promise.all(started.map((s) => stopPid(s.pid)))
    throw error
  }

  const get = (nodeId: number): ClusterNodeState => {
    const n = nodes.get(nodeId)
    if (!n) throw new LocalKafkaError(`No node ${nodeId} in this cluster (1 to ${count})`)
    return n
  }
  const view = (n: ClusterNodeState): LocalKafkaClusterNode => ({
    ...n,
    broker: `127.0.0.1:${n.port}`,
    running: () => isAlive(n.pid),
  })
  let stopping: Promise<void> | undefined
  return {
    dataDir,
    clusterId,
    brokers: layout.map((n) => `127.0.0.1:${n.port}`),
    nodes: () => [...nodes.values()].map(view),
    node: (nodeId) => view(get(nodeId)),
    kill: (nodeId) => killPid(get(nodeId).pid),
    stopNode: (nodeId) => stopPid(get(nodeId).pid),
    restart: async (nodeId) => {
      const n = get(nodeId)
      if (isAlive(n.pid)) {
        throw new LocalKafkaError(`Kafka node ${nodeId} is still running (pid ${n.pid})`)
      }
      await waitUntilStarted(await launch(n), timeoutMs)
    },
    stop: () => {
      stopping ??= Promise.all([...nodes.values()].map((n) => stopPid(n.pid))).then(() => undefined)
      return stopping
    },
  }
}

/** Stops every node recorded in `dataDir` by its pid. Returns how many were running. */
export async function stopLocalKafkaCluster(dataDir: string): Promise<number> {
  const state = await readClusterState(resolve(dataDir))
  const live = state?.nodes.filter((n) => isAlive(n.pid)) ?? []
  await Promise.all(live.map((n) => stopPid(n.pid)))
  return live.length
}

export async function localKafkaClusterStatus(dataDir: string): Promise<
  | (Omit<ClusterState, 'nodes'> & {
      brokers: string[]
      nodes: (ClusterNodeState & { running: boolean })[]
    })
  | undefined
> {
  const state = await readClusterState(resolve(dataDir))
  if (!state) return undefined
  return {
    ...state,
    brokers: state.nodes.map((n) => `127.0.0.1:${n.port}`),
    nodes: await Promise.all(
      state.nodes.map(async (n) => ({
        ...n,
        running: isAlive(n.pid) && (await portAnswers(n.port)),
      })),
    ),
  }
}
