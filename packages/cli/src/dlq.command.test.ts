import { describe, expect, it } from 'vitest'
import {
  buildDeadLetter,
  encodeRecord,
  RECORD_FORMAT,
  RECORD_FORMAT_HEADER,
  recordLines,
} from '@cxpulse/contracts'
import { replayMessage } from './dlq.command.ts'

describe('dlq replay record', () => {
  const common = {
    reason: 'processing_failed',
    errors: [{ path: '', message: 'simulated' }],
    topic: 'p.surveys.v2',
    partition: 4,
    offset: '12',
    key: Buffer.from('acme:c1'),
    at: new Date(0),
  }

  it('replays one line of a multi-event record as a v2 record of that one event', () => {
    const lines = ['{"event_id":"a","n":1}', '{"event_id":"b","n":2}', '{"event_id":"c","n":3}']
    const record = encodeRecord(lines)
    // The processor dead-letters a line of a several-event record with its index and text.
    const letter = buildDeadLetter({ ...common, index: 1, value: recordLines(record)[1]! })
    const m = replayMessage(letter)
    expect(recordLines(m.value.toString('utf8'))).toEqual([lines[1]])
    expect(m.headers).toEqual({ [RECORD_FORMAT_HEADER]: RECORD_FORMAT })
    // The original record key: the replay lands on the partition of the first copy.
    expect(m.key).toBe('acme:c1')
  })

  it('replays a whole-record letter byte for byte', () => {
    const raw = Buffer.from([0x7b, 0xff, 0x7d, 0x0a, 0x7b, 0x7d])
    const m = replayMessage(buildDeadLetter({ ...common, reason: 'invalid_encoding', value: raw }))
    expect(m.value.equals(raw)).toBe(true)
    expect(replayMessage(buildDeadLetter({ ...common, key: null, value: '{}' })).key).toBeNull()
  })
})
