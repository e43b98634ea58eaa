import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { queryRows } from './query.ts'
import type { RawTable } from './tables.ts'

/**
 * Settings of every raw insert. The body is the events' own JSON (JSONEachRow, nested
 * `dimensions` mapped to its columns), so the engine parses it and derives every other column.
 */
const RAW_INSERT_SETTINGS = {
  insert_deduplicate: 1,
  input_format_skip_unknown_fields: 1,
  input_format_import_nested_json: 1,
  date_time_input_format: 'best_effort',
} as const

/**
 * Inserts one batch of one partition into its raw table with a deterministic deduplication
 * token: a replay with the same token is dropped by ClickHouse, and the table's aggregate
 * projections are part of the same data part, so they are written — or dropped — with it.
 */
export async function insertRawBatch(
  ch: ClickHouse,
  table: RawTable,
  body: Buffer,
  dedupToken: string,
): Promise<void> {
  await ch.insertJson(table, body, {
    dedupToken,
    settings: {
      ...RAW_INSERT_SETTINGS,
      // A cluster's Distributed tables forward the token only on synchronous inserts.
      ...(ch.mode === 'server' ? { insert_distributed_sync: 1 } : {}),
    },
  })
}

export type ProgressState = 'before' | 'after'

export interface Progress {
  minOffset: bigint
  maxOffset: bigint
  state: ProgressState
}

const progressRow = z.object({
  min_offset: z.coerce.bigint(),
  max_offset: z.coerce.bigint(),
  state: z.enum(['before', 'after']),
})

/** The newest progress of one consumer group on one partition, or undefined for none yet. */
export async function readProgress(
  ch: ClickHouse,
  key: { group: string; topic: string; partition: number },
): Promise<Progress | undefined> {
  const rows = await queryRows(ch, {
    name: 'processor_progress_latest',
    sql: `SELECT
        toString(argMax(min_offset, version)) AS min_offset,
        toString(argMax(max_offset, version)) AS max_offset,
        toString(argMax(state, version)) AS state
      FROM ${ch.table('processor_progress')}
      WHERE consumer_group = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32}
      HAVING count() > 0`,
    params: key,
    row: progressRow,
  })
  const row = rows[0]
  return row
    ? { minOffset: row.min_offset, maxOffset: row.max_offset, state: row.state }
    : undefined
}

/**
 * Records progress. The version only grows with the offsets (2·max, +1 once 'after'), so a
 * consumer that lost the partition and writes late can never hide newer progress.
 */
export async function writeProgress(
  ch: ClickHouse,
  key: { group: string; topic: string; partition: number },
  progress: Progress,
): Promise<void> {
  const version = progress.maxOffset * 2n + (progress.state === 'after' ? 1n : 0n)
  await ch.insert('processor_progress', [
    {
      consumer_group: key.group,
      topic: key.topic,
      partition: key.partition,
      min_offset: progress.minOffset.toString(),
      max_offset: progress.maxOffset.toString(),
      state: progress.state,
      version: version.toString(),
    },
  ])
}

const idRow = z.object({ id: z.string() })

/** An event as the resend lookup knows it: the table's primary key prefix and its id. */
export interface EventKey {
  tenantId: string
  /** occurred_at as epoch milliseconds. */
  occurredMs: number
  eventId: string
}

/**
 * Which of `events` were already counted, by the raw table's key (tenant_id, occurred_at)
 * plus event_id: a resend carries the same event, so the lookup reads only the granules of
 * those instants and its cost stays flat however large the table grows. Rows from this batch's
 * own offset range are excluded — a replayed batch must rebuild exactly its first content, or
 * its token would no longer describe it.
 */
export async function findCountedEventIds(
  ch: ClickHouse,
  table: RawTable,
  params: {
    events: readonly EventKey[]
    topic: string
    partition: number
    minOffset: bigint
    maxOffset: bigint
  },
): Promise<Set<string>> {
  if (params.events.length === 0) return new Set()
  const rows = await queryRows(ch, {
    name: `${table}_counted_event_ids`,
    sql: `SELECT DISTINCT toString(event_id) AS id FROM ${ch.table(table)}
      WHERE (tenant_id, occurred_at) IN (
          SELECT tupleElement(k, 1), fromUnixTimestamp64Milli(tupleElement(k, 2), 'UTC')
          FROM (SELECT arrayJoin(arrayZip({tenants:Array(String)}, {times:Array(Int64)})) AS k))
        AND event_id IN {ids:Array(UUID)}
        AND NOT (kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}
                 AND kafka_offset BETWEEN {minOffset:UInt64} AND {maxOffset:UInt64})`,
    params: {
      tenants: params.events.map((e) => e.tenantId),
      times: params.events.map((e) => e.occurredMs),
      ids: params.events.map((e) => e.eventId),
      topic: params.topic,
      partition: params.partition,
      minOffset: params.minOffset.toString(),
      maxOffset: params.maxOffset.toString(),
    },
    row: idRow,
  })
  return new Set(rows.map((r) => r.id))
}

const positionRow = z.object({ p: z.string() })

/**
 * The (offset, index) positions of one partition range that have rows in a raw table, as
 * `offset:index`: after a replayed batch the processor checks that every event it meant to
 * write is there.
 */
export async function positionsPresent(
  ch: ClickHouse,
  table: RawTable,
  params: { topic: string; partition: number; minOffset: bigint; maxOffset: bigint },
): Promise<Set<string>> {
  const rows = await queryRows(ch, {
    name: `${table}_positions_present`,
    sql: `SELECT DISTINCT concat(toString(kafka_offset), ':', toString(kafka_index)) AS p
      FROM ${ch.table(table)}
      WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}
        AND kafka_offset BETWEEN {minOffset:UInt64} AND {maxOffset:UInt64}`,
    params: {
      topic: params.topic,
      partition: params.partition,
      minOffset: params.minOffset.toString(),
      maxOffset: params.maxOffset.toString(),
    },
    row: positionRow,
  })
  return new Set(rows.map((r) => r.p))
}

/**
 * Rows as events look on a topic (nested `dimensions`, no derived columns) written into a raw
 * table through the processor's own insert: for tools and tests that load data without Kafka.
 */
export async function insertRawRows(
  ch: ClickHouse,
  table: RawTable,
  rows: readonly object[],
  dedupToken: string = randomUUID(),
): Promise<void> {
  if (rows.length === 0) return
  await insertRawBatch(
    ch,
    table,
    Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')),
    dedupToken,
  )
}
