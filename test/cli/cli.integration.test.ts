import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { generateApiKey } from '@cxpulse/auth'
import { RAW_TABLE, queryRows } from '@cxpulse/clickhouse'
import { topicNames } from '@cxpulse/contracts'
import { testEnvironment, testKafka, waitFor, waitForGroupCaughtUp } from '@cxpulse/testkit'
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.ts'
import { CLI, ROOT, runCli } from './run-cli.ts'

/** `cxpulse send` as a user runs it: a real CLI process against a running pipeline. */

describe('the cxpulse CLI against a running pipeline', () => {
  let running: TestPipeline
  let ch: TestPipeline['ch']
  let pipeline: TestPipeline['pipeline']
  let prefix: string
  let dir: string
  const key = generateApiKey()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxpulse-send-'))
    running = await startTestPipeline(
      'cli',
      [{ id: 'k', tenant_id: 'acme', hash: key.hash, scopes: ['ingest', 'query'] }],
      { alertIntervalMs: 0 },
    )
    ch = running.ch
    pipeline = running.pipeline
    prefix = running.topicPrefix
  })
  const kafkaClient = testKafka().kafka
  /** Resolves once the processor has taken in everything sent so far (so a duplicate was seen). */
  const processed = () => {
    const t = topicNames(prefix)
    return waitForGroupCaughtUp(kafkaClient, running.groupId, [
      t.surveys,
      t.tickets,
      t.customers,
      t.qa,
    ])
  }
  afterAll(async () => {
    await running?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const send = (...args: string[]) =>
    runCli(['send', '--url', pipeline.ingest.url, '--batch-size', '3', ...args], key.key)

  async function landed(): Promise<string[]> {
    const rows = await queryRows(ch, {
      name: 'ids',
      sql: `SELECT toString(event_id) AS id FROM ${ch.table(RAW_TABLE.surveys)} WHERE tenant_id = 'acme' ORDER BY id`,
      row: z.object({ id: z.string() }),
    })
    return rows.map((r) => r.id)
  }

  const at = new Date(Date.now() - 3_600_000).toISOString()
  const survey = (over: Record<string, unknown>) => ({
    event_id: randomUUID(),
    type: 'survey.response',
    occurred_at: at,
    customer_id: 'c1',
    kind: 'csat',
    score: 4,
    ...over,
  })

  it('sends the valid lines of an NDJSON file, reports each invalid line, and counts a re-send once', async () => {
    const valid = [
      survey({}),
      survey({ score: 5, dimensions: { channel: 'chat' } }),
      survey({ kind: 'nps', score: 9 }),
    ]
    const lines = [
      JSON.stringify(valid[0]),
      '{"this is": not json',
      JSON.stringify(survey({ score: 9 })), // CSAT 9 on 1–5
      JSON.stringify(valid[1]),
      '',
      JSON.stringify(survey({ kind: 'nps', score: 9, scale_min: 1, scale_max: 5 })), // NPS is 0–10 only
      JSON.stringify(valid[2]),
      JSON.stringify(survey({ occurred_at: new Date(Date.now() + 86_400_000).toISOString() })),
    ]
    const file = join(dir, 'events.ndjson')
    await writeFile(file, lines.join('\n'))
    const rejectsFile = join(dir, 'rejects.ndjson')

    const first = await send('--rejects-file', rejectsFile, file)
    expect(first.code, first.err).toBe(1)
    const summary = first.out.split('\n')
    expect(summary[0], first.err).toBe('accepted 3, rejected 4')
    expect(summary.slice(1, 5).map((l) => /line (\d+): (\w+)/.exec(l)?.slice(1))).toEqual([
      ['2', 'unreadable'],
      ['3', 'schema'],
      ['6', 'schema'],
      ['8', 'too_far_in_future'],
    ])
    expect(summary[2]).toMatch(/score/)
    const rejects = (await readFile(rejectsFile, 'utf8')).trim().split('\n')
    expect(rejects).toHaveLength(4)

    const want = valid.map((e) => e.event_id).sort()
    await waitFor('valid events counted', async () =>
      (await landed()).length >= 3 ? true : undefined,
    )
    expect(await landed()).toEqual(want)

    // The same file again: accepted again by ingest, counted once by the processor.
    const again = await send(file)
    expect(again.out.split('\n')[0]).toBe('accepted 3, rejected 4')
    await processed()
    expect(await landed()).toEqual(want)
  }, 120_000)

  it('reads CSV with quoted fields and nested dimension columns; ids are stable across re-sends', async () => {
    const file = join(dir, 'surveys.csv')
    await writeFile(
      file,
      [
        'type,occurred_at,customer_id,kind,score,dimensions.channel,comment',
        `survey.response,${at},csv-1,csat,5,chat,"great, thanks"`,
        `survey.response,${at},csv-2,csat,2,email,"said ""meh""\nover two lines"`,
        `survey.response,${at},csv-3,csat,seven,email,`,
        `survey.response,${at},csv-4`,
      ].join('\n'),
    )
    const before = (await landed()).length
    const r = await send(file)
    expect(r.out.split('\n')[0]).toBe('accepted 2, rejected 2')
    expect(r.out).toMatch(/line 5: schema \(score/)
    expect(r.out).toMatch(/line 6: unreadable \(expected 7 columns, found 3\)/)
    await waitFor('csv events counted', async () =>
      (await landed()).length >= before + 2 ? true : undefined,
    )
    await send(file)
    await processed()
    expect((await landed()).length).toBe(before + 2)
    const comments = await queryRows(ch, {
      name: 'comments',
      sql: `SELECT comment FROM ${ch.table(RAW_TABLE.surveys)} WHERE customer_id = 'csv-2'`,
      row: z.object({ comment: z.string() }),
    })
    expect(comments).toEqual([{ comment: 'said "meh"\nover two lines' }])
  }, 120_000)

  it('send --rate spreads the events over time', async () => {
    const events = Array.from({ length: 6 }, (_, i) => survey({ customer_id: `rate-${i}` }))
    const file = join(dir, 'paced.ndjson')
    await writeFile(file, events.map((e) => JSON.stringify(e)).join('\n'))
    const r = await send('--rate', '4', file)
    expect(r.out.split('\n')[0], r.err).toBe('accepted 6, rejected 0')
    expect(r.code).toBe(0)
    const spread = async () =>
      (
        await queryRows(ch, {
          name: 'paced',
          sql: `SELECT count() AS n, toFloat64(max(received_at)) - toFloat64(min(received_at)) AS seconds FROM ${ch.table(RAW_TABLE.surveys)} WHERE tenant_id = 'acme' AND customer_id LIKE 'rate-%'`,
          row: z.object({ n: z.coerce.number(), seconds: z.coerce.number() }),
        })
      )[0]!
    await waitFor('paced events counted', async () => ((await spread()).n === 6 ? true : undefined))
    // Unpaced, six events arrive within milliseconds; paced at 4/s they span about a second
    // (the bound leaves room for a loaded machine: the check is that pacing happened at all).
    expect((await spread()).seconds).toBeGreaterThanOrEqual(0.7)
  }, 60_000)

  it('cxpulse serve ingest runs the ingest service alone and stops cleanly on SIGTERM', async () => {
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo
        probe.close(() => done(port))
      })
    })
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', 'ingest'], {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: testEnvironment().kafka.brokers.join(','),
        // The suite's broker is a single node (the production default is 3 replicas, 2 in sync).
        KAFKA_REPLICATION_FACTOR: '1',
        TOPIC_PREFIX: prefix,
        INGEST_HOST: '127.0.0.1',
        INGEST_PORT: String(port),
        INGEST_API_KEYS: JSON.stringify([
          { id: 'k', tenant_id: 'acme', hash: key.hash, scopes: ['ingest'] },
        ]),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
    try {
      const url = `http://127.0.0.1:${port}`
      await waitFor(
        'standalone ingest ready',
        async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok ? true : undefined),
        60_000,
      )
      const event = survey({ customer_id: 'serve-1' })
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(event),
      })
      expect(res.status, stderr).toBe(202)
      // The pipeline's processor reads the same topics: the event lands like any other.
      await waitFor('event through the standalone ingest counted', async () =>
        (await landed()).includes(event.event_id) ? true : undefined,
      )
      child.kill('SIGTERM')
      expect(await exited, stderr).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }, 90_000)

  it('cxpulse query prints what the API answers, as JSON and as a table', async () => {
    const run = (...args: string[]) =>
      runCli(['query', '--url', pipeline.query.url, ...args], key.key)
    const json = await run('csat', '--from=-1d', '--json')
    expect(json.code).toBe(0)
    const body = JSON.parse(json.out) as { n: number; value: number }
    const csatRows = await queryRows(ch, {
      name: 'csat',
      sql: `SELECT count() AS n FROM ${ch.table(RAW_TABLE.surveys)} WHERE tenant_id = 'acme' AND kind = 'csat'`,
      row: z.object({ n: z.coerce.number() }),
    })
    expect(body.n).toBe(csatRows[0]!.n)
    const table = await run('csat', '--from=-1d', '--group-by', 'channel')
    expect(table.out).toMatch(new RegExp(`value ${body.value} +n ${body.n}`))
    expect(table.out).toMatch(/chat/)
    const bad = await run('csat', '--from', 'last week')
    expect(bad.code).toBe(2)
  }, 60_000)

  const cli = (command: string, ...args: string[]) =>
    runCli([command, '--url', pipeline.ingest.url, ...args], key.key)

  it('cxpulse import maps CSV columns to surveys and counts a re-run once', async () => {
    const file = join(dir, 'export.csv')
    await writeFile(
      file,
      [
        'response_id,rating,answered_at,email,source',
        'r-1,5,2026-11-01 10:00:00,a@example.com,chat',
        'r-2,2,2026-11-01,b@example.com,email',
        'r-3,9,2026-11-02T08:00:00Z,c@example.com,chat',
        'r-4,4,2026-11-03T09:30:00+01:00,d@example.com,',
      ].join('\n'),
    )
    const map =
      '--map=score=rating,occurred_at=answered_at,customer_id=email,id=response_id,channel=source'
    const count = async () =>
      (
        await queryRows(ch, {
          name: 'imported',
          sql: `SELECT count() AS n FROM ${ch.table(RAW_TABLE.surveys)} WHERE customer_id LIKE '%@example.com'`,
          row: z.object({ n: z.coerce.number() }),
        })
      )[0]!.n
    const first = await cli('import', map, '--kind', 'csat', '--scale', '1-5', file)
    expect(first.out.split('\n')[0], first.err).toBe('accepted 3, rejected 1')
    expect(first.out).toMatch(/line 4: schema \(score/)
    await waitFor('imported rows counted', async () => ((await count()) >= 3 ? true : undefined))
    const again = await cli('import', map, '--kind', 'csat', '--scale', '1-5', file)
    expect(again.out.split('\n')[0]).toBe('accepted 3, rejected 1')
    await processed()
    expect(await count()).toBe(3)
    const missing = await cli(
      'import',
      '--map=score=stars,occurred_at=answered_at,customer_id=email',
      file,
    )
    expect(missing.code).toBe(2)
    expect(missing.err).toMatch(/--map score=stars: the file has no column "stars"/)
  }, 60_000)

  it('cxpulse simulate sends traffic with an injected incident', async () => {
    const r = await cli(
      'simulate',
      '--rate',
      '600',
      '--duration',
      '3',
      '--seed',
      '7',
      '--incident',
      'channel=chat,start=0s,for=5m,positive=0.2',
    )
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/incident: channel chat/)
    const sent = /sent (\d+): accepted (\d+), rejected 0, failed 0/.exec(r.out)
    expect(sent).not.toBeNull()
    expect(Number(sent![2])).toBeGreaterThan(0)
    const bad = await cli('simulate', '--incident', 'channel=chat,for=soon')
    expect(bad.code).toBe(2)
  }, 60_000)

  it('cxpulse dlq shows dead letters by reason and replays them, counted once however often', async () => {
    // A dead letter as an earlier processor version would have written it for a valid event.
    const { kafka, brokers } = testKafka()
    const event = {
      ...survey({ customer_id: 'dlq-customer' }),
      tenant_id: 'acme',
      received_at: new Date().toISOString(),
      schema_version: 1,
    }
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic: topicNames(prefix).deadLetter,
      messages: [
        {
          value: JSON.stringify({
            reason: 'schema',
            errors: [{ path: 'score', message: 'rejected by an older schema' }],
            topic: topicNames(prefix).surveys,
            partition: 0,
            offset: '0',
            raw: JSON.stringify(event),
            raw_encoding: 'utf8',
            key: 'acme:dlq-customer',
            at: new Date().toISOString(),
          }),
        },
      ],
    })
    await producer.disconnect()
    const dlq = (...args: string[]) =>
      runCli(['dlq', ...args, '--brokers', brokers.join(','), '--topic-prefix', prefix])
    const inspect = await dlq()
    expect(inspect.code).toBe(0)
    expect(inspect.out).toMatch(/1 dead letters, 1 selected/)
    expect(inspect.out).toMatch(/schema +1/)
    expect(inspect.out).toMatch(/rejected by an older schema/)
    expect((await dlq('replay')).out).toMatch(/would replay 1 messages/)
    const counted = async () =>
      (
        await queryRows(ch, {
          name: 'replayed',
          sql: `SELECT count() AS n FROM ${ch.table(RAW_TABLE.surveys)} WHERE event_id = toUUID({id:String})`,
          params: { id: event.event_id },
          row: z.object({ n: z.coerce.number() }),
        })
      )[0]!.n
    expect(await counted()).toBe(0)
    expect((await dlq('replay', '--yes')).out).toMatch(/replayed 1 messages/)
    await waitFor('replayed event counted', async () =>
      (await counted()) === 1 ? true : undefined,
    )
    await dlq('replay', '--yes')
    await processed()
    expect(await counted()).toBe(1)
  }, 90_000)

  it('explains what is wrong with the command line', () => {
    const none = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'send'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    expect(none.status).toBe(2)
    expect(none.stderr).toMatch(/exactly one FILE/)
    const help = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'send', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/Usage: cxpulse send/)
    const serve = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'serve', 'ingester'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    expect(serve.status).toBe(2)
    expect(serve.stderr).toMatch(/^argument 1: expected ingest, processor, query, alerter/)
  })
})
