import type { IncomingMessage } from 'node:http'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readBody, type HttpError } from '@cxpulse/http'
import { bodyFormat, parseBody } from './body.ts'

const b = (s: string) => Buffer.from(s)
const fails = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    return e as HttpError
  }
  throw new Error('expected a HttpError')
}

describe('request bodies', () => {
  it('accepts one event, a batch and NDJSON (a bad line rejects only that line)', () => {
    expect(parseBody(b('{"a":1}'), 'json', 10)).toEqual([{ value: { a: 1 } }])
    expect(parseBody(b('\uFEFF{"events":[{"a":1},2]}'), 'json', 10)).toEqual([
      { value: { a: 1 } },
      { value: 2 },
    ])
    const nd = parseBody(b('{"a":1}\n\n{oops\r\n{"b":2}\n'), 'ndjson', 10)
    expect(nd).toHaveLength(3)
    expect(nd[1]).toMatchObject({
      error: { path: '', message: expect.stringMatching(/not valid JSON/) },
    })
  })

  it('maps unparseable, empty and oversized bodies to statuses', () => {
    expect(fails(() => parseBody(b('{'), 'json', 10))).toMatchObject({
      status: 400,
      code: 'invalid_body',
    })
    expect(fails(() => parseBody(b(' '), 'json', 10))).toMatchObject({
      status: 400,
      code: 'empty_body',
    })
    expect(fails(() => parseBody(b('{"events":[]}'), 'json', 10))).toMatchObject({
      status: 400,
      code: 'empty_body',
    })
    expect(fails(() => parseBody(b('{"events":[1],"x":1}'), 'json', 10))).toMatchObject({
      status: 400,
      errors: [{ path: 'x' }],
    })
    expect(fails(() => parseBody(b('{"events":[1,2,3]}'), 'json', 2))).toMatchObject({
      status: 413,
      code: 'too_many_events',
    })
    expect(fails(() => parseBody(b('1\n2\n3'), 'ndjson', 2))).toMatchObject({ status: 413 })
    expect(fails(() => parseBody(Buffer.from([0xc3, 0x28]), 'json', 2))).toMatchObject({
      status: 400,
      message: /UTF-8/,
    })
    expect(fails(() => bodyFormat('text/csv'))).toMatchObject({ status: 415 })
    expect(bodyFormat('application/x-ndjson; charset=utf-8')).toBe('ndjson')
    expect(bodyFormat(undefined)).toBe('json')
  })
})

describe('reading bodies', () => {
  it('turns a client hanging up mid-upload into a 400 HttpError, not an unexpected error', async () => {
    const req = Object.assign(new PassThrough(), { headers: { 'content-length': '100' } })
    const read = readBody(req as unknown as IncomingMessage, 1000)
    req.write('{"event_id":')
    req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
    await expect(read).rejects.toMatchObject({ status: 400, code: 'incomplete_body' })
  })
})
