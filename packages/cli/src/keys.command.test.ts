import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createKeyStore, hashApiKey } from '@cxpulse/auth'
import { keysFlags, runKeys } from './keys.command.ts'

describe('cxpulse keys', () => {
  let dir: string
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  async function keys(...args: string[]) {
    const [action, ...rest] = args
    const flags: Record<string, unknown> = { _: [action] }
    for (let i = 0; i < rest.length; i += 2) flags[rest[i]!.slice(2)] = rest[i + 1]
    const out: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m))
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      const code = await runKeys(keysFlags.parse(flags))
      return { code, out: out.join('\n') }
    } finally {
      log.mockRestore()
      err.mockRestore()
    }
  }

  it('creates, rotates and revokes; stores only hashes; the new key authenticates', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxpulse-keys-'))
    // A data dir that does not exist yet, as on a fresh machine.
    const file = join(dir, '.data', 'keys.json')
    const created = await keys('create', '--tenant', 'acme', '--scopes', 'ingest', '--file', file)
    expect(created.code).toBe(0)
    expect(created.out).toMatch(/cxp_/)
    const first = /cxp_\S+/.exec(created.out)![0]
    const stored = await readFile(file, 'utf8')
    expect(stored).not.toContain(first)
    expect(stored).toContain(hashApiKey(first))
    expect((await stat(file)).mode & 0o777).toBe(0o600)

    expect((await keys('create', '--tenant', 'acme', '--file', file)).code).toBe(2)
    const rotated = await keys('rotate', '--tenant', 'acme', '--file', file)
    const second = /cxp_\S+/.exec(rotated.out)![0]
    const entries = JSON.parse(await readFile(file, 'utf8')) as { id: string; scopes: string[] }[]
    expect(entries).toHaveLength(2)
    expect(entries[1]!.scopes).toEqual(['ingest'])
    const store = createKeyStore(JSON.parse(await readFile(file, 'utf8')))
    expect(store.authenticateHeader(`Bearer ${second}`, 'ingest')).toMatchObject({
      ok: true,
      tenantId: 'acme',
    })
    expect(store.authenticateHeader(`Bearer ${second}`, 'query')).toMatchObject({ ok: false })

    expect((await keys('rotate', '--tenant', 'acme', '--file', file)).code).toBe(2)
    expect((await keys('revoke', '--id', entries[0]!.id, '--file', file)).code).toBe(0)
    const after = createKeyStore(JSON.parse(await readFile(file, 'utf8')))
    expect(after.authenticateHeader(`Bearer ${first}`, 'ingest')).toMatchObject({ ok: false })
    expect(after.authenticateHeader(`Bearer ${second}`, 'ingest')).toMatchObject({ ok: true })
    const listed = (await keys('list', '--file', file)).out
    expect(listed).toContain(entries[1]!.id)
    expect(listed).not.toContain('cxp_')
    // Written by rename: no temporary file stays behind.
    expect(await readdir(join(dir, '.data'))).toEqual(['keys.json'])
    expect((await keys('revoke', '--id', 'nope', '--file', file)).code).toBe(2)
  })

  it('names a bad action or scope', () => {
    expect(keysFlags.safeParse({ _: ['delete'] }).error?.issues[0]?.message).toMatch(/create, list/)
    expect(keysFlags.safeParse({ _: ['create'], scopes: 'ingest,admin' }).success).toBe(false)
  })
})
