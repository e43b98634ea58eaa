import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..')
const CHECKER = join(REPO, 'scripts/check-deps.mjs')

/** Runs the checker on `root`; resolves with its exit code and output, never rejects. */
function check(root: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CHECKER, root], (error, stdout, stderr) => {
      done({ code: error ? Number(error.code) : 0, out: stdout + stderr })
    })
  })
}

type Manifest = { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }
type Project = Manifest & { name: string; files?: Record<string, string> }

/** A small clean workspace: config ← kafka ← ingest ← cli, plus a leaf test/ project. */
function cleanWorkspace(): Record<string, Project> {
  const dep = (...names: string[]) => Object.fromEntries(names.map((n) => [n, 'workspace:*']))
  return {
    'packages/config': { name: '@x/config', files: { 'src/index.ts': 'export const a = 1\n' } },
    'packages/kafka': {
      name: '@x/kafka',
      dependencies: dep('@x/config'),
      files: { 'src/index.ts': "import { a } from '@x/config'\nexport const b = a\n" },
    },
    'services/ingest': {
      name: '@x/ingest',
      dependencies: dep('@x/kafka'),
      files: {
        'src/main.ts': "import { b } from '@x/kafka'\nimport { c } from './local.ts'\n",
        'src/local.ts': 'export const c = 3\n',
      },
    },
    'packages/cli': {
      name: '@x/cli',
      dependencies: dep('@x/ingest'),
      files: { 'src/main.ts': "const m = await import('@x/ingest/main')\n" },
    },
    test: {
      name: '@x/tests',
      devDependencies: dep('@x/cli', '@x/kafka'),
      files: {
        'e2e/a.test.ts': "import '@x/cli'\nexport { b } from '@x/kafka'\n",
      },
    },
  }
}

const roots: string[] = []
afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true })
})

async function writeWorkspace(projects: Record<string, Project>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'check-deps-'))
  roots.push(root)
  await writeFile(
    join(root, 'pnpm-workspace.yaml'),
    "packages:\n  - 'packages/*'\n  - 'services/*'\n  - 'test'\n\nother: 1\n",
  )
  for (const [dir, { files = {}, ...manifest }] of Object.entries(projects)) {
    await mkdir(join(root, dir), { recursive: true })
    await writeFile(join(root, dir, 'package.json'), JSON.stringify(manifest))
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, dir, file)), { recursive: true })
      await writeFile(join(root, dir, file), text)
    }
  }
  return root
}

describe('scripts/check-deps.mjs', () => {
  it('passes the repository itself', async () => {
    const { code, out } = await check(REPO)
    expect(out).toMatch(/^dependency graph ok \(\d+ workspace projects\)/)
    expect(code).toBe(0)
  })

  it('passes a clean fixture workspace and counts its projects', async () => {
    const { code, out } = await check(await writeWorkspace(cleanWorkspace()))
    expect(out.trim()).toBe('dependency graph ok (5 workspace projects)')
    expect(code).toBe(0)
  })

  it('fails on a cycle closed by a devDependency', async () => {
    const ws = cleanWorkspace()
    ws['packages/config']!.devDependencies = { '@x/kafka': 'workspace:*' }
    ws['packages/config']!.files!['src/index.test.ts'] = "import '@x/kafka'\n"
    const { code, out } = await check(await writeWorkspace(ws))
    // Where the walk enters the cycle depends on directory order; either rotation names it.
    expect(out).toMatch(
      /dependency cycle: (@x\/config -> @x\/kafka -> @x\/config|@x\/kafka -> @x\/config -> @x\/kafka)$/m,
    )
    expect(code).toBe(1)
  })

  it('fails when a package imports a service, declared or not', async () => {
    const ws = cleanWorkspace()
    ws['packages/kafka']!.files!['src/extra.ts'] = "import { x } from '@x/ingest'\n"
    const undeclared = await check(await writeWorkspace(ws))
    expect(undeclared.out).toContain(
      "packages/kafka/src/extra.ts: import '@x/ingest' is not declared in packages/kafka/package.json",
    )
    expect(undeclared.code).toBe(1)

    ws['packages/kafka']!.devDependencies = { '@x/ingest': 'workspace:*' }
    const declared = await check(await writeWorkspace(ws))
    expect(declared.out).toContain(
      '@x/kafka (packages/kafka) is a package and depends on the service @x/ingest',
    )
    expect(declared.code).toBe(1)
  })

  it('fails on a relative import into another project', async () => {
    const ws = cleanWorkspace()
    ws.test!.files!['e2e/b.test.ts'] = "import { c } from '../../services/ingest/src/local.ts'\n"
    const { code, out } = await check(await writeWorkspace(ws))
    expect(out).toContain("test/e2e/b.test.ts: import '../../services/ingest/src/local.ts'")
    expect(out).toContain('reaches outside test/')
    expect(code).toBe(1)
  })

  it('fails when anything depends on the test/ leaf, and on a service depending on a service', async () => {
    const ws = cleanWorkspace()
    ws['packages/kafka']!.devDependencies = { '@x/tests': 'workspace:*' }
    ws['packages/kafka']!.files!['src/kafka.test.ts'] = "import '@x/tests'\n"
    ws['services/query'] = {
      name: '@x/query',
      dependencies: { '@x/ingest': 'workspace:*' },
      files: { 'src/main.ts': "import '@x/ingest'\n" },
    }
    const { code, out } = await check(await writeWorkspace(ws))
    expect(out).toContain('@x/kafka (packages/kafka) depends on @x/tests, but test/ is a leaf')
    expect(out).toContain('@x/query (services/query) depends on another service, @x/ingest')
    expect(code).toBe(1)
  })

  it('fails on a declared workspace dependency that nothing imports', async () => {
    const ws = cleanWorkspace()
    ws['services/ingest']!.devDependencies = { '@x/config': 'workspace:*' }
    const { code, out } = await check(await writeWorkspace(ws))
    expect(out.trim()).toBe('@x/ingest (services/ingest) declares @x/config but never imports it')
    expect(code).toBe(1)
  })
})
