import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { testEnvironment } from '@cxpulse/test-env'
import { startLocalKafka } from './broker.ts'
import {
  localKafkaClusterStatus,
  startLocalKafkaCluster,
  stopLocalKafkaCluster,
} from './cluster.ts'

describe('local Kafka cluster', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })

  it('starts three KRaft nodes with one static quorum, kills, stops and restarts a node by pid', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cxp-kafka-cluster-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    cleanups.push(() => stopLocalKafkaCluster(dataDir))
    const cluster = await startLocalKafkaCluster({ dataDir, brokers: 3, fresh: true })

    expect(cluster.brokers).toHaveLength(3)
    expect(new Set(cluster.brokers).size).toBe(3)
    for (const b of cluster.brokers) expect(testEnvironment().kafka.brokers).not.toContain(b)
    const nodes = cluster.nodes()
    expect(nodes.map((n) => n.nodeId)).toEqual([1, 2, 3])
    expect(new Set(nodes.map((n) => n.pid)).size).toBe(3)
    // Every node votes in the same static quorum and replicates internal topics three ways.
    const props = await readFile(join(dataDir, 'node-2', 'server.properties'), 'utf8')
    const voters = nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',')
    expect(props).toContain(`controller.quorum.voters=${voters}`)
    expect(props).toContain('offsets.topic.replication.factor=3')
    expect(props).toContain('transaction.state.log.min.isr=2')
    await expect(startLocalKafkaCluster({ dataDir, brokers: 3 })).rejects.toThrow(/already running/)
    await expect(startLocalKafka({ dataDir })).rejects.toThrow(/holds a Kafka cluster/)

    const killedPid = cluster.node(2).pid
    await cluster.kill(2)
    expect(cluster.node(2).running()).toBe(false)
    const degraded = await localKafkaClusterStatus(dataDir)
    expect(degraded?.nodes.map((n) => n.running)).toEqual([true, false, true])

    // Back on the same data and ports, as a new process; the state file follows the new pid.
    await cluster.restart(2)
    expect(cluster.node(2).pid).not.toBe(killedPid)
    expect(cluster.node(2).broker).toBe(cluster.brokers[1])
    expect((await localKafkaClusterStatus(dataDir))?.nodes.map((n) => n.pid)).toEqual(
      cluster.nodes().map((n) => n.pid),
    )
    await expect(cluster.restart(2)).rejects.toThrow(/still running/)

    await cluster.stopNode(3)
    expect(cluster.node(3).running()).toBe(false)
    await cluster.restart(3)

    expect(await stopLocalKafkaCluster(dataDir)).toBe(3)
    expect((await localKafkaClusterStatus(dataDir))?.nodes.every((n) => !n.running)).toBe(true)
    await cluster.stop() // safe after the nodes are gone

    // A stopped cluster starts again from its data dir with the same ports and cluster id.
    const again = await startLocalKafkaCluster({ dataDir, brokers: 3 })
    expect(again.brokers).toEqual(cluster.brokers)
    expect(again.clusterId).toBe(cluster.clusterId)
    await again.stop()
    await expect(startLocalKafkaCluster({ dataDir, brokers: 2 })).rejects.toThrow(
      /holds a 3-node cluster/,
    )
  })
})
