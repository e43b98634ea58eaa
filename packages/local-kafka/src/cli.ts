import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { LocalKafkaError, localKafkaStatus, startLocalKafka, stopLocalKafka } from './broker.ts'
import {
  localKafkaClusterStatus,
  startLocalKafkaCluster,
  stopLocalKafkaCluster,
} from './cluster.ts'

const usage = `Usage: infra/kafka/kafka.sh <start|stop|status> [options]

  start   start a KRaft broker (or, with --brokers N, an N-node cluster) on 127.0.0.1 and
          wait until it is ready
  stop    stop the broker or every node of the cluster recorded in the data dir, by pid
  status  print the addresses and whether each node answers

Options:
  --data-dir DIR   data, config, pids and logs (default .data/kafka)
  --brokers N      nodes, each a broker and a KRaft controller (default 1: a single broker;
                   3 for a cluster that survives losing one node)
  --fresh          wipe and reformat the storage before starting
  --port N         client port of a single broker (default: a free port, kept for this data dir)
  -h, --help       this text`

const args = z
  .object({
    command: z.enum(['start', 'stop', 'status'], { message: 'expected start, stop or status' }),
    'data-dir': z.string().min(1).default('.data/kafka'),
    brokers: z.coerce.number().int().min(1).max(9).default(1),
    fresh: z.boolean().default(false),
    port: z.coerce.number().int().min(1).max(65535).optional(),
  })
  .refine((a) => !(a.port && a.brokers > 1), {
    path: ['port'],
    message:
      'applies to a single broker; a cluster picks free ports and keeps them in its data dir',
  })

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      brokers: { type: 'string' },
      fresh: { type: 'boolean' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || positionals.length === 0) {
    console.log(usage)
    return values.help ? 0 : 2
  }
  const parsed = args.safeParse({ ...values, command: positionals[0] })
  if (!parsed.success) {
    console.error(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('\n'),
    )
    console.error(usage)
    return 2
  }
  const opts = parsed.data
  const dataDir = opts['data-dir']
  const isCluster = existsSync(join(dataDir, 'cluster.json'))
  if (opts.command === 'start') {
    if (opts.fresh) {
      // Whatever ran on this data dir before (a broker or a cluster) must not outlive its files.
      await stopLocalKafka(dataDir)
      await stopLocalKafkaCluster(dataDir)
    }
    if (opts.brokers === 1) {
      const broker = await startLocalKafka({
        dataDir,
        fresh: opts.fresh,
        ...(opts.port ? { port: opts.port } : {}),
        onProgress: (m) => console.log(m),
      })
      console.log(`Kafka ready: KAFKA_BROKERS=${broker.brokers} (pid ${broker.pid})`)
      return 0
    }
    const began = Date.now()
    const cluster = await startLocalKafkaCluster({
      dataDir,
      brokers: opts.brokers,
      fresh: opts.fresh,
      onProgress: (m) => console.log(m),
    })
    const pids = cluster
      .nodes()
      .map((n) => `node ${n.nodeId}: ${n.pid}`)
      .join(', ')
    console.log(
      `Kafka cluster ready in ${((Date.now() - began) / 1000).toFixed(1)} s: KAFKA_BROKERS=${cluster.brokers.join(',')} (${pids})`,
    )
    return 0
  }
  if (opts.command === 'stop') {
    if (isCluster) {
      const n = await stopLocalKafkaCluster(dataDir)
      console.log(n > 0 ? `Kafka cluster stopped (${n} nodes)` : 'no node was running')
      return 0
    }
    console.log((await stopLocalKafka(dataDir)) ? 'Kafka stopped' : 'no broker was running')
    return 0
  }
  if (isCluster) {
    const status = await localKafkaClusterStatus(dataDir)
    if (!status) {
      console.log(`no readable cluster state in ${dataDir}`)
      return 3
    }
    const up = status.nodes.filter((n) => n.running).length
    console.log(
      `${up === status.nodes.length ? 'running' : up === 0 ? 'not running' : 'degraded'}: ${up} of ${status.nodes.length} nodes answer; KAFKA_BROKERS=${status.brokers.join(',')}`,
    )
    for (const n of status.nodes) {
      console.log(
        `  node ${n.nodeId}: ${n.running ? 'running' : 'not running'} 127.0.0.1:${n.port} (pid ${n.pid}, log ${n.logFile})`,
      )
    }
    return up === status.nodes.length ? 0 : 3
  }
  const status = await localKafkaStatus(dataDir)
  if (!status) {
    console.log(`no broker state in ${dataDir}`)
    return 3
  }
  console.log(
    `${status.running ? 'running' : 'not running'}: ${status.brokers} (pid ${status.pid}, log ${status.logFile})`,
  )
  return status.running ? 0 : 3
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof LocalKafkaError ? error.message : error)
    process.exit(1)
  },
)
