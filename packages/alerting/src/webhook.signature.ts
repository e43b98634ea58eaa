import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Webhook bodies are signed with the tenant's secret: HMAC-SHA256 over
 * `<unix seconds>.<raw body>`, sent as `x-cxpulse-timestamp` and
 * `x-cxpulse-signature: sha256=<hex>`. The timestamp in the signed text stops a captured
 * request from being replayed later.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/** For receivers: true when the signature matches and the timestamp is within `toleranceSec`. */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  options: { nowSec?: number; toleranceSec?: number } = {},
): boolean {
  const ts = Number(headers.timestamp)
  if (!Number.isInteger(ts) || !headers.signature) return false
  const now = options.nowSec ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - ts) > (options.toleranceSec ?? 300)) return false
  const want = Buffer.from(signWebhook(secret, ts, body))
  const got = Buffer.from(headers.signature)
  return want.length === got.length && timingSafeEqual(want, got)
}
