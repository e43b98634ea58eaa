import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { queryRows } from './query.ts'

/** Raw tables the processor writes; rollups follow through materialized views. */
export const RAW_TABLES = [
  'survey_responses',
  'ticket_events',
  'customer_events',
  'purchases',
  'qa_reviews',
] as const
export type RawTable = (typeof RAW_TABLES)[number]

/**
 * Inserts one batch's rows into a raw table with a deterministic deduplication token.
 * `deduplicate_blocks_in_dependent_materialized_views = 1` matters: ClickHouse still pushes
 * a block the raw table dropped as a duplicate into its materialized views, so each rollup
 * checks the (derived) token itself instead of counting the replay a second time.
 */
export async function insertRawBatch(
  ch: ClickHouse,
  table: RawTable,
  rows: readonly object[],
  dedupToken: string,
): Promise<void> {
  await ch.insert(table, rows, {
    dedupToken,
    settings: {
      insert_deduplicate: 1,
      deduplicate_blocks_in_dependent_materialized_views: 1,
      // A cluster's Distributed tables forward the token only on synchronous inserts.
      ...(ch.mode === 'server' ? { insert_distributed_sync: 1 } : {}),
      // JSON rows carry RFC 3339 timestamps.
      date_time_input_format: 'best_effort',
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

/**
 * Which of `eventIds` were already counted: rows of `table` received since `since`
 * (the client-resend deduplication window) that did not come from this batch's own offset
 * range — a replayed batch must rebuild exactly its first content, or its token would no
 * longer describe it.
 */
export async function findCountedEventIds(
  ch: ClickHouse,
  table: RawTable,
  params: {
    eventIds: readonly string[]
    since: Date
    topic: string
    partition: number
    minOffset: bigint
    maxOffset: bigint
  },
): Promise<Set<string>> {
  if (params.eventIds.length === 0) return new Set()
  const rows = await queryRows(ch, {
    name: `${table}_counted_event_ids`,
    sql: `SELECT DISTINCT toString(event_id) AS id FROM ${ch.table(table)}
      WHERE event_id IN {ids:Array(UUID)}
        AND received_at >= {since:DateTime64(3, 'UTC')}
        AND NOT (kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}
                 AND kafka_offset BETWEEN {minOffset:UInt64} AND {maxOffset:UInt64})`,
    params: {
      ids: params.eventIds,
      since: params.since.toISOString().replace('T', ' ').replace('Z', ''),
      topic: params.topic,
      partition: params.partition,
      minOffset: params.minOffset.toString(),
      maxOffset: params.maxOffset.toString(),
    },
    row: idRow,
  })
  return new Set(rows.map((r) => r.id))
}

const offsetRow = z.object({ o: z.string() })

/**
 * Offsets of one partition range that have rows in a raw table: after a replayed batch the
 * processor checks that every row it meant to write is there.
 */
export async function offsetsPresent(
  ch: ClickHouse,
  table: RawTable,
  params: { topic: string; partition: number; minOffset: bigint; maxOffset: bigint },
): Promise<Set<string>> {
  const rows = await queryRows(ch, {
    name: `${table}_offsets_present`,
    sql: `SELECT DISTINCT toString(kafka_offset) AS o FROM ${ch.table(table)}
      WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:UInt32}
        AND kafka_offset BETWEEN {minOffset:UInt64} AND {maxOffset:UInt64}`,
    params: {
      topic: params.topic,
      partition: params.partition,
      minOffset: params.minOffset.toString(),
      maxOffset: params.maxOffset.toString(),
    },
    row: offsetRow,
  })
  return new Set(rows.map((r) => r.o))
}
