import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { SCOPES, generateApiKey } from '@cxpulse/auth'
import { loadKeyFile, saveKeyFile } from './key-file.ts'

export const keysHelp = `Usage: cxpulse keys <create|list|rotate|revoke> [options]

Manages tenant API keys in the key file the services read (INGEST_API_KEYS_FILE /
QUERY_API_KEYS_FILE; services read it at start, so restart them after a change). Only hashes
are stored; a new key is printed once and cannot be shown again.

  create --tenant T [--scopes ingest,query] [--id ID]   a tenant's first key
  rotate --tenant T                                       a second key with the same scopes;
                                                          revoke the old one once clients use the new
  revoke --id ID                                          remove a key
  list                                                    ids, tenants and scopes

Options:
  --file PATH   the key file (default .data/keys.json)
  -h, --help    this text`

export const keysOptions = {
  file: { type: 'string' },
  tenant: { type: 'string' },
  scopes: { type: 'string' },
  id: { type: 'string' },
} as const

export const keysFlags = z.object({
  _: z.tuple([
    z.enum(['create', 'list', 'rotate', 'revoke'], {
      message: 'expected create, list, rotate or revoke',
    }),
  ]),
  file: z.string().min(1).default('.data/keys.json'),
  tenant: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of [A-Za-z0-9._-]')
    .optional(),
  scopes: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.enum(SCOPES)).min(1))
    .optional(),
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of [A-Za-z0-9._-]')
    .optional(),
})

/** `acme-20261123-0659-3fa2`: when it was made, and unique even for two in one minute. */
const newKeyId = (tenant: string) =>
  `${tenant}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 13).replace('T', '-')}-${randomBytes(2).toString('hex')}`

export async function runKeys(flags: z.output<typeof keysFlags>): Promise<number> {
  const [action] = flags._
  const entries = await loadKeyFile(flags.file)
  const fail = (message: string) => {
    console.error(`cxpulse keys ${action}: ${message}`)
    return 2
  }
  switch (action) {
    case 'list': {
      if (entries.length === 0) console.log(`no keys in ${flags.file}`)
      for (const e of entries)
        console.log(`${e.id.padEnd(32)} ${e.tenant_id.padEnd(20)} ${e.scopes.join(',')}`)
      return 0
    }
    case 'create':
    case 'rotate': {
      if (!flags.tenant) return fail('give --tenant')
      const existing = entries.filter((e) => e.tenant_id === flags.tenant)
      if (action === 'create' && existing.length > 0) {
        return fail(
          `tenant ${flags.tenant} already has a key (${existing[0]!.id}); use "cxpulse keys rotate"`,
        )
      }
      if (action === 'rotate' && existing.length !== 1) {
        return fail(
          existing.length === 0
            ? `tenant ${flags.tenant} has no key to rotate; use "cxpulse keys create"`
            : `tenant ${flags.tenant} already has two keys; revoke the old one first`,
        )
      }
      const id = flags.id ?? newKeyId(flags.tenant)
      if (entries.some((e) => e.id === id)) return fail(`a key with id ${id} exists`)
      const { key, hash } = generateApiKey()
      const scopes = flags.scopes ?? existing[0]?.scopes ?? ['ingest', 'query']
      await saveKeyFile(flags.file, [...entries, { id, tenant_id: flags.tenant, hash, scopes }])
      console.log(`created key ${id} for tenant ${flags.tenant} (${scopes.join(', ')}):\n${key}`)
      console.error('Store it now: it is not kept and cannot be shown again.')
      if (action === 'rotate') {
        console.error(`When clients use the new key: cxpulse keys revoke --id ${existing[0]!.id}`)
      }
      return 0
    }
    case 'revoke': {
      if (!flags.id) return fail('give --id (see "cxpulse keys list")')
      if (!entries.some((e) => e.id === flags.id)) return fail(`no key with id ${flags.id}`)
      await saveKeyFile(
        flags.file,
        entries.filter((e) => e.id !== flags.id),
      )
      console.log(`revoked ${flags.id}`)
      return 0
    }
  }
}
