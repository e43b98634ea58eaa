import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createKeyStore, generateApiKey, type ApiKeyEntry, type KeyStore } from '@cxpulse/auth'

/**
 * The local demo's tenant key: created once per data dir, stored hashed in keys.json (the
 * services' key list) and in the clear in demo-key.txt (mode 0600) so `start` can print it
 * again. Production keys come from `cxpulse keys` and are never stored in the clear.
 */
export async function demoKeys(
  dataDir: string,
  tenantId = 'demo',
): Promise<{ key: string; store: KeyStore; file: string }> {
  await mkdir(dataDir, { recursive: true })
  const listFile = join(dataDir, 'keys.json')
  const keyFile = join(dataDir, 'demo-key.txt')
  if (!existsSync(listFile) || !existsSync(keyFile)) {
    const { key, hash } = generateApiKey()
    const entries: ApiKeyEntry[] = [
      { id: `${tenantId}-local`, tenant_id: tenantId, hash, scopes: ['ingest', 'query'] },
    ]
    await writeFile(listFile, JSON.stringify(entries, null, 2) + '\n', { mode: 0o600 })
    await writeFile(keyFile, key + '\n', { mode: 0o600 })
    await chmod(keyFile, 0o600)
  }
  const entries = JSON.parse(await readFile(listFile, 'utf8')) as ApiKeyEntry[]
  const key = (await readFile(keyFile, 'utf8')).trim()
  return { key, store: createKeyStore(entries), file: listFile }
}
