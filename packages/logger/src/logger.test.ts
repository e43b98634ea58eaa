import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from './logger.ts'

function capture() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk))
      cb()
    },
  })
  return { lines, destination }
}

describe('createLogger', () => {
  it('redacts secrets at the top level, nested, and in request headers', () => {
    const { lines, destination } = capture()
    const log = createLogger({ name: 'test', destination })
    log.info(
      {
        apiKey: 'cxp_live_secret1',
        kafka: { password: 'hunter2' },
        req: { headers: { authorization: 'Bearer cxp_live_secret2' } },
        tenant: 'acme',
      },
      'hello',
    )
    const out = lines.join('')
    expect(out).not.toContain('secret1')
    expect(out).not.toContain('hunter2')
    expect(out).not.toContain('secret2')
    expect(out).toContain('"tenant":"acme"')
    expect(JSON.parse(out).service).toBe('test')
  })
})
