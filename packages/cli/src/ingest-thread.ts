import { Worker } from 'node:worker_threads'
import type { IngestConfig, IngestHandle } from '@cxpulse/ingest'
import type { Logger } from '@cxpulse/logger'

type WorkerMessage =
  | { type: 'ready'; url: string; port: number }
  | { type: 'failed'; message: string }
  | { type: 'stopped' }

/**
 * Runs ingest in a worker thread of this process. In the all-in-one, ingest and the processor
 * otherwise share one JavaScript thread, and a profile of the end-to-end benchmark showed that
 * thread saturated while a third of the two cores idled (docs/benchmarks.md). The worker dies
 * with the process, so a killed `cxpulse start` leaves no ingest behind. If the thread exits
 * on its own, this process is asked to stop (SIGTERM): a pipeline without ingest is not one.
 */
export function startIngestThread(config: IngestConfig, logger: Logger): Promise<IngestHandle> {
  // Built (dist/*.js), the thread runs the compiled worker and resolves @cxpulse/* to dist
  // (the production condition) whatever loaded this module. From the TypeScript sources, it
  // registers tsx's loader before importing them (on Node 20 a worker's `--import tsx` comes
  // too late for its entry module).
  const worker = import.meta.url.endsWith('.js')
    ? new Worker(new URL('./ingest.worker.js', import.meta.url), {
        workerData: config,
        execArgv: [...process.execArgv, '--conditions=production'],
      })
    : new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
          .then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.resolve('./ingest.worker.ts'))}) })`,
        { eval: true, workerData: config, execArgv: [] },
      )
  let stopped: Promise<void> | undefined
  return new Promise<IngestHandle>((resolve, reject) => {
    const onEarlyExit = (code: number) =>
      reject(new Error(`ingest thread exited with code ${code} before it was ready`))
    worker.once('error', reject)
    worker.once('exit', onEarlyExit)
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'failed') reject(new Error(message.message))
      // Its server and producer are closed; nothing left in the thread may hold it open.
      if (message.type === 'stopped') void worker.terminate()
      if (message.type !== 'ready') return
      worker.off('error', reject)
      worker.off('exit', onEarlyExit)
      worker.on('error', (error) => logger.error({ err: error }, 'ingest thread failed'))
      worker.once('exit', (code) => {
        if (stopped) return
        logger.error({ code }, 'ingest thread exited; stopping')
        process.kill(process.pid, 'SIGTERM')
      })
      resolve({
        url: message.url,
        port: message.port,
        stop() {
          stopped ??= new Promise<void>((done) => {
            worker.once('exit', () => done())
            worker.postMessage('stop')
          })
          return stopped
        },
      })
    })
  })
}
