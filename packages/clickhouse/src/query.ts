import type { z } from 'zod'
import type { ClickHouse } from './client.ts'

/** A query with a name (for logs and errors), bound parameters, and a schema for its rows. */
export interface NamedQuery<R extends z.ZodType> {
  name: string
  sql: string
  params?: Record<string, unknown>
  row: R
}

/**
 * Runs a parameterized query and validates every row. Values are always bound with
 * `{name:Type}` placeholders, never spliced into the SQL text.
 */
export async function queryRows<R extends z.ZodType>(
  ch: ClickHouse,
  q: NamedQuery<R>,
): Promise<z.output<R>[]> {
  let raw: unknown[]
  try {
    const rs = await ch.client.query({
      query: q.sql,
      format: 'JSONEachRow',
      ...(q.params ? { query_params: q.params } : {}),
    })
    raw = await rs.json()
  } catch (error) {
    throw new Error(`ClickHouse query "${q.name}" failed: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return raw.map((r, i) => {
    const parsed = q.row.safeParse(r)
    if (!parsed.success) {
      throw new Error(
        `ClickHouse query "${q.name}" returned an unexpected row ${i}: ${parsed.error.message}`,
      )
    }
    return parsed.data
  })
}
