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
