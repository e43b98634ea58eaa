import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifyWebhook } from '@cxpulse/alerting'

/** One webhook delivery as the receiver saw it: its JSON body and whether the signature held. */
export interface ReceivedWebhook<B> {
  body: B
  valid: boolean
}

/**
 * A local webhook receiver for alert tests: checks each delivery's signature with `secret`,
 * answers 204 (or 401 for a bad signature) and keeps what arrived, in order.
 */
export async function startWebhookReceiver<B>(secret: string) {
  const received: ReceivedWebhook<B>[] = []
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')))
    req.on('end', () => {
      const valid = verifyWebhook(
        secret,
        {
          timestamp: req.headers['x-cxpulse-timestamp'] as string | undefined,
          signature: req.headers['x-cxpulse-signature'] as string | undefined,
        },
        raw,
      )
      received.push({ body: JSON.parse(raw) as B, valid })
      res.writeHead(valid ? 204 : 401).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
