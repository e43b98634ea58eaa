import { surveyEvent } from './common.ts'

/**
 * The load generator, run as its own process so it does not share a CPU queue with the
 * pipeline it measures. Posts batches of `batch` events from `connections` concurrent loops
 * for `seconds`, or at `rate` events/s when given; honours 429/503 Retry-After.
 * Reports {accepted, refused, seconds, cpuSeconds} to the parent.
 */
const [url, key, seconds, connections, batch, rate, tag] = process.argv.slice(2)
const until = Date.now() + Number(seconds) * 1000
const perBatch = Number(batch)
let accepted = 0
let refused = 0
let i = Number(tag ?? 0) * 1e9
const started = Date.now()
const intervalMs = Number(rate) > 0 ? (perBatch * Number(connections) * 1000) / Number(rate) : 0

async function loop() {
  while (Date.now() < until) {
    const t = Date.now()
    const events = Array.from({ length: perBatch }, () => surveyEvent(i++))
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    }).catch(() => undefined)
    if (res?.status === 202) {
      const body = (await res.json()) as { accepted: number }
      accepted += body.accepted
    } else {
      refused += perBatch
      await res?.text()
      await new Promise((r) => setTimeout(r, Number(res?.headers.get('retry-after') ?? 1) * 200))
    }
    if (intervalMs > 0)
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - t))))
  }
}
await Promise.all(Array.from({ length: Number(connections) }, loop))
const cpu = process.cpuUsage()
process.send?.({
  accepted,
  refused,
  seconds: (Date.now() - started) / 1000,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
})
