import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { queryRows } from './query.ts'
import { RAW_TABLES } from './tables.ts'

/**
 * The newest `occurred_at` counted for one tenant across every raw table (null when it has no
 * rows): what the dashboard's freshness line calls "data up to". Each table is ordered by
 * (tenant_id, occurred_at), so this reads one granule per table.
 */
export async function queryNewestEventTime(ch: ClickHouse, tenantId: string): Promise<Date | null> {
  const parts = RAW_TABLES.map(
    (t) =>
      `SELECT maxOrNull(occurred_at) AS t FROM ${ch.table(t)} WHERE tenant_id = {tenant:String}`,
  )
  const [row] = await queryRows(ch, {
    name: 'newest_event_time',
    sql: `SELECT toUnixTimestamp64Milli(max(t)) AS ms FROM (${parts.join(' UNION ALL ')})`,
    params: { tenant: tenantId },
    row: z.object({ ms: z.coerce.number().nullable() }),
  })
  return row?.ms === null || row?.ms === undefined ? null : new Date(row.ms)
}
