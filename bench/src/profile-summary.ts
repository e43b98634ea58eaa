import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * `tsx bench/src/profile-summary.ts <dir> [events]`: self time of every V8 CPU profile in
 * <dir> (one per thread, as `BENCH_CPU_PROF=<dir> pnpm bench e2e` writes them), grouped by
 * where the code lives (a package, a workspace directory, V8's own entries); with the number
 * of events the run handled, also µs per event.
 */
interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string }
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

function component(node: ProfileNode): string {
  const { url, functionName } = node.callFrame
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  const pkg = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (pkg) return pkg[1]!
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0]!
  const ws = /\/((?:packages|services|bench)\/[^/]+)\//.exec(url)
  return ws ? ws[1]! : url
}

const [dir, eventsArg] = process.argv.slice(2)
if (!dir) {
  console.error('usage: tsx bench/src/profile-summary.ts <profile dir> [events]')
  process.exit(2)
}
const events = Number(eventsArg ?? 0)
for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const totals = new Map<string, number>()
  let all = 0
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    all += us
    const c = component(byId.get(id)!)
    totals.set(c, (totals.get(c) ?? 0) + us)
  })
  const busy = all - (totals.get('(idle)') ?? 0)
  console.log(`\n${file}: ${(all / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`)
  for (const [c, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    const perEvent = events > 0 ? `  ${(us / events).toFixed(2)} µs/event` : ''
    console.log(`  ${c.padEnd(34)} ${(us / 1e6).toFixed(2).padStart(7)} s${perEvent}`)
  }
}
