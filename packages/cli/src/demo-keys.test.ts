import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { generateApiKey } from '@cxpulse/auth'
import { demoKeys } from './demo-keys.ts'
import { loadKeyFile, saveKeyFile } from './key-file.ts'

describe('the demo key', () => {
  let dir = ''
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('is made once and printed again from demo-key.txt', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxp-keys-'))
    const first = await demoKeys(dir)
    const again = await demoKeys(dir)
    expect(again.key).toBe(first.key)
    expect(again.store.authenticate(first.key, 'query')).toMatchObject({
      ok: true,
      tenantId: 'demo',
    })
    expect((await readFile(join(dir, 'demo-key.txt'), 'utf8')).trim()).toBe(first.key)
  })

  it('keeps the keys made with `cxpulse keys create` before the first start', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxp-keys-'))
    const mine = generateApiKey()
    const file = join(dir, 'keys.json')
    await saveKeyFile(file, [
      { id: 'acme-1', tenant_id: 'acme', hash: mine.hash, scopes: ['ingest'] },
    ])
    const demo = await demoKeys(dir)
    expect((await loadKeyFile(file)).map((e) => e.id).sort()).toEqual(['acme-1', 'demo-local'])
    expect(demo.store.authenticate(mine.key, 'ingest')).toMatchObject({
      ok: true,
      tenantId: 'acme',
    })
    expect(demo.store.authenticate(demo.key, 'ingest')).toMatchObject({
      ok: true,
      tenantId: 'demo',
    })
  })
})
