// The test ClickHouse lives in this package (subpath `@cxpulse/clickhouse/testing`) rather than
// in @cxpulse/testkit because this package's own integration tests need it too: the testkit
// depends on this package, so the reverse edge would be a workspace cycle.
import { testEnvironment, uniqueName } from '@cxpulse/test-env'
import { createClickHouse, type ClickHouse } from './client.ts'

let engine: ClickHouse | undefined

/**
 * The embedded engine allows one data directory per process, so every test in a worker
 * shares one engine and gets isolation from its own database instead.
 */
function sharedClickHouse(): ClickHouse {
  if (engine) return engine
  const env = testEnvironment().clickhouse
  engine =
    env.source === 'embedded'
      ? createClickHouse({ dataDir: `${env.dataRoot}/worker-${process.pid}`, database: 'default' })
      : createClickHouse({
          url: env.url,
          username: env.username,
          password: env.password,
          dataDir: '',
          database: 'default',
        })
  return engine
}

/** A ClickHouse view on a new, empty database; `drop()` removes it. */
export async function testClickHouse(): Promise<ClickHouse & { drop(): Promise<void> }> {
  const database = uniqueName('cxp_test')
  const ch = sharedClickHouse().forDatabase(database)
  await ch.client.command({ query: `CREATE DATABASE \`${database}\`` })
  return Object.assign(ch, {
    drop: async () =>
      void (await ch.client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` })),
  })
}
