import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { stopLocalKafka } from '@cxpulse/local-kafka'
import { waitFor } from '@cxpulse/testkit'
import { BUILT_CLI, ROOT, spawnCli } from './run-cli.ts'

const run = promisify(execFile)
const EVENTS = 40

/**
 * Issue 16: production runs compiled JavaScript, and the SDK is a package others can install.
 * `tsc -b` builds every product package to dist/; `cxpulse start` then runs from
 * packages/cli/dist with nothing of tsx anywhere (no loader flag, no node_modules/.bin on the
 * PATH: Node 20 cannot run a .ts file, so any import that still reached a source would fail);
 * the SDK and the contracts are packed with `pnpm pack`, installed with npm into a project
 * outside the repository, and that project's script sends events the built pipeline counts.
 */
describe('the built output', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  const bare = {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: process.env['HOME'] ?? '/tmp',
  }

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  })

  it('runs cxpulse start from dist without tsx, fed by the packed SDK from outside the repo', async () => {
    // The packed SDK and contracts in a project of its own, installed as a user would.
    const project = await mkdtemp(join(tmpdir(), 'cxpulse-sdk-user-'))
    cleanups.push(() => rm(project, { recursive: true, force: true }))
    for (const pkg of ['contracts', 'sdk']) {
      await run('pnpm', ['pack', '--pack-destination', project], {
        cwd: join(ROOT, 'packages', pkg),
      })
    }
    const tarballs = (await readdir(project)).filter((f) => f.endsWith('.tgz')).sort()
    expect(tarballs).toEqual(['cxpulse-contracts-0.1.0.tgz', 'cxpulse-sdk-0.1.0.tgz'])
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'sdk-user', private: true, type: 'module' }),
    )
    await run('npm', ['install', '--no-audit', '--no-fund', ...tarballs.map((t) => `./${t}`)], {
      cwd: project,
    })

    // The built CLI, as production runs it.
    const dataDir = await mkdtemp(join(tmpdir(), 'cxpulse-built-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    cleanups.push(() => stopLocalKafka(join(dataDir, 'kafka')))
    const args = ['--data-dir', dataDir, '--no-simulate', '--ingest-port', '0', '--query-port', '0']
    const cxpulse = spawnCli(['start', ...args], {
      cli: BUILT_CLI,
      cwd: tmpdir(),
      env: { ...bare, LOG_LEVEL: 'warn' },
    })
    cleanups.push(() => cxpulse.stop())
    const [, key, ingestUrl, queryUrl] = await cxpulse.waitForOutput(
      'cxpulse running',
      /API key \(tenant "demo"\): (\S+)\s+ingest: +POST +(\S+)\/v1\/events\s+query: +GET +(\S+)\/v1\/metrics/,
      90_000,
    )

    // The user's script: the SDK's client and builders, nothing from this repository.
    await writeFile(
      join(project, 'send.mjs'),
      `import { createCxClient, events } from '@cxpulse/sdk'
const client = createCxClient({ url: process.argv[2], apiKey: process.env.CX_KEY })
const batch = Array.from({ length: ${EVENTS} }, (_, i) =>
  events.csat({ customer_id: 'c' + i, score: i % 2 === 0 ? 5 : 2, occurred_at: new Date(Date.now() - 60_000) }))
const result = await client.send(batch)
console.log(JSON.stringify({ accepted: result.accepted.length, rejected: result.rejected.length }))
`,
    )
    const sent = await run(process.execPath, ['send.mjs', ingestUrl!], {
      cwd: project,
      env: { ...bare, CX_KEY: key! },
    })
    expect(JSON.parse(sent.stdout)).toEqual({ accepted: EVENTS, rejected: 0 })

    const csat = async () => {
      const qs = new URLSearchParams({
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      })
      const res = await fetch(`${queryUrl}/v1/metrics/csat?${qs}`, {
        headers: { authorization: `Bearer ${key}` },
      })
      return (await res.json()) as { value: number | null; n: number }
    }
    const counted = await waitFor(
      'events counted',
      async () => {
        const r = await csat()
        return r.n === EVENTS ? r : undefined
      },
      60_000,
    )
    // Half the responses are 5 (positive on 1–5), half are 2.
    expect(counted.value).toBe(50)
    // The dashboard's plain files are served by the built query service too.
    expect((await fetch(`${queryUrl}/`)).status).toBe(200)
    expect((await fetch(`${queryUrl}/dashboard/app.js`)).status).toBe(200)

    expect(await cxpulse.stop()).toBe(0)
    expect(cxpulse.output()).not.toMatch(/tsx|ERR_UNKNOWN_FILE_EXTENSION/)
  }, 240_000)
})
