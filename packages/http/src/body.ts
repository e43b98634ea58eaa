import type { IncomingMessage } from 'node:http'
import { HttpError } from './server.ts'

const tooLarge = (maxBytes: number) =>
  new HttpError(413, 'payload_too_large', `body is larger than ${maxBytes} bytes`)

/**
 * Reads a request body of at most `maxBytes`. Every service answers an over-size body the
 * same way: 413 `payload_too_large`, as soon as it is known to be larger (declared or read).
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes)
  if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity') {
    throw new HttpError(415, 'unsupported_media_type', 'compressed bodies are not supported')
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        // Answer now; keep reading and discarding the rest so the client can read the answer
        // (closing mid-upload makes most clients report a reset instead of the 413).
        req.off('data', onData)
        req.resume()
        reject(tooLarge(maxBytes))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks, size)))
    // The client hung up mid-upload: its doing, not a server error (a 4xx outcome, not a 500
    // in the logs and metrics); nobody is left to read the answer.
    req.once('error', () =>
      reject(
        new HttpError(
          400,
          'incomplete_body',
          'the connection closed before the whole body arrived',
        ),
      ),
    )
  })
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes UTF-8 strictly: 400 `invalid_body` for bytes that are not UTF-8. */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body)
  } catch {
    throw new HttpError(400, 'invalid_body', 'body is not valid UTF-8')
  }
}

/** A JSON body ({@link readBody}'s limits): 415 for another content type, 400 for non-JSON. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', 'send Content-Type: application/json')
  }
  const text = decodeUtf8(await readBody(req, maxBytes))
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `the body is not JSON: ${(error as Error).message}`)
  }
}
