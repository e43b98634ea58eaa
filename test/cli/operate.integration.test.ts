import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { generateApiKey } from '@cxpulse/auth'
import { RAW_TABLE, queryRows } from '@cxpulse/clickhouse'
import { buildDeadLetter, deterministicUuid, topicNames } from '@cxpulse/contracts'
import { createIdempotentProducer } from '@cxpulse/kafka'
import { testKafka, uniqueName, waitFor, waitForGroupCaughtUp } from '@cxpulse/testkit'
import { startTestPipeline, type TestPipeline } from '../harness/pipeline.ts'
import { runCli } from './run-cli.ts'

/** `cxpulse import`, `dlq` and `simulate` as a user runs them, against a running pipeline. */

describe('cxpulse import, dlq and simulate', () => {
  let running: TestPipeline
  let ch: TestPipeline['ch']
  let pipeline: TestPipeline['pipeline']
  let dir: string
  const key = generateApiKey()
  const globexKey = generateApiKey()
  const prefix = uniqueName('ops')
  const groupId = uniqueName('ops-group')
  const topics = topicNames(prefix)
  const { kafka, brokers } = testKafka()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cxpulse-ops-'))
    running = await startTestPipeline(
      'ops',
      [
        { id: 'k', tenant_id: 'acme', hash: key.hash, scopes: ['ingest', 'query'] },
        { id: 'g', tenant_id: 'globex', hash: globexKey.hash, scopes: ['ingest'] },
      ],
      { topicPrefix: prefix, groupId, alertIntervalMs: 0 },
    )
    ch = running.ch
    pipeline = running.pipeline
  })
  afterAll(async () => {
    await running?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const cli = (...args: string[]) => runCli(args, key.key)

  /** Resolves once the processor has committed every message on the event topics so far. */
  const drained = () =>
    waitForGroupCaughtUp(kafka, groupId, [
      topics.surveys,
      topics.tickets,
      topics.customers,
      topics.qa,
    ])

  /** Events the processor skipped as already counted: proves a re-sent event was read, not lost. */
  async function duplicatesSkipped(): Promise<number> {
    const text = await pipeline.processor.metricsText()
    return [
      ...text.matchAll(/^cxpulse_processor_duplicates_skipped_total\{[^}]*\} (\d+)/gm),
    ].reduce((n, m) => n + Number(m[1]), 0)
  }

  async function surveyIds(where: string, params: Record<string, unknown> = {}): Promise<string[]> {
    const rows = await queryRows(ch, {
      name: 'survey_ids',
      sql: `SELECT toString(event_id) AS id FROM ${ch.table(RAW_TABLE.surveys)} WHERE tenant_id = 'acme' AND ${where} ORDER BY id`,
      params,
      row: z.object({ id: z.string() }),
    })
    return rows.map((r) => r.id)
  }

  it('import maps columns, reports bad rows by line, and counts nothing twice on a re-run', async () => {
    const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10)
    const withIds = join(dir, 'legacy.csv')
    await writeFile(
      withIds,
      [
        'resp,cust,date,rating,via,note',
        `r1,imp-1,${day(3)},5,chat,"fine, thanks"`,
        `r2,imp-2,${day(2)} 10:30,2,email,"two\nlines"`,
        `r3,imp-3,${day(1)},seven,chat,`,
        `r1,imp-1,${day(3)},5,chat,"fine, thanks"`,
        `r4,imp-4,${day(1)},6,phone,`,
        `r5,imp-5,${day(1)},1,phone,`,
      ].join('\n'),
    )
    const map =
      'id=resp,customer_id=cust,occurred_at=date,score=rating,dimensions.channel=via,comment=note'
    const args = [
      'import',
      '--url',
      pipeline.ingest.url,
      '--map',
      map,
      '--kind',
      'csat',
      '--scale',
      '1-5',
      '--source',
      'legacy-crm',
      withIds,
    ]
    const first = await cli(...args)
    expect(first.code, first.err).toBe(1)
    expect(first.out).toMatch(
      /skipped 1 rows with the key of an earlier row \(sent once\): line 6 = line 2/,
    )
    expect(first.out).toMatch(/^accepted 3, rejected 2$/m)
    expect(first.out).toMatch(
      /line 5: mapping \(score \(column "rating"\): "seven" is not an integer\)/,
    )
    expect(first.out).toMatch(
      /line 7: schema \(score \(column "rating"\): score 6 is outside its scale 1–5\)/,
    )

    // The ids are the documented name-based UUIDs of source + row key.
    const want = ['r1', 'r2', 'r5']
      .map((r) => deterministicUuid('cxpulse-import', 'legacy-crm', 'id', r))
      .sort()
    await drained()
    expect(await surveyIds(`customer_id LIKE 'imp-%'`)).toEqual(want)

    // No id column: the row's content is the key.
    const noIds = join(dir, 'no-ids.csv')
    await writeFile(
      noIds,
      ['customer_id,occurred_at,score', `imp-6,${day(1)},9`, `imp-7,${day(1)},3`].join('\n'),
    )
    const nps = [
      'import',
      '--url',
      pipeline.ingest.url,
      '--kind',
      'nps',
      '--source',
      'survey-tool',
      noIds,
    ]
    expect((await cli(...nps)).out).toMatch(/^accepted 2, rejected 0$/m)

    const skippedBefore = await duplicatesSkipped()
    const again = await cli(...args)
    expect(again.out).toMatch(/^accepted 3, rejected 2$/m)
    const npsAgain = await cli(...nps)
    expect(npsAgain.code, npsAgain.out).toBe(0)
    await drained()
    expect(await surveyIds(`customer_id LIKE 'imp-%' AND kind = 'csat'`)).toEqual(want)
    expect(await surveyIds(`customer_id IN ('imp-6', 'imp-7') AND kind = 'nps'`)).toHaveLength(2)
    expect(await duplicatesSkipped()).toBe(skippedBefore + 5)
    const comment = await queryRows(ch, {
      name: 'comment',
      sql: `SELECT comment, channel FROM ${ch.table(RAW_TABLE.surveys)} WHERE customer_id = 'imp-2'`,
      row: z.object({ comment: z.string(), channel: z.string() }),
    })
    expect(comment).toEqual([{ comment: 'two\nlines', channel: 'email' }])

    const badMap = await cli('import', '--map', 'score=stars', '--kind', 'csat', withIds)
    expect(badMap.code).toBe(2)
    expect(badMap.err).toMatch(/--map score=stars: the file has no column "stars"/)
  }, 120_000)

  it('import loads a customer base signed up two years ago; its churn this week is the SPEC value', async () => {
    const DAY = 86_400_000
    const now = Date.now()
    const at = (ms: number) => new Date(ms).toISOString()
    // 500 customers signed up 700–760 days ago (older than any late horizon); 25 churn
    // two days ago: churn over the last seven days = 25 / 500 = 5 % (SPEC: 25 of 500 → 5 %).
    const base = join(dir, 'crm-customers.csv')
    await writeFile(
      base,
      [
        'customer,signed_up_at',
        ...Array.from({ length: 500 }, (_, i) => `base-${i},${at(now - (700 + (i % 60)) * DAY)}`),
      ].join('\n'),
    )
    const churns = join(dir, 'crm-churns.csv')
    await writeFile(
      churns,
      [
        'customer_id,occurred_at',
        ...Array.from({ length: 25 }, (_, i) => `base-${i * 20},${at(now - 2 * DAY + i * 60_000)}`),
      ].join('\n'),
    )
    const load = (...args: string[]) =>
      cli('import', '--url', pipeline.ingest.url, '--source', 'crm', ...args)
    const signed = await load(
      '--type',
      'customer.signed_up',
      '--map',
      'customer_id=customer,occurred_at=signed_up_at',
      base,
    )
    expect(signed.code, signed.out + signed.err).toBe(0)
    expect(signed.out).toMatch(/^accepted 500, rejected 0$/m)
    const churned = await load('--type', 'customer.churned', churns)
    expect(churned.out).toMatch(/^accepted 25, rejected 0$/m)
    // A re-run of the base changes nothing.
    expect(
      (
        await load(
          '--type',
          'customer.signed_up',
          '--map',
          'customer_id=customer,occurred_at=signed_up_at',
          base,
        )
      ).out,
    ).toMatch(/^accepted 500, rejected 0$/m)
    await drained()

    const qs = new URLSearchParams({ from: at(now - 7 * DAY), to: at(now) })
    const res = await fetch(`${pipeline.query.url}/v1/metrics/churn_rate?${qs}`, {
      headers: { authorization: `Bearer ${key.key}` },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ value: 5, n: 500 })
  }, 120_000)

  it('dlq counts dead letters by reason, shows where they came from, and replays once', async () => {
    const producer = createIdempotentProducer(kafka)
    await producer.connect()
    const received = new Date(Date.now() - 60_000).toISOString()
    const enriched = (over: Record<string, unknown>) => ({
      event_id: randomUUID(),
      type: 'survey.response',
      occurred_at: received,
      received_at: received,
      tenant_id: 'acme',
      schema_version: 1,
      customer_id: 'dlq-1',
      kind: 'csat',
      scale_min: 1,
      scale_max: 5,
      score: 4,
      ...over,
    })
    // Two messages the processor refuses...
    const [broken] = await producer.send({
      topic: topics.surveys,
      acks: -1,
      messages: [{ key: 'acme:dlq-1', value: '{"event_id": oops' }],
    })
    await producer.send({
      topic: topics.surveys,
      acks: -1,
      messages: [{ key: 'acme:dlq-1', value: JSON.stringify(enriched({ score: 9 })) }],
    })
    // ...and one it failed on earlier for a reason since fixed: a valid event in the topic.
    const fixed = enriched({ customer_id: 'dlq-2', score: 5 })
    await producer.send({
      topic: topics.deadLetter,
      acks: -1,
      messages: [
        {
          key: `${topics.surveys}:0:7`,
          value: JSON.stringify(
            buildDeadLetter({
              reason: 'processing_failed',
              errors: [{ path: '', message: 'simulated bug' }],
              topic: topics.surveys,
              partition: 0,
              offset: '7',
              value: Buffer.from(JSON.stringify(fixed)),
              key: Buffer.from('acme:dlq-2'),
            }),
          ),
        },
      ],
    })
    await producer.disconnect()
    const admin = kafka.admin()
    await admin.connect()
    await waitFor('three dead letters', async () => {
      const offsets = await admin.fetchTopicOffsets(topics.deadLetter)
      return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0) >= 3 ? true : undefined
    })
    await admin.disconnect()

    const dlq = (...args: string[]) =>
      cli('dlq', ...args, '--brokers', brokers.join(','), '--topic-prefix', prefix)
    const table = await dlq()
    expect(table.code, table.err).toBe(0)
    expect(table.out).toMatch(
      new RegExp(`${topics.deadLetter}: 3 dead letters, 3 selected, 3 distinct messages`),
    )
    expect(table.out).toMatch(/^ {2}invalid_json +1$/m)
    expect(table.out).toMatch(/^ {2}schema +1$/m)
    expect(table.out).toMatch(/^ {2}processing_failed +1$/m)
    expect(table.out).toMatch(new RegExp(`^ {2}${topics.surveys} +3$`, 'm'))
    expect(table.out).toContain(
      `${topics.surveys} partition ${broken!.partition} offset ${broken!.baseOffset}  invalid_json`,
    )
    expect(table.out).toMatch(/score: score 9 is outside its scale 1–5/)

    const json = JSON.parse((await dlq('--json', '--reason', 'schema')).out) as {
      total: number
      by_reason: Record<string, number>
      samples: { reason: string; topic: string; raw: string }[]
    }
    expect(json.total).toBe(1)
    expect(json.by_reason).toEqual({ schema: 1 })
    expect(JSON.parse(json.samples[0]!.raw)).toMatchObject({ score: 9 })

    // A dry run produces nothing.
    const dry = await dlq('replay', '--reason', 'processing_failed')
    expect(dry.out).toMatch(/1 distinct messages to replay/)
    expect(dry.out).toMatch(/1 of them pass the current event schema/)
    expect(dry.out).toMatch(/dry run: would replay 1 messages; nothing produced/)
    await drained()
    expect(await surveyIds(`customer_id = 'dlq-2'`)).toEqual([])

    const replay = await dlq('replay', '--reason', 'processing_failed', '--yes')
    expect(replay.code, replay.err).toBe(0)
    expect(replay.out).toMatch(/replayed 1 messages/)
    await waitFor('replayed event counted', async () =>
      (await surveyIds(`customer_id = 'dlq-2'`)).length > 0 ? true : undefined,
    )
    // Twice is safe: the processor skips the event_id it already counted.
    const skippedBefore = await duplicatesSkipped()
    expect((await dlq('replay', '--reason', 'processing_failed', '--yes')).out).toMatch(
      /replayed 1 messages/,
    )
    await drained()
    expect(await surveyIds(`customer_id = 'dlq-2'`)).toEqual([fixed.event_id])
    expect(await duplicatesSkipped()).toBe(skippedBefore + 1)

    const wrong = await cli('dlq', 'purge')
    expect(wrong.code).toBe(2)
    expect(wrong.err).toMatch(/expected inspect or replay/)
  }, 120_000)

  it('simulate sends seeded history for two tenants through ingest and everything accepted lands', async () => {
    const run = await cli(
      'simulate',
      '--url',
      pipeline.ingest.url,
      '--key',
      key.key,
      '--key',
      globexKey.key,
      '--channels',
      'chat,email',
      '--agents',
      '3',
      '--backfill-days',
      '0.02',
      '--rate',
      '30',
      '--seed',
      '7',
      '--incident',
      'channel=chat,start=-20m,duration=15m',
    )
    expect(run.code, run.err).toBe(0)
    expect(run.err).toMatch(/2 tenants/)
    const m = /^sent (\d+): accepted (\d+), rejected 0, failed 0$/m.exec(run.out)
    expect(m, run.out).not.toBeNull()
    const accepted = Number(m![2])
    expect(accepted).toBeGreaterThan(20)
    expect(run.out).toMatch(/^incident: channel chat from /m)
    await drained()
    const landed = async (tenant: string) => {
      const rows = await queryRows(ch, {
        name: 'simulated',
        sql: `SELECT (SELECT uniqExact(event_id) FROM ${ch.table(RAW_TABLE.surveys)} WHERE tenant_id = {tenant:String} AND customer_id LIKE 'cust-%')
               + (SELECT uniqExact(event_id) FROM ${ch.table(RAW_TABLE.tickets)} WHERE tenant_id = {tenant:String})
               + (SELECT uniqExact(event_id) FROM ${ch.table(RAW_TABLE.customers)} WHERE tenant_id = {tenant:String} AND customer_id LIKE 'cust-%')
               + (SELECT uniqExact(event_id) FROM ${ch.table(RAW_TABLE.qa)} WHERE tenant_id = {tenant:String}) AS n`,
        params: { tenant },
        row: z.object({ n: z.coerce.number() }),
      })
      return rows[0]!.n
    }
    const [acme, globex] = [await landed('acme'), await landed('globex')]
    expect(acme).toBeGreaterThan(0)
    expect(globex).toBeGreaterThan(0)
    expect(acme + globex).toBe(accepted)
    const channels = await queryRows(ch, {
      name: 'simulated_channels',
      sql: `SELECT DISTINCT channel FROM ${ch.table(RAW_TABLE.surveys)} WHERE tenant_id = 'globex' ORDER BY channel`,
      row: z.object({ channel: z.string() }),
    })
    expect(channels.map((c) => c.channel)).toEqual(['chat', 'email'])

    const unknownChannel = await cli('simulate', '--incident', 'channel=voice,for=5m')
    expect(unknownChannel.code).toBe(2)
    expect(unknownChannel.err).toMatch(/--incident\.0: .*"voice" is not simulated/)

    const bad = await cli('simulate', '--duration', 'soon')
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/--duration: "soon" is not a duration/)
  }, 120_000)
})
