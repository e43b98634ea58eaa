import type { CxEventInput } from '@cxpulse/contracts'
import type { CxClient } from '@cxpulse/sdk'
import type { Simulator } from './simulator.ts'

export interface SimulationStats {
  sent: number
  accepted: number
  rejected: number
  failed: number
}

/**
 * Sends simulated events through the ingest API: with `history`, first the customer base's
 * lifecycle history (`Simulator.history`); then `backfillMs` of all traffic (so charts have a
 * past); then live, once per `tickMs`, until `signal` aborts or `durationMs` passes.
 * `onCaughtUp` is told when history and backfill are sent: every event before `at` is.
 */
export async function runSimulation(options: {
  client: CxClient
  simulator: Simulator
  history?: boolean
  backfillMs?: number
  durationMs?: number
  tickMs?: number
  signal?: AbortSignal
  now?: () => number
  onProgress?: (stats: SimulationStats) => void
  onCaughtUp?: (at: Date, stats: SimulationStats) => void | Promise<void>
}): Promise<SimulationStats> {
  const now = options.now ?? Date.now
  const stats: SimulationStats = { sent: 0, accepted: 0, rejected: 0, failed: 0 }
  const send = async (events: CxEventInput[]) => {
    for (let i = 0; i < events.length; i += 500) {
      const chunk = events.slice(i, i + 500)
      stats.sent += chunk.length
      try {
        const result = await options.client.send(chunk)
        stats.accepted += result.accepted.length
        stats.rejected += result.rejected.length
      } catch {
        stats.failed += chunk.length
      }
    }
    options.onProgress?.({ ...stats })
  }
  let cursor = now() - (options.backfillMs ?? 0)
  const end = options.durationMs === undefined ? Infinity : now() + options.durationMs
  if (options.history) await send(options.simulator.history(new Date(cursor)))
  // History in hour-sized steps, then live ticks.
  while (cursor < now() - 60_000 && !options.signal?.aborted) {
    const next = Math.min(cursor + 3_600_000, now() - 60_000)
    await send(options.simulator.eventsBetween(new Date(cursor), new Date(next)))
    cursor = next
  }
  if (!options.signal?.aborted) await options.onCaughtUp?.(new Date(cursor), { ...stats })
  const tick = options.tickMs ?? 1000
  while (!options.signal?.aborted && now() < end) {
    const next = now()
    if (next > cursor) {
      await send(options.simulator.eventsBetween(new Date(cursor), new Date(next)))
      cursor = next
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, tick)
      options.signal?.addEventListener('abort', done, { once: true })
    })
  }
  return stats
}
