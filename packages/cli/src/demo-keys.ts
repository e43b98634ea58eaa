import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createKeyStore, generateApiKey, type KeyStore } from '@cxpulse/auth'
import { loadKeyFile, saveKeyFile } from './key-file.ts'

/**
 * The local demo's tenant key: created once per data dir, stored hashed in keys.json (the
 * services' key list) and in the clear in demo-key.txt (mode 0600) so `start` can print it
 * again. Keys already in keys.json (made with `cxpulse keys`) are kept; production keys are
 * never stored in the clear.
 */
export async function demoKeys(
  dataDir: string,
  tenantId = 'demo',
): Promise<{ key: string; store: KeyStore; file: string }> {
  await mkdir(dataDir, { recursive: true })
  const listFile = join(dataDir, 'keys.json')
  const keyFile = join(dataDir, 'demo-key.txt')
  const demoId = `${tenantId}-local`
  let entries = await loadKeyFile(listFile)
  let key = existsSync(keyFile) ? (await readFile(keyFile, 'utf8')).trim() : undefined
  if (key === undefined || !entries.some((e) => e.id === demoId)) {
    const generated = generateApiKey()
    key = generated.key
    entries = [
      ...entries.filter((e) => e.id !== demoId),
      { id: demoId, tenant_id: tenantId, hash: generated.hash, scopes: ['ingest', 'query'] },
    ]
    await saveKeyFile(listFile, entries)
    await writeFile(keyFile, key + '\n', { mode: 0o600 })
    await chmod(keyFile, 0o600)
  }
  return { key, store: createKeyStore(entries), file: listFile }
}
