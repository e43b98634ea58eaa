/**
 * How events travel in a domain topic record (topic format v2).
 *
 * A record's value is one or more enriched events as NDJSON: UTF-8 JSON objects separated by
 * `\n`, none of them containing a raw newline (JSON.stringify never writes one). Ingest writes
 * one record per accepted request and partition, so per-record client and broker costs are
 * shared by every event in it; a record of one event is the same as a v1 record. Every event
 * of a record belongs on that record's partition by its own message key (`messageKey`), so a
 * resent event always meets its first copy on the same partition.
 *
 * An event is identified in Kafka by (topic, partition, record offset, index in the record);
 * dead letters carry the index so one bad line never hides its neighbours.
 */
export const RECORD_FORMAT_HEADER = 'cxpulse-format'
export const RECORD_FORMAT = 'ndjson'

/** The record value for already-serialised events (each one JSON object, no newline). */
export function encodeRecord(events: readonly string[]): string {
  return events.join('\n')
}

/** The events of a record value, in order; blank lines (a trailing newline) are not events. */
export function recordLines(value: string): string[] {
  const lines = value.split('\n')
  let n = 0
  for (const line of lines) if (line.trim() !== '') lines[n++] = line
  lines.length = n
  return lines
}

/**
 * The largest record value ingest writes, in bytes. Brokers refuse a record batch over the
 * topic's `max.message.bytes` (about 1 MiB by default), and kafkajs puts everything it sends to
 * one partition in one call into one batch: half of the limit for values leaves the other half
 * for keys, headers and framing when several records share a batch. Domain topics are created
 * with `max.message.bytes` = 2 × this (topics.ts). An event larger than this on its own still
 * gets a record of its own (the body limit bounds it).
 */
export const MAX_RECORD_BYTES = 512 * 1024

/** An accepted, serialised event on its way into a record. */
export interface RecordEvent {
  /** The event's message key (`messageKey`): decides its partition. */
  key: string
  /** The event as one line of JSON. */
  value: string
  /** UTF-8 length of `value`. */
  bytes: number
}

/** One v2 record, ready for a Kafka producer (the shape of a kafkajs `Message`). */
export interface DomainRecord {
  partition: number
  key: string
  value: string
  headers: { [RECORD_FORMAT_HEADER]: typeof RECORD_FORMAT }
  /** Events in the record. */
  events: number
}

/**
 * Groups events by the partition their own key maps to and packs each group, in order, into
 * records whose value stays within `maxBytes`. Partitions appear in the order of their first
 * event; within a partition the events keep their order across records.
 *
 * The record key is the first event's key: every event of the record maps to the record's
 * partition, so the key maps there too, and a tool that re-produces the record by key (a
 * dead-letter replay) writes it to the partition it came from. The partition is set
 * explicitly, so the key does not choose it.
 */
export function groupRecords(
  events: readonly RecordEvent[],
  partitionOf: (key: string) => number,
  maxBytes: number = MAX_RECORD_BYTES,
): DomainRecord[] {
  const byPartition = new Map<number, RecordEvent[]>()
  for (const event of events) {
    const partition = partitionOf(event.key)
    let group = byPartition.get(partition)
    if (!group) byPartition.set(partition, (group = []))
    group.push(event)
  }
  const records: DomainRecord[] = []
  for (const [partition, group] of byPartition) {
    let lines: string[] = []
    let key = ''
    let size = 0
    const flush = () => {
      records.push({
        partition,
        key,
        value: encodeRecord(lines),
        headers: { [RECORD_FORMAT_HEADER]: RECORD_FORMAT },
        events: lines.length,
      })
    }
    for (const event of group) {
      // +1 for the newline that joins it to the previous line.
      if (lines.length > 0 && size + 1 + event.bytes > maxBytes) {
        flush()
        lines = []
        size = 0
      }
      if (lines.length === 0) {
        key = event.key
        size = event.bytes
      } else size += 1 + event.bytes
      lines.push(event.value)
    }
    if (lines.length > 0) flush()
  }
  return records
}
