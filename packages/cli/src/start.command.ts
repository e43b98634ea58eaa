import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { eventTimeEnv, eventTimePolicyFromEnv, parseEnv } from '@cxpulse/config'
import { createLogger } from '@cxpulse/logger'
import { createCxClient } from '@cxpulse/sdk'
import { createSimulator, runSimulation } from '@cxpulse/simulator'
import { demoKeys } from './demo-keys.ts'
import { cliEnvironment } from './cli.env.ts'
import { startInfrastructure } from './environment.ts'
import { startPipeline } from './pipeline.ts'

export const startHelp = `Usage: cxpulse start [options]

Runs the whole pipeline in one process: a local Apache Kafka broker and the embedded
ClickHouse engine (or the ones named by KAFKA_BROKERS / CLICKHOUSE_URL), then ingest,
processor, query API and alerter, and a simulator sending realistic traffic. Prints the dashboard URL
and an API key. Ctrl-C stops everything cleanly; data stays in the data dir between runs.

Options:
  --data-dir DIR        broker, engine and key data (default .data)
  --no-simulate         do not start the simulator
  --rate N              simulated survey responses per minute at the daily peak (default 60)
  --backfill-days N     days of traffic simulated on the first run of a data dir (default 3)
  --history-days N      days of customer history (sign-ups, churn, reactivations) sent
                        before that on the first run, so churn and CLV have a past (default 365)
  --ingest-port N       ingest API port (default 8080)
  --query-port N        query API and dashboard port (default 8081)
  --host HOST           interface to listen on (default 127.0.0.1)
  -h, --help            this text`

export const startOptions = {
  'data-dir': { type: 'string' },
  'no-simulate': { type: 'boolean' },
  rate: { type: 'string' },
  'backfill-days': { type: 'string' },
  'history-days': { type: 'string' },
  'ingest-port': { type: 'string' },
  'query-port': { type: 'string' },
  host: { type: 'string' },
} as const

const port = z.coerce.number().int().min(0).max(65535)
export const startFlags = z.object({
  'data-dir': z.string().min(1).default('.data'),
  'no-simulate': z.boolean().default(false),
  rate: z.coerce.number().positive().max(100_000).default(60),
  'backfill-days': z.coerce.number().min(0).max(60).default(3),
  'history-days': z.coerce.number().min(0).max(1095).default(365),
  'ingest-port': port.default(8080),
  'query-port': port.default(8081),
  host: z.string().min(1).default('127.0.0.1'),
})

export async function runStart(flags: z.output<typeof startFlags>): Promise<number> {
  const began = Date.now()
  // Handlers go in first: Ctrl-C during start-up must still stop the broker it started.
  // The same signal often arrives twice at once (tsx relays it to this process, and `timeout`
  // or a service manager signal the whole process group): repeats within a second are that
  // echo and must not cut the stop short; a later one means "quit now".
  let interruptedAt: number | undefined
  const stopRequested = new Promise<void>((done) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (interruptedAt === undefined) {
        interruptedAt = Date.now()
        done()
      } else if (Date.now() - interruptedAt > 1_000) {
        console.error(`cxpulse: ${signal} again; quitting without a clean stop`)
        process.exit(130)
      }
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
  const dataDir = resolve(flags['data-dir'])
  // EVENT_MAX_FUTURE_MS / EVENT_LATE_HORIZON_DAYS, as `serve` reads them: one policy for ingest
  // and processor. Read before anything starts, so a bad value stops nothing half-way.
  const eventTime = eventTimePolicyFromEnv(parseEnv(eventTimeEnv, process.env))
  const progress = (m: string) => console.log(`cxpulse: ${m}`)
  const logger = createLogger({ name: 'cxpulse', level: cliEnvironment().LOG_LEVEL })
  const infra = await startInfrastructure({ dataDir, progress })
  if (interruptedAt !== undefined) {
    await infra.stop()
    return 130
  }
  const keys = await demoKeys(dataDir)
  let pipeline: Awaited<ReturnType<typeof startPipeline>> | undefined
  try {
    pipeline = await startPipeline({
      brokers: infra.brokers,
      topicReplication: infra.topicReplication,
      clickhouse: infra.clickhouse,
      keys: keys.store,
      ingestThread: { keysFile: keys.file },
      logger,
      host: flags.host,
      ingestPort: flags['ingest-port'],
      queryPort: flags['query-port'],
      ingestRatePerSec: 100_000,
      eventTime,
      // One local instance: a crashed predecessor's group membership expires sooner.
      sessionTimeoutMs: 10_000,
    })
  } catch (error) {
    await infra.stop()
    throw error
  }
  if (interruptedAt !== undefined) {
    await pipeline.stop()
    await infra.stop()
    return 130
  }
  const seconds = ((Date.now() - began) / 1000).toFixed(1)
  console.log(`
cxpulse is running (started in ${seconds} s)
  dashboard ready: ${pipeline.query.url}/#key=${keys.key}
  API key (tenant "demo"): ${keys.key}
  ingest:  POST ${pipeline.ingest.url}/v1/events
  query:   GET  ${pipeline.query.url}/v1/metrics/csat?from=…&to=…
  kafka:   ${infra.brokers.join(',')} (${infra.kafkaSource}), topics with ${infra.topicReplication.replicationFactor} replica(s), min.insync.replicas ${infra.topicReplication.minInsyncReplicas}; ClickHouse: ${infra.clickhouse.mode}
Press Ctrl-C to stop.`)

  const abort = new AbortController()
  let simulation: Promise<unknown> = Promise.resolve()
  if (!flags['no-simulate']) {
    // History only on a data dir's first run; later runs continue live with the same base.
    const marker = join(dataDir, 'simulated-history')
    const firstRun = !existsSync(marker)
    const backfillMs = firstRun ? flags['backfill-days'] * 86_400_000 : 0
    const client = createCxClient({ url: pipeline.ingest.url, apiKey: keys.key, batchSize: 1000 })
    const simulator = createSimulator({
      seed: Date.now() % 2 ** 31,
      responsesPerMinute: flags.rate,
      historyDays: flags['history-days'],
    })
    let last = 0
    simulation = runSimulation({
      client,
      simulator,
      history: firstRun && flags['history-days'] > 0,
      backfillMs,
      signal: abort.signal,
      onProgress: (s) => {
        if (s.sent - last >= 20_000) {
          last = s.sent
          progress(
            `simulator: ${s.accepted} events accepted, ${s.rejected} rejected, ${s.failed} failed`,
          )
        }
      },
      onCaughtUp: async (at, s) => {
        if (firstRun) await writeFile(marker, new Date().toISOString())
        progress(
          `simulator: caught up at ${at.toISOString()} (${s.accepted} events accepted, ${s.rejected} rejected, ${s.failed} failed; ${simulator.activeCustomers()} customers active), now live`,
        )
      },
    }).catch((error: unknown) => progress(`simulator stopped: ${(error as Error).message}`))
    if (firstRun)
      progress(
        `simulator: sending ${flags['history-days']} days of customer history and ${flags['backfill-days']} days of traffic, then live traffic`,
      )
  }

  await stopRequested
  console.log('\ncxpulse: stopping…')
  abort.abort()
  await simulation
  await pipeline.stop()
  await infra.stop()
  console.log('cxpulse: stopped')
  return 0
}
