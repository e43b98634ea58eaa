import { createKeyStore, type ApiKeyEntry } from '@cxpulse/auth'
import type { ClickHouse } from '@cxpulse/clickhouse'
import { testLogger } from '@cxpulse/testkit'
import { DEFAULT_QUERY_LIMITS, type QueryConfig } from './config.ts'
import { createQuery, type QueryHandle } from './query.ts'

/** The query service on a free local port over `ch`, with the default limits and these keys. */
export function startTestQuery(
  ch: ClickHouse,
  keys: readonly ApiKeyEntry[],
  overrides: Partial<QueryConfig> = {},
): Promise<QueryHandle> {
  return createQuery(
    {
      host: '127.0.0.1',
      port: 0,
      apiKeys: {},
      shutdownTimeoutMs: 5000,
      clickhouse: { database: ch.database, dataDir: '' },
      logLevel: 'silent',
      ...DEFAULT_QUERY_LIMITS,
      ...overrides,
    },
    { clickhouse: ch, keys: createKeyStore(keys), logger: testLogger },
  ).start()
}
