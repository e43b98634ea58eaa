import type { FieldError } from '@cxpulse/contracts'

/**
 * ClickHouse error codes that mean "this data is wrong", so retrying the same block can never
 * succeed: parse failures of a value (6 CANNOT_PARSE_TEXT, 26/27 parse assertions, 32 cut
 * input, 38/41 dates, 53 TYPE_MISMATCH, 69 out of bound, 70 conversion, 72 numbers, 117
 * INCORRECT_DATA, 131 string too large, 376 UUID) and 469 VIOLATED_CONSTRAINT (the tables'
 * guards, 0005_projections.sql). Anything else (the engine or the network failing) is retried.
 */
const DATA_ERRORS = new Set([6, 26, 27, 32, 38, 41, 53, 69, 70, 72, 117, 131, 376, 469])

/** The first line of a ClickHouse error, without the engine's internals (table UUIDs). */
function summary(message: string): string {
  return (message.split('\n')[0] ?? '')
    .replace(/^Code: \d+\. DB::Exception: /, '')
    .replace(/ \([0-9a-f-]{36}\)/g, '')
    .slice(0, 500)
}

/**
 * When the engine refused a block for its data, the field errors of a dead letter (a violated
 * constraint is named after the field it guards); undefined for errors worth retrying.
 */
export function engineRejection(error: unknown): FieldError[] | undefined {
  const message = error instanceof Error ? error.message : String(error)
  const code = Number(/Code: (\d+)\./.exec(message)?.[1] ?? (error as { code?: unknown }).code)
  if (!DATA_ERRORS.has(code)) return undefined
  const constraint = /Constraint `(\w+)`/.exec(message)?.[1]
  const key = /while reading the value of key ([\w.]+)/.exec(message)?.[1]
  return [{ path: constraint ?? key ?? '', message: `refused by ClickHouse: ${summary(message)}` }]
}

/**
 * Writes `items` with `insert`, and when the engine refuses them for their data, splits them in
 * halves until each refused item stands alone: those are returned, every other item is
 * written. Tokens are derived from the positions in the list, so a replay of the same batch
 * takes the same steps with the same tokens and ClickHouse drops what already landed.
 * Errors worth retrying are thrown.
 */
export async function writeSplittingRefused<T>(
  items: readonly T[],
  token: string,
  insert: (items: readonly T[], token: string) => Promise<void>,
): Promise<{ item: T; errors: FieldError[] }[]> {
  if (items.length === 0) return []
  try {
    await insert(items, token)
    return []
  } catch (error) {
    const errors = engineRejection(error)
    if (!errors) throw error
    const [first] = items
    if (items.length === 1 && first !== undefined) return [{ item: first, errors }]
    const mid = Math.ceil(items.length / 2)
    return [
      ...(await writeSplittingRefused(items.slice(0, mid), `${token}/a`, insert)),
      ...(await writeSplittingRefused(items.slice(mid), `${token}/b`, insert)),
    ]
  }
}
