import { randomUUID } from 'node:crypto'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'

export type ClickHouseMode = 'embedded' | 'server'

export interface ClickHouseConfig {
  /** A ClickHouse server over HTTP; when absent the embedded engine is used. */
  url?: string | undefined
  username?: string | undefined
  password?: string | undefined
  /** Data directory of the embedded engine (only one process may own it). */
  dataDir: string
  /** Database every cxpulse table lives in; must be a plain identifier. */
  database: string
}

export interface ClickHouse {
  readonly client: ClickHouseClient
  readonly mode: ClickHouseMode
  readonly database: string
  /** `database.table`, quoted, for SQL text. Only for names from code, never from input. */
  table(name: string): string
  /**
   * Inserts JSON rows. Every insert carries a deduplication token — the caller's (so a replayed
   * batch is dropped by ClickHouse) or a random one (so two different inserts that happen to
   * hold identical rows are never merged by the block-hash deduplication) — in both modes.
   */
  insert(table: string, rows: readonly object[], options?: { dedupToken?: string }): Promise<void>
  /** The same engine or server seen through another database; closing it closes nothing. */
  forDatabase(database: string): ClickHouse
  close(): Promise<void>
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** Identifiers cannot be bound as parameters in every statement, so they are checked instead. */
export function assertIdentifier(name: string, what = 'identifier'): string {
  if (!IDENTIFIER.test(name)) throw new Error(`Invalid ClickHouse ${what} "${name}"`)
  return name
}

/**
 * One client factory for both modes. Callers write fully qualified table names through
 * `table()` because the embedded connection ignores the client's `database` option.
 */
export function createClickHouse(config: ClickHouseConfig): ClickHouse {
  const database = assertIdentifier(config.database, 'database name')
  const mode: ClickHouseMode = config.url ? 'server' : 'embedded'
  const client =
    mode === 'server'
      ? createClient({
          url: config.url ?? '',
          username: config.username ?? 'default',
          password: config.password ?? '',
          request_timeout: 60_000,
          clickhouse_settings: { date_time_input_format: 'best_effort' },
        })
      : createClient({
          // chdb builds against @clickhouse/client-common's copy of the same interface.
          connection: new EmbeddedConnection(
            createChdbConnection({ path: config.dataDir }) as unknown as Connection,
          ),
        })
  let closed = false
  return view(client, mode, database, async () => {
    if (closed) return
    closed = true
    await client.close()
  })
}

function view(
  client: ClickHouseClient,
  mode: ClickHouseMode,
  database: string,
  close: () => Promise<void>,
): ClickHouse {
  return {
    client,
    mode,
    database,
    table: (name) => `\`${database}\`.\`${assertIdentifier(name, 'table name')}\``,
    insert: async (name, rows, options) => {
      if (rows.length === 0) return
      await client.insert({
        table: `\`${database}\`.\`${assertIdentifier(name, 'table name')}\``,
        values: rows as object[],
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: options?.dedupToken ?? randomUUID() },
      })
    },
    forDatabase: (other) =>
      view(client, mode, assertIdentifier(other, 'database name'), async () => undefined),
    close,
  }
}

/** The client's pluggable backend interface (not exported by name from @clickhouse/client). */
type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>

/**
 * The embedded engine applies `clickhouse_settings` as `SET` statements on one shared
 * session, so a setting leaks into every later statement — an `insert_deduplication_token`
 * left behind would silently drop the next, different insert. This wrapper runs one
 * statement at a time and gives every insert its own token (a random one when the caller
 * did not choose it), which restores per-request settings semantics.
 */
class EmbeddedConnection implements Connection {
  private tail: Promise<unknown> = Promise.resolve()
  constructor(private readonly inner: Connection) {}

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.tail.then(run, run)
    this.tail = next.catch(() => undefined)
    return next
  }

  query(params: Parameters<Connection['query']>[0]) {
    return this.serial(() => this.inner.query(params))
  }
  command(params: Parameters<Connection['command']>[0]) {
    return this.serial(() => this.inner.command(params))
  }
  exec(params: Parameters<Connection['exec']>[0]) {
    return this.serial(() => this.inner.exec(params))
  }
  insert(params: Parameters<Connection['insert']>[0]) {
    const settings = params.clickhouse_settings ?? {}
    const withToken = {
      ...params,
      clickhouse_settings: {
        ...settings,
        insert_deduplication_token: settings.insert_deduplication_token ?? randomUUID(),
      },
    }
    return this.serial(() => this.inner.insert(withToken))
  }
  ping(params: Parameters<Connection['ping']>[0]) {
    return this.serial(() => this.inner.ping(params))
  }
  close() {
    return this.serial(() => this.inner.close())
  }
}
