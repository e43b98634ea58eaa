import type { IncomingMessage } from 'node:http'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readJsonBody } from './body.ts'

const request = (headers: Record<string, string>) =>
  Object.assign(new PassThrough(), { headers }) as unknown as IncomingMessage & PassThrough

describe('readJsonBody', () => {
  it('reads JSON, and refuses other types, oversized and non-JSON bodies', async () => {
    const ok = request({ 'content-type': 'application/json' })
    ok.end('{"a":1}')
    await expect(readJsonBody(ok, 100)).resolves.toEqual({ a: 1 })
    const big = request({ 'content-type': 'application/json' })
    big.end('x'.repeat(200))
    await expect(readJsonBody(big, 100)).rejects.toMatchObject({
      status: 413,
      code: 'payload_too_large',
    })
    const text = request({ 'content-type': 'text/plain' })
    await expect(readJsonBody(text, 100)).rejects.toMatchObject({ status: 415 })
    const bad = request({ 'content-type': 'application/json' })
    bad.end('{')
    await expect(readJsonBody(bad, 100)).rejects.toMatchObject({ status: 400 })
  })

  it('turns a client hanging up mid-upload into a 400, not an unexpected error', async () => {
    const req = request({ 'content-type': 'application/json', 'content-length': '100' })
    const read = readJsonBody(req, 1000)
    req.write('{"name":')
    req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
    await expect(read).rejects.toMatchObject({ status: 400, code: 'incomplete_body' })
  })
})
