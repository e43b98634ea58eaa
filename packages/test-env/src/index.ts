import { randomUUID } from 'node:crypto'
import { inject } from 'vitest'
import './environment.ts'

export type { TestEnvironment } from './environment.ts'

/** The Kafka brokers and ClickHouse the global setup chose for this run. */
export function testEnvironment() {
  return inject('cxpulse')
}

/** A short unique suffix so each test has its own topics, groups and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      )
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
