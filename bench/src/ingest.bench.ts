import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { generateApiKey } from '@cxpulse/auth'
import { ROOT, cpuPerEvent, freePort, report, round, sleep, startBroker } from './common.ts'
import { runLoad } from './pipeline.ts'

/**
 * Ingest alone: `cxpulse serve ingest` in its own process against the local broker, loaded by
 * the load process with batched POST /v1/events for SECONDS. The figures are what the capacity
 * model in docs/scaling.md needs: accepted events/s and CPU µs per event of the ingest process,
 * the broker and the load generator (all three share the machine's cores).
 */
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 60)

const broker = await startBroker()
try {
  const port = await freePort()
  const key = generateApiKey()
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'packages/cli/src/main.ts'), 'serve', 'ingest'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: broker.brokers,
        KAFKA_REPLICATION_FACTOR: '1',
        INGEST_HOST: '127.0.0.1',
        INGEST_PORT: String(port),
        INGEST_API_KEYS: JSON.stringify([
          { id: 'bench', tenant_id: 'demo', hash: key.hash, scopes: ['ingest'] },
        ]),
        // The benchmark measures capacity, not the per-tenant limits.
        INGEST_RATE_PER_SEC: '1000000000',
        INGEST_RATE_BURST: '10000000',
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok) break
    if (i > 600 || proc.exitCode !== null) throw new Error('cxpulse serve ingest did not get ready')
    await sleep(200)
  }
  const cpu = cpuPerEvent({ ingest: proc.pid ?? 0, broker: broker.pid })
  const load = await runLoad(
    { ingestUrl: url, key: key.key },
    { seconds: SECONDS, connections: 8, batch: 1000 },
  )
  const us = cpu.stop(load.accepted)
  const loadUs = round((load.cpuSeconds * 1e6) / load.accepted, 1)
  proc.kill('SIGTERM')
  await new Promise((r) => proc.once('exit', r))
  await report(
    'ingest',
    [
      ['load seconds', round(load.seconds, 1)],
      ['events accepted (202)', load.accepted],
      ['events refused (429/503, retried)', load.refused],
      ['ingest accept rate (events/s)', round(load.accepted / load.seconds, 0)],
      ['CPU µs/event, ingest process (HTTP, validation, enrichment, produce)', us['ingest'] ?? 0],
      ['CPU µs/event, broker (append with acks=all)', us['broker'] ?? 0],
      ['CPU µs/event, load generator (builds and posts the events)', loadUs],
    ],
    [],
  )
} finally {
  await broker.stop()
}
