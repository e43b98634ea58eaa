import { describe, expect, it } from 'vitest'
import {
  encodeRecord,
  groupRecords,
  MAX_RECORD_BYTES,
  RECORD_FORMAT,
  RECORD_FORMAT_HEADER,
  recordLines,
  type RecordEvent,
} from './records.ts'

const event = (key: string, n: number, pad = 0): RecordEvent => {
  const value = JSON.stringify({ key, n, pad: 'x'.repeat(pad) })
  return { key, value, bytes: Buffer.byteLength(value) }
}
/** A stand-in partitioner: the partition is the key's first character. */
const byFirstChar = (key: string) => Number(key[0])

describe('groupRecords', () => {
  it('writes one record per partition, in order of first appearance, events in order', () => {
    const events = [event('1a', 0), event('2b', 1), event('1c', 2), event('3d', 3), event('2e', 4)]
    const records = groupRecords(events, byFirstChar)
    expect(records.map((r) => [r.partition, r.key, r.events])).toEqual([
      [1, '1a', 2],
      [2, '2b', 2],
      [3, '3d', 1],
    ])
    expect(records.map((r) => recordLines(r.value).map((l) => JSON.parse(l).n))).toEqual([
      [0, 2],
      [1, 4],
      [3],
    ])
    for (const r of records) expect(r.headers).toEqual({ [RECORD_FORMAT_HEADER]: RECORD_FORMAT })
    // A record of one event is exactly the event (the same as a v1 record).
    expect(records[2]?.value).toBe(events[3]?.value)
  })

  it('splits a partition group so every value stays within the limit, keeping order', () => {
    const events = Array.from({ length: 50 }, (_, n) => event('1k', n, 90 + (n % 7) * 13))
    const max = 700
    const records = groupRecords(events, byFirstChar, max)
    expect(records.length).toBeGreaterThan(1)
    for (const r of records) {
      expect(Buffer.byteLength(r.value)).toBeLessThanOrEqual(max)
      expect(r.partition).toBe(1)
    }
    const lines = records.flatMap((r) => recordLines(r.value))
    expect(lines).toEqual(events.map((e) => e.value))
    expect(records.reduce((n, r) => n + r.events, 0)).toBe(50)
    // Packed, not one event per record: each record but the last could not take the next event.
    for (let i = 0; i < records.length - 1; i++) {
      const next = lines[records.slice(0, i + 1).reduce((n, r) => n + r.events, 0)]!
      expect(Buffer.byteLength(records[i]!.value) + 1 + Buffer.byteLength(next)).toBeGreaterThan(
        max,
      )
    }
  })

  it('fills a record exactly to the limit, newlines counted', () => {
    const a = event('1', 0)
    const b = { ...a, value: a.value.replace('0', '1') }
    const exact = a.bytes + 1 + b.bytes
    expect(groupRecords([a, b], byFirstChar, exact)).toHaveLength(1)
    expect(groupRecords([a, b], byFirstChar, exact - 1)).toHaveLength(2)
  })

  it('gives an event larger than the limit a record of its own', () => {
    const big = event('1', 1, 2000)
    const records = groupRecords([event('1', 0), big, event('1', 2)], byFirstChar, 1000)
    expect(records.map((r) => r.events)).toEqual([1, 1, 1])
    expect(records[1]?.value).toBe(big.value)
  })

  it('keys each record by its first event and counts UTF-8 bytes, not characters', () => {
    const wide = event('1é', 0, 0)
    const value = JSON.stringify({ s: 'é'.repeat(300) })
    const records = groupRecords(
      [wide, { key: '1z', value, bytes: Buffer.byteLength(value) }, wide],
      byFirstChar,
      660,
    )
    // 668 bytes in all (368 characters): two records.
    expect(records.map((r) => r.key)).toEqual(['1é', '1é'])
    expect(records.map((r) => r.events)).toEqual([2, 1])
    expect(records.every((r) => Buffer.byteLength(r.value) <= 660)).toBe(true)
  })

  it('has a limit well under the broker default of about 1 MiB', () => {
    expect(MAX_RECORD_BYTES).toBe(512 * 1024)
    expect(encodeRecord([])).toBe('')
    expect(groupRecords([], byFirstChar)).toEqual([])
  })
})
