import type { IncomingMessage } from 'node:http'
import { HttpError } from './server.ts'

/**
 * Reads a JSON request body of at most `maxBytes`: 415 for another content type, 413 when
 * larger (the read stops there), 400 for bytes that are not UTF-8 JSON.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', 'send Content-Type: application/json')
  }
  const declared = Number(req.headers['content-length'])
  if (declared > maxBytes) {
    throw new HttpError(413, 'body_too_large', `body larger than ${maxBytes} bytes`)
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBytes)
        throw new HttpError(413, 'body_too_large', `body larger than ${maxBytes} bytes`)
      chunks.push(chunk)
    }
  } catch (error) {
    if (error instanceof HttpError) throw error
    // The client hung up mid-upload: its doing, not a server error (nobody reads the answer).
    throw new HttpError(
      400,
      'incomplete_body',
      'the connection closed before the whole body arrived',
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    throw new HttpError(400, 'invalid_body', 'the body is not valid UTF-8')
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `the body is not JSON: ${(error as Error).message}`)
  }
}
