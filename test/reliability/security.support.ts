import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { createLogger, type Logger } from '@cxpulse/logger'

/**
 * Helpers shared by the security cases (test/reliability/security.*.integration.test.ts).
 */

export const LONG = process.env['CXPULSE_RELIABILITY_LONG'] === '1'

/** A logger whose lines are kept in memory, so a test can search what the services logged. */
export function capturingLogger(
  name: string,
  level = 'debug',
): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const logger = createLogger({
    name,
    level,
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'))
        done()
      },
    }),
  })
  return { logger, lines }
}

/** Counts outcomes by a label ("202", "400", "dropped"…), for the report's notes. */
export class Tally {
  readonly counts = new Map<string, number>()
  add(label: string | number) {
    const k = String(label)
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1)
  }
  get total() {
    return [...this.counts.values()].reduce((a, b) => a + b, 0)
  }
  count(pred: (label: string) => boolean) {
    return [...this.counts].filter(([k]) => pred(k)).reduce((a, [, n]) => a + n, 0)
  }
  toString() {
    return [...this.counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k}×${n}`)
      .join(', ')
  }
}

/**
 * Sends raw bytes to a server and returns the status of the first response line, or how the
 * connection ended without one ('closed' / 'timeout'). For requests fetch refuses to build.
 */
export function rawRequest(
  url: string,
  bytes: Buffer | string,
  opts: { halfClose?: boolean; timeoutMs?: number } = {},
): Promise<number | 'closed' | 'timeout'> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true })
    let data = ''
    const done = (v: number | 'closed' | 'timeout') => {
      clearTimeout(timer)
      socket.destroy()
      resolve(v)
    }
    const timer = setTimeout(() => done('timeout'), opts.timeoutMs ?? 5000)
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1')
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data)
      if (m) done(Number(m[1]))
    })
    socket.on('error', () => done('closed'))
    socket.on('end', () => done('closed'))
    socket.on('connect', () => {
      socket.write(bytes)
      if (opts.halfClose) socket.end()
    })
  })
}
