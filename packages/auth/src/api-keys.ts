import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'

/** What a key may do. The query service checks `query`, ingest checks `ingest`. */
export const SCOPES = ['ingest', 'query'] as const
export type Scope = (typeof SCOPES)[number]

/** Keys are `cxp_` + 43 base64url characters (256 random bits): too strong to need a slow hash. */
const KEY_PATTERN = /^cxp_[A-Za-z0-9_-]{43}$/
const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/

/** Two keys per tenant: the current one and its replacement while clients move over. */
export const MAX_KEYS_PER_TENANT = 2

export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`
}

/** A new random key and the hash to store. Show the key once; store only the hash. */
export function generateApiKey(): { key: string; hash: string } {
  const key = `cxp_${randomBytes(32).toString('base64url')}`
  return { key, hash: hashApiKey(key) }
}

export const apiKeyEntrySchema = z.strictObject({
  /** A name for logs and audits (never the key): e.g. `acme-2026-11`. */
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1-64 of [A-Za-z0-9._-]' }),
  tenant_id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1-64 of [A-Za-z0-9._-]' }),
  hash: z.string().regex(HASH_PATTERN, { error: 'must be "sha256:" + 64 lower-case hex digits' }),
  scopes: z.array(z.enum(SCOPES)).min(1).default(['ingest']),
})
export type ApiKeyEntry = z.output<typeof apiKeyEntrySchema>

export const apiKeyListSchema = z.array(apiKeyEntrySchema).superRefine((entries, ctx) => {
  const perTenant = new Map<string, number>()
  const ids = new Set<string>()
  const hashes = new Set<string>()
  entries.forEach((e, i) => {
    perTenant.set(e.tenant_id, (perTenant.get(e.tenant_id) ?? 0) + 1)
    if (perTenant.get(e.tenant_id) === MAX_KEYS_PER_TENANT + 1) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'tenant_id'],
        message: `tenant ${e.tenant_id} has more than ${MAX_KEYS_PER_TENANT} keys (one current, one for rotation)`,
      })
    }
    if (ids.has(e.id))
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: 'duplicate key id' })
    if (hashes.has(e.hash))
      ctx.addIssue({ code: 'custom', path: [i, 'hash'], message: 'duplicate key hash' })
    ids.add(e.id)
    hashes.add(e.hash)
  })
})

export class ApiKeyConfigError extends Error {
  override name = 'ApiKeyConfigError'
}

export type AuthResult =
  | { ok: true; tenantId: string; keyId: string; scopes: readonly Scope[] }
  | { ok: false; status: 401; reason: 'missing_key' | 'malformed_key' | 'unknown_key' }
  | { ok: false; status: 403; reason: 'scope'; tenantId: string; keyId: string }

export interface KeyStore {
  /** Checks a presented key (the raw secret). `scope` is what the caller wants to do. */
  authenticate(key: string | undefined, scope: Scope): AuthResult
  /** Checks an `Authorization` header value (`Bearer <key>`). */
  authenticateHeader(header: string | undefined, scope: Scope): AuthResult
  readonly size: number
}

export function createKeyStore(entries: readonly ApiKeyEntry[]): KeyStore {
  const parsed = apiKeyListSchema.safeParse(entries)
  if (!parsed.success) {
    throw new ApiKeyConfigError(
      `invalid API key list: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )
  }
  const stored = parsed.data.map((e) => ({ entry: e, digest: Buffer.from(e.hash.slice(7), 'hex') }))

  function authenticate(key: string | undefined, scope: Scope): AuthResult {
    if (key === undefined || key === '') return { ok: false, status: 401, reason: 'missing_key' }
    if (!KEY_PATTERN.test(key)) return { ok: false, status: 401, reason: 'malformed_key' }
    const digest = createHash('sha256').update(key, 'utf8').digest()
    // Compare against every stored hash without stopping early, so timing says nothing about
    // which (or whether a) key matched.
    let match: ApiKeyEntry | undefined
    for (const s of stored) {
      if (timingSafeEqual(digest, s.digest) && match === undefined) match = s.entry
    }
    if (!match) return { ok: false, status: 401, reason: 'unknown_key' }
    if (!match.scopes.includes(scope)) {
      return { ok: false, status: 403, reason: 'scope', tenantId: match.tenant_id, keyId: match.id }
    }
    return { ok: true, tenantId: match.tenant_id, keyId: match.id, scopes: match.scopes }
  }

  return {
    authenticate,
    authenticateHeader(header, scope) {
      if (header === undefined || header.trim() === '') {
        return { ok: false, status: 401, reason: 'missing_key' }
      }
      const m = /^Bearer +(\S+)\s*$/i.exec(header)
      if (!m) return { ok: false, status: 401, reason: 'malformed_key' }
      return authenticate(m[1], scope)
    },
    size: stored.length,
  }
}

/**
 * Loads the key list from inline JSON (an env variable's value) and/or a JSON file; entries
 * from both are combined. The file may be replaced to rotate keys; reload by calling again.
 */
export async function loadKeyStore(source: { json?: string; file?: string }): Promise<KeyStore> {
  const entries: unknown[] = []
  const read = (text: string, where: string) => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      throw new ApiKeyConfigError(`${where}: not valid JSON (${(error as Error).message})`)
    }
    if (!Array.isArray(value))
      throw new ApiKeyConfigError(`${where}: expected a JSON array of keys`)
    entries.push(...value)
  }
  if (source.json) read(source.json, 'inline API key list')
  if (source.file) read(await readFile(source.file, 'utf8'), `API key file ${source.file}`)
  if (entries.length === 0) throw new ApiKeyConfigError('no API keys configured')
  return createKeyStore(entries as ApiKeyEntry[])
}
