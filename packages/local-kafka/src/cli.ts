import { parseArgs } from 'node:util'
import { z } from 'zod'
import { LocalKafkaError, localKafkaStatus, startLocalKafka, stopLocalKafka } from './broker.ts'

const usage = `Usage: infra/kafka/kafka.sh <start|stop|status> [options]

  start   start a single-node KRaft broker on 127.0.0.1 and wait until it is ready
  stop    stop the broker recorded in the data dir, by its pid
  status  print the broker's address and whether it answers

Options:
  --data-dir DIR   broker data, config, pid and log (default .data/kafka)
  --fresh          wipe and reformat the storage before starting
  --port N         client port (default: a free port, kept for this data dir)
  -h, --help       this text`

const args = z.object({
  command: z.enum(['start', 'stop', 'status'], { message: 'expected start, stop or status' }),
  'data-dir': z.string().min(1).default('.data/kafka'),
  fresh: z.boolean().default(false),
  port: z.coerce.number().int().min(1).max(65535).optional(),
})

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
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
  if (opts.command === 'start') {
    const broker = await startLocalKafka({
      dataDir: opts['data-dir'],
      fresh: opts.fresh,
      ...(opts.port ? { port: opts.port } : {}),
      onProgress: (m) => console.log(m),
    })
    console.log(`Kafka ready: KAFKA_BROKERS=${broker.brokers} (pid ${broker.pid})`)
    return 0
  }
  if (opts.command === 'stop') {
    console.log(
      (await stopLocalKafka(opts['data-dir'])) ? 'Kafka stopped' : 'no broker was running',
    )
    return 0
  }
  const status = await localKafkaStatus(opts['data-dir'])
  if (!status) {
    console.log(`no broker state in ${opts['data-dir']}`)
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
