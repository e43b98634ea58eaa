import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

/**
 * One row of docs/reliability.md: a fault or attack, how it was injected, and what the
 * ledger saw. Tests record rows as they finish; `test/reliability/report.ts` renders them.
 * Nothing here decides a verdict: the test asserts, then records what it asserted.
 */
export const reliabilityRow = z.object({
  /** Stable id, also the file name: one row per case, the newest run wins. */
  id: z.string().regex(/^[a-z0-9-]+$/),
  category: z.enum(['fault', 'security']),
  fault: z.string(),
  injection: z.string(),
  trials: z.number().int().nonnegative(),
  /** Events sent that the system accepted (the ledger), or null where no events are involved. */
  produced: z.number().int().nonnegative().nullable(),
  /** Distinct accepted events found in the aggregates (or refused inputs, for attacks). */
  counted: z.number().int().nonnegative().nullable(),
  lost: z.number().int().nonnegative().nullable(),
  duplicated: z.number().int().nonnegative().nullable(),
  /** 'unverified': the check could not run here (named in notes); never counted as a pass. */
  verdict: z.enum(['pass', 'fail', 'unverified']),
  notes: z.string().default(''),
  test: z.string(),
  recordedAt: z.string(),
})
export type ReliabilityRow = z.output<typeof reliabilityRow>

export const RELIABILITY_RESULTS_DIR = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../.test-results/reliability',
)

export async function recordReliability(
  row: Omit<ReliabilityRow, 'recordedAt' | 'notes'> & { notes?: string },
): Promise<void> {
  const parsed = reliabilityRow.parse({ ...row, recordedAt: new Date().toISOString() })
  await mkdir(RELIABILITY_RESULTS_DIR, { recursive: true })
  await writeFile(
    join(RELIABILITY_RESULTS_DIR, `${parsed.id}.json`),
    `${JSON.stringify(parsed, null, 2)}\n`,
  )
}

export async function readReliabilityRows(
  dir = RELIABILITY_RESULTS_DIR,
): Promise<ReliabilityRow[]> {
  let files: string[]
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()
  } catch {
    return []
  }
  return Promise.all(
    files.map(async (f) => reliabilityRow.parse(JSON.parse(await readFile(join(dir, f), 'utf8')))),
  )
}

/**
 * Ledger comparison: which accepted ids are missing from what was counted, and which ids were
 * counted more than once. `counted` is every id occurrence the aggregates hold.
 */
export function compareLedger(
  accepted: Iterable<string>,
  counted: readonly string[],
): {
  produced: number
  counted: number
  lost: string[]
  duplicated: string[]
  unexpected: string[]
} {
  const want = new Set(accepted)
  const seen = new Map<string, number>()
  for (const id of counted) seen.set(id, (seen.get(id) ?? 0) + 1)
  return {
    produced: want.size,
    counted: seen.size,
    lost: [...want].filter((id) => !seen.has(id)),
    duplicated: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
    unexpected: [...seen.keys()].filter((id) => !want.has(id)),
  }
}
