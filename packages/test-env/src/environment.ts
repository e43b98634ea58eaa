/** What the global setup hands to every integration test worker (must be serialisable). */
export interface TestEnvironment {
  kafka: { brokers: string[]; source: 'env' | 'testcontainers' | 'local' }
  clickhouse:
    | { source: 'env' | 'testcontainers'; url: string; username?: string; password?: string }
    | { source: 'embedded'; dataRoot: string }
}

declare module 'vitest' {
  export interface ProvidedContext {
    cxpulse: TestEnvironment
  }
}
