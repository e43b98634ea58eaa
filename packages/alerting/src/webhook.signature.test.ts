import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signWebhook, verifyWebhook } from './webhook.signature.ts'

describe('webhook signatures', () => {
  const secret = 'tenant-secret-0123456789'
  const body = '{"alert_id":"a","state":"firing"}'

  it('is HMAC-SHA256 over "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex')
    expect(signWebhook(secret, 1700000000, body)).toBe(`sha256=${expected}`)
  })

  it('verifies, and refuses a changed body, another secret, or an old timestamp', () => {
    const sig = signWebhook(secret, 1700000000, body)
    const h = { timestamp: '1700000000', signature: sig }
    expect(verifyWebhook(secret, h, body, { nowSec: 1700000010 })).toBe(true)
    expect(verifyWebhook(secret, h, `${body} `, { nowSec: 1700000010 })).toBe(false)
    expect(verifyWebhook('another-secret-0123456789', h, body, { nowSec: 1700000010 })).toBe(false)
    expect(verifyWebhook(secret, h, body, { nowSec: 1700009999 })).toBe(false)
    expect(verifyWebhook(secret, { timestamp: undefined, signature: sig }, body)).toBe(false)
  })
})
