import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createKeyStore, generateApiKey, hashApiKey, loadKeyStore } from './api-keys.ts'

describe('API keys', () => {
  const a1 = generateApiKey()
  const a2 = generateApiKey()
  const b = generateApiKey()
  const reader = generateApiKey()
  const store = createKeyStore([
    { id: 'acme-old', tenant_id: 'acme', hash: a1.hash, scopes: ['ingest'] },
    { id: 'acme-new', tenant_id: 'acme', hash: a2.hash, scopes: ['ingest', 'query'] },
    { id: 'globex', tenant_id: 'globex', hash: b.hash, scopes: ['ingest'] },
    { id: 'globex-read', tenant_id: 'globex', hash: reader.hash, scopes: ['query'] },
  ])

  it('generates distinct high-entropy keys whose hash is what is stored', () => {
    expect(a1.key).toMatch(/^cxp_[A-Za-z0-9_-]{43}$/)
    expect(a1.key).not.toBe(a2.key)
    expect(a1.hash).toBe(hashApiKey(a1.key))
    expect(a1.hash).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(a1.hash).not.toContain(a1.key.slice(4))
  })

  it('maps each key to exactly its tenant; both rotation keys work', () => {
    expect(store.authenticate(a1.key, 'ingest')).toMatchObject({
      ok: true,
      tenantId: 'acme',
      keyId: 'acme-old',
    })
    expect(store.authenticate(a2.key, 'ingest')).toMatchObject({
      ok: true,
      tenantId: 'acme',
      keyId: 'acme-new',
    })
    expect(store.authenticateHeader(`Bearer ${b.key}`, 'ingest')).toMatchObject({
      ok: true,
      tenantId: 'globex',
    })
  })

  it('answers 401 for missing, malformed and unknown keys and 403 for a key without the scope', () => {
    expect(store.authenticateHeader(undefined, 'ingest')).toMatchObject({
      status: 401,
      reason: 'missing_key',
    })
    expect(store.authenticateHeader(`Basic ${a1.key}`, 'ingest')).toMatchObject({
      status: 401,
      reason: 'malformed_key',
    })
    expect(store.authenticate('cxp_short', 'ingest')).toMatchObject({
      status: 401,
      reason: 'malformed_key',
    })
    expect(store.authenticate(generateApiKey().key, 'ingest')).toMatchObject({
      status: 401,
      reason: 'unknown_key',
    })
    expect(store.authenticate(a1.hash, 'ingest')).toMatchObject({ status: 401 })
    expect(store.authenticate(reader.key, 'ingest')).toMatchObject({
      status: 403,
      reason: 'scope',
      tenantId: 'globex',
    })
    expect(store.authenticate(a1.key, 'query')).toMatchObject({ status: 403 })
  })

  it('refuses more than two keys per tenant and duplicate ids', () => {
    const k = () => generateApiKey().hash
    expect(() =>
      createKeyStore([
        { id: 'x1', tenant_id: 'x', hash: k(), scopes: ['ingest'] },
        { id: 'x2', tenant_id: 'x', hash: k(), scopes: ['ingest'] },
        { id: 'x3', tenant_id: 'x', hash: k(), scopes: ['ingest'] },
      ]),
    ).toThrow(/more than 2 keys/)
    expect(() =>
      createKeyStore([
        { id: 'x1', tenant_id: 'x', hash: k(), scopes: ['ingest'] },
        { id: 'x1', tenant_id: 'y', hash: k(), scopes: ['ingest'] },
      ]),
    ).toThrow(/duplicate key id/)
  })

  it('loads from inline JSON and a file together, never echoing hashes in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cxp-keys-'))
    const file = join(dir, 'keys.json')
    writeFileSync(file, JSON.stringify([{ id: 'f', tenant_id: 'filetenant', hash: b.hash }]))
    const loaded = await loadKeyStore({
      json: JSON.stringify([{ id: 'e', tenant_id: 'envtenant', hash: a1.hash }]),
      file,
    })
    expect(loaded.size).toBe(2)
    expect(loaded.authenticate(b.key, 'ingest')).toMatchObject({ ok: true, tenantId: 'filetenant' })
    expect(loaded.authenticate(a1.key, 'ingest')).toMatchObject({ ok: true, tenantId: 'envtenant' })
    await expect(loadKeyStore({ json: '{' })).rejects.toThrow(/not valid JSON/)
    await expect(loadKeyStore({})).rejects.toThrow(/no API keys/)
    await expect(
      loadKeyStore({ json: JSON.stringify([{ id: 'e', tenant_id: 't', hash: 'md5:x' }]) }),
    ).rejects.toThrow(/0.hash/)
  })
})
