import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { apiKeyListSchema, type ApiKeyEntry } from '@cxpulse/auth'

/** The services' key list (keys.json); a missing file is an empty list. */
export async function loadKeyFile(file: string): Promise<ApiKeyEntry[]> {
  if (!existsSync(file)) return []
  return apiKeyListSchema.parse(JSON.parse(await readFile(file, 'utf8')))
}

/**
 * Writes the list to a temporary file next to it and renames it over the old one, so a service
 * starting at that moment reads the old list or the new one, never half a file.
 */
export async function saveKeyFile(file: string, entries: ApiKeyEntry[]): Promise<void> {
  const checked = apiKeyListSchema.parse(entries)
  await mkdir(dirname(resolve(file)), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  try {
    await writeFile(tmp, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600 })
    await rename(tmp, file)
  } finally {
    await rm(tmp, { force: true })
  }
}
