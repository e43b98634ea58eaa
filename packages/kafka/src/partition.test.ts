import fc from 'fast-check'
import { Partitioners } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { murmur2, partitionForKey } from './partition.ts'

/** What kafkajs itself would choose for a keyed message without an explicit partition. */
function kafkajsPartition(key: string | Buffer, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner()
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }))
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: null } })
}

describe('partitionForKey', () => {
  it('equals kafkajs DefaultPartitioner on arbitrary unicode keys', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          expect(partitionForKey(key, n)).toBe(kafkajsPartition(key, n))
        },
      ),
      { numRuns: 5000 },
    )
  })

  it('equals kafkajs DefaultPartitioner on byte keys of every length remainder', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 67 }),
        fc.integer({ min: 1, max: 1000 }),
        (bytes, n) => {
          const key = Buffer.from(bytes)
          expect(partitionForKey(key, n)).toBe(kafkajsPartition(key, n))
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('equals kafkajs DefaultPartitioner on keys shaped like messageKey', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9-]{1,20}$/),
        fc.oneof(fc.uuid(), fc.stringMatching(/^(ticket:)?[A-Za-z0-9_.-]{1,40}$/)),
        (tenant, rest) => {
          const key = `${tenant}:${rest}`
          expect(partitionForKey(key, 6)).toBe(kafkajsPartition(key, 6))
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('keeps the partitions of a few fixed keys (kafkajs 2.2.4 values)', () => {
    // Anchors: a kafkajs upgrade that moved keys would fail here as well as above, and moved
    // keys would split a resent event from its first copy.
    const fixed: [string, number, number][] = [
      ['', 275646681, 3],
      ['a', -1563381124, 4],
      ['acme:cust-1', 1766210110, 4],
      ['acme:ticket:T-1', 1644930590, 2],
      ['ünïcødé', 2147241326, 2],
    ]
    for (const [key, hash, partition] of fixed) {
      expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash)
      expect(partitionForKey(key, 6)).toBe(partition)
      expect(kafkajsPartition(key, 6)).toBe(partition)
    }
  })

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionForKey('k', 0)).toThrow(RangeError)
    expect(() => partitionForKey('k', 1.5)).toThrow(RangeError)
  })
})
