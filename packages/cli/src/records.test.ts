import { describe, expect, it } from 'vitest'
import { csvRecords, ndjsonRecords, parseCsv } from './records.ts'

describe('CSV', () => {
  it('handles quotes, doubled quotes, commas and newlines inside fields, CRLF, and line numbers', () => {
    const rows = parseCsv('a,b\r\n1,"x, ""y""\nz"\n2,plain\n')
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', 'x, "y"\nz'] },
      { line: 4, cells: ['2', 'plain'] },
    ])
  })

  it('ignores a leading byte-order mark', () => {
    expect(parseCsv('\uFEFFid,score\n1,5\n')[0]).toEqual({ line: 1, cells: ['id', 'score'] })
  })

  it('maps dotted columns to nested fields and converts only numeric and boolean fields', () => {
    const [r] = csvRecords(
      'type,customer_id,score,dimensions.channel,complaint,comment\nsurvey.response,007,4,chat,true,\n',
    )
    expect(r).toEqual({
      line: 2,
      value: {
        type: 'survey.response',
        customer_id: '007',
        score: 4,
        dimensions: { channel: 'chat' },
        complaint: true,
      },
    })
  })

  it('reports a ragged row instead of guessing', () => {
    expect(csvRecords('a,b\n1\n')[0]).toMatchObject({
      line: 2,
      error: 'expected 2 columns, found 1',
    })
  })
})

describe('NDJSON and ids', () => {
  it('keeps line numbers and reports lines that are not JSON', () => {
    const out = ndjsonRecords('{"a":1}\n\n{bad\n')
    expect(out[0]).toEqual({ line: 1, value: { a: 1 } })
    expect(out[1]).toMatchObject({ line: 3, value: null })
    expect(out[1]?.error).toMatch(/^not JSON/)
  })
})
