import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testClickHouse } from './testing.ts'
import { createClickHouse, type ClickHouse } from './client.ts'
import { startEngineGateway, type EngineGateway } from './gateway.ts'
import { queryRows } from './query.ts'
import { z } from 'zod'

const PASSWORD = 'gateway-test-password-0123456789'

describe('engine gateway: the embedded engine shared over ClickHouse’s HTTP interface', () => {
  let owner: ClickHouse & { drop(): Promise<void> }
  let gateway: EngineGateway
  let remote: ClickHouse
  beforeAll(async () => {
    owner = await testClickHouse()
    gateway = await startEngineGateway(owner, {
      host: '127.0.0.1',
      port: 0,
      username: 'cxpulse',
      password: PASSWORD,
      maxBodyBytes: 1024 * 1024,
    })
    remote = createClickHouse({
      url: gateway.url,
      username: 'cxpulse',
      password: PASSWORD,
      database: owner.database,
      dataDir: '/nonexistent',
    })
    await owner.client.command({
      query: `CREATE TABLE ${owner.table('notes')} (id UInt32, tenant_id String, text String, at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100`,
    })
  })
  afterAll(async () => {
    await remote.close()
    await gateway.close()
    await owner.drop()
  })

  it('answers a ping, runs bound queries and inserts, and drops a replayed insert', async () => {
    expect((await remote.client.ping()).success).toBe(true)
    const rows = [
      {
        id: 1,
        tenant_id: 'acme',
        text: "it's a \\ back\tslash\nline ✓",
        at: '2026-01-02 03:04:05.678',
      },
      {
        id: 2,
        tenant_id: 'beta',
        text: "o'brien; DROP TABLE notes --",
        at: '2026-01-02 03:04:06.000',
      },
    ]
    await remote.insert('notes', rows, { dedupToken: 'batch-1' })
    await remote.insert('notes', rows, { dedupToken: 'batch-1' }) // a replay: dropped whole
    await remote.insertJson(
      'notes',
      Buffer.from('{"id":3,"tenant_id":"acme","text":"json","at":"2026-01-02 03:04:07"}\n'),
    )

    const read = (ch: ClickHouse, tenants: string[], text: string) =>
      queryRows(ch, {
        name: 'notes',
        sql: `SELECT id, text FROM ${ch.table('notes')} WHERE tenant_id IN {tenants:Array(String)} OR text = {text:String} ORDER BY id`,
        params: { tenants, text },
        row: z.object({ id: z.number(), text: z.string() }),
      })
    const viaGateway = await read(remote, ["ac'me", 'acme'], "o'brien; DROP TABLE notes --")
    expect(viaGateway.map((r) => r.id)).toEqual([1, 2, 3])
    expect(viaGateway[0]?.text).toBe(rows[0]?.text)
    // The owner sees exactly what the remote process wrote and read.
    expect(await read(owner, ["ac'me", 'acme'], "o'brien; DROP TABLE notes --")).toEqual(viaGateway)

    const at = await queryRows(remote, {
      name: 'since',
      sql: `SELECT count() AS n FROM ${remote.table('notes')} WHERE at >= {from:DateTime64(3)}`,
      params: { from: new Date('2026-01-02T03:04:06.000Z') },
      row: z.object({ n: z.coerce.number() }),
    })
    expect(at).toEqual([{ n: 2 }])
  })

  it('reports engine errors in ClickHouse’s form, and refuses the wrong password, foreign settings and large bodies', async () => {
    await expect(
      remote.client.query({ query: `SELECT * FROM ${remote.table('no_such_table')}` }),
    ).rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' })

    const intruder = createClickHouse({
      url: gateway.url,
      username: 'cxpulse',
      password: 'not-the-password-at-all',
      database: owner.database,
      dataDir: '/nonexistent',
    })
    await expect(intruder.client.query({ query: 'SELECT 1' })).rejects.toMatchObject({
      type: 'AUTHENTICATION_FAILED',
    })
    await intruder.close()

    await expect(
      remote.client.query({ query: 'SELECT 1', clickhouse_settings: { max_threads: 1 } }),
    ).rejects.toThrow(/setting max_threads is not accepted/)

    const big = Array.from({ length: 20_000 }, (_, i) => ({
      id: 100 + i,
      tenant_id: 'acme',
      text: 'x'.repeat(60),
      at: '2026-01-02 00:00:00',
    }))
    await expect(remote.insert('notes', big)).rejects.toThrow(/body is larger than 1048576 bytes/)
    const [count] = await queryRows(owner, {
      name: 'big',
      sql: `SELECT count() AS n FROM ${owner.table('notes')} WHERE id >= 100`,
      row: z.object({ n: z.coerce.number() }),
    })
    expect(count?.n).toBe(0)
  })
})
