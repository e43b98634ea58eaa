import { describe, expect, it } from 'vitest'
import { toCompactRows } from './client.ts'

describe('toCompactRows', () => {
  it('writes one JSON array per row under the union of the rows’ keys, null where a row lacks one', () => {
    const { columns, body } = toCompactRows([
      { a: 1, b: 'x' },
      { b: 'y\nz', c: null },
    ])
    expect(columns).toEqual(['a', 'b', 'c'])
    expect(body.toString().split('\n')).toEqual(['[1,"x",null]', '[null,"y\\nz",null]'])
  })
})
