import { z } from 'zod'
import { startInfrastructure } from './environment.ts'

export const startHelp = `Usage: cxpulse start [--data-dir DIR]

Runs cxpulse locally in one process: a local Apache Kafka broker and the embedded ClickHouse
engine (or the ones named by KAFKA_BROKERS / CLICKHOUSE_URL), with migrations applied.
Ctrl-C stops everything cleanly. Data is kept in the data dir between runs.

Options:
  --data-dir DIR   where the broker and the embedded engine keep their data (default .data)
  -h, --help       this text`

export const startFlags = z.object({ 'data-dir': z.string().min(1).default('.data') })

export async function runStart(flags: z.output<typeof startFlags>): Promise<number> {
  const began = Date.now()
  const progress = (m: string) => console.log(`cxpulse: ${m}`)
  const infra = await startInfrastructure({ dataDir: flags['data-dir'], progress })
  console.log(`cxpulse ready in ${((Date.now() - began) / 1000).toFixed(1)} s`)
  console.log(`  KAFKA_BROKERS=${infra.brokers.join(',')}  (${infra.kafkaSource})`)
  console.log(`  ClickHouse database "${infra.clickhouse.database}" (${infra.clickhouse.mode})`)
  console.log('Press Ctrl-C to stop.')

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  console.log('cxpulse: stopping…')
  await infra.stop()
  console.log('cxpulse: stopped')
  return 0
}
