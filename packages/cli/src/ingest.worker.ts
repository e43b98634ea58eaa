import { parentPort, workerData } from 'node:worker_threads'
import { startIngest, type IngestConfig } from '@cxpulse/ingest'
import { createLogger } from '@cxpulse/logger'

/**
 * Ingest on its own thread inside `cxpulse start` (see ingest-thread.ts). Keys come from the
 * key file named in the config; messages: 'ready' {url, port} or 'failed' {message} once,
 * then 'stopped' after a 'stop' request.
 */
const config = workerData as IngestConfig
const port = parentPort
if (!port) throw new Error('ingest.worker.ts runs only as a worker thread')
const logger = createLogger({ name: 'cxpulse', level: config.logLevel }).child({
  service: 'ingest',
})
try {
  const ingest = await startIngest(config, { logger })
  port.on('message', (message: unknown) => {
    if (message !== 'stop') return
    void ingest.stop().then(() => {
      port.postMessage({ type: 'stopped' })
      port.close()
    })
  })
  port.postMessage({ type: 'ready', url: ingest.url, port: ingest.port })
} catch (error) {
  port.postMessage({ type: 'failed', message: (error as Error).message })
  port.close()
}
