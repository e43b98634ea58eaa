import { percentile, report, round, sleep, startBroker, surveyEvent } from './common.ts'
import { countedSurveys, runLoad, startAllInOne } from './pipeline.ts'

/**
 * 3. Freshness: with a separate load process sending a steady RATE events/s, a probe event
 *    (channel "probe") is sent every 500 ms; the delay is from its 202 until the query API's
 *    count for channel=probe includes it (the API polled every 50 ms, so add up to 50 ms).
 */
const RATE = Number(process.env['BENCH_FRESHNESS_RATE'] ?? 5000)
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 60)

const broker = await startBroker()
try {
  const p = await startAllInOne(broker.brokers)
  const from = new Date(Date.now() - 2 * 3_600_000)
  const load = runLoad(p, { seconds: SECONDS, connections: 5, batch: 100, rate: RATE, tag: 1 })
  await sleep(5_000) // past start-up, into the steady state
  const acks: number[] = []
  const delays: number[] = []
  let seen = 0
  const until = Date.now() + (SECONDS - 10) * 1000
  let sending = true
  const prober = (async () => {
    for (let i = 0; sending; i++) {
      const e = {
        ...surveyEvent(i),
        dimensions: { channel: 'probe' },
        occurred_at: new Date().toISOString(),
      }
      const res = await fetch(`${p.ingestUrl}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(e),
      })
      await res.text()
      if (res.status === 202) acks.push(performance.now())
      await sleep(500)
    }
  })()
  while (Date.now() < until || seen < acks.length) {
    const n = await countedSurveys(p, from, new Date(Date.now() + 600_000), 'probe')
    const now = performance.now()
    for (; seen < n && seen < acks.length; seen++) delays.push(now - acks[seen]!)
    if (Date.now() >= until) sending = false
    await sleep(50)
  }
  await prober
  const l = await load
  await p.stop()
  const sorted = [...delays].sort((a, b) => a - b)
  const p99 = percentile(sorted, 0.99)
  await report(
    'freshness',
    [
      ['background load (events/s, measured)', round(l.accepted / l.seconds, 0)],
      ['probes', sorted.length],
      ['p50 202 → counted (ms)', round(percentile(sorted, 0.5), 0)],
      ['p99 202 → counted (ms)', round(p99, 0)],
      ['max 202 → counted (ms)', round(sorted.at(-1) ?? NaN, 0)],
    ],
    [{ name: 'p99 freshness ms', value: p99, limit: 2000, kind: 'max' }],
  )
} finally {
  await broker.stop()
}
