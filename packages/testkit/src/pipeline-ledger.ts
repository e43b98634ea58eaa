/**
 * Test ledger: generates a known set of events (with deliberate resends) and computes every
 * rollup the processor should produce, independently — straight from SPEC-metrics.md, not
 * from the processor's code or @cxpulse/metrics — so a comparison can catch loss, double
 * counting and wrong derived columns.
 */
import { randomUUID } from 'node:crypto'
import type { Producer } from 'kafkajs'
import { z } from 'zod'
import { PROJECTIONS, RAW_TABLE, RAW_TABLES, queryRows, type ClickHouse } from '@cxpulse/clickhouse'
import { TICKET_EVENT_TYPES, messageKey, topicNames, type TopicNames } from '@cxpulse/contracts'

export type Json = Record<string, unknown>

export interface Produced {
  topic: keyof Pick<TopicNames, 'surveys' | 'tickets' | 'customers' | 'qa'>
  key: string
  value: string
}

/** Deterministic PRNG (mulberry32) so a failing run can be reproduced from its seed. */
export function rng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  }
}

const CHANNELS = ['email', 'chat', 'phone', 'web'] as const
const AGENTS = ['ann', 'bob', 'cy', ''] as const

/** One valid enriched event of a random type, occurring within `spreadMs` before `now`. */
export function randomEvent(r: ReturnType<typeof rng>, now: number, spreadMs: number): Json {
  const tenant = r.pick(['acme', 'globex'])
  const occurred = new Date(now - r.int(0, spreadMs)).toISOString()
  const channel = r.pick(CHANNELS)
  const agent = r.pick(AGENTS)
  const dimensions: Json = { channel, ...(agent ? { agent } : {}) }
  const base = {
    event_id: randomUUID(),
    occurred_at: occurred,
    customer_id: `cust-${r.int(1, 500)}`,
    tenant_id: tenant,
    received_at: new Date(now).toISOString(),
    schema_version: 1,
    dimensions,
  }
  const roll = r.next()
  if (roll < 0.6) {
    const kind = r.pick(['csat', 'nps', 'ces'] as const)
    if (kind === 'csat') {
      const [min, max] = r.pick([
        [1, 5],
        [1, 7],
      ] as const)
      const positiveMin = r.next() < 0.2 ? { positive_min: max - 2 } : {}
      return {
        ...base,
        type: 'survey.response',
        kind,
        score: r.int(min, max),
        scale_min: min,
        scale_max: max,
        ...positiveMin,
        ...(r.next() < 0.2 ? { comment: 'thanks' } : {}),
      }
    }
    if (kind === 'nps')
      return {
        ...base,
        type: 'survey.response',
        kind,
        score: r.int(0, 10),
        scale_min: 0,
        scale_max: 10,
      }
    return {
      ...base,
      type: 'survey.response',
      kind,
      score: r.int(1, 7),
      scale_min: 1,
      scale_max: 7,
      orientation: r.pick(['agreement', 'effort']),
    }
  }
  if (roll < 0.8) {
    const type = r.pick(TICKET_EVENT_TYPES)
    return {
      ...base,
      type,
      ticket_id: `t-${r.int(1, 2000)}`,
      ...(r.next() < 0.1 ? { complaint: true } : {}),
      ...(type === 'ticket.created' ? { queue_wait_seconds: r.int(0, 600) } : {}),
    }
  }
  if (roll < 0.92) {
    const type = r.pick([
      'customer.signed_up',
      'customer.churned',
      'customer.reactivated',
      'customer.purchase',
      'customer.referred',
    ])
    if (type === 'customer.purchase') {
      const currency = r.pick(['EUR', 'USD', 'JPY'])
      return r.next() < 0.5
        ? {
            ...base,
            type,
            currency,
            amount: `${r.int(1, 999)}.${String(r.int(0, 9999)).padStart(4, '0')}`,
          }
        : { ...base, type, currency, amount_minor: r.int(1, 99_999) }
    }
    return { ...base, type }
  }
  const criteria = Array.from({ length: r.int(1, 3) }, (_, i) => ({
    name: `c${i}`,
    score: r.int(0, 100),
    weight: r.int(1, 4),
  }))
  return { ...base, type: 'qa.review', criteria }
}

function topicOf(type: string): Produced['topic'] {
  if (type === 'survey.response') return 'surveys'
  if (type.startsWith('ticket.')) return 'tickets'
  if (type.startsWith('customer.')) return 'customers'
  return 'qa'
}

export function toMessage(event: Json): Produced {
  return {
    topic: topicOf(String(event['type'])),
    key: messageKey(event as Parameters<typeof messageKey>[0]),
    value: JSON.stringify(event),
  }
}

/**
 * `count` distinct events plus resends: about `dupRate` of them are sent again later (same
 * event_id, same key, a later received_at), some twice.
 */
export function generateLedger(seed: number, count: number, dupRate: number, now = Date.now()) {
  const r = rng(seed)
  const unique: Json[] = []
  const ordered: { at: number; message: Produced }[] = []
  for (let i = 0; i < count; i++) {
    const event = randomEvent(r, now, 3 * 24 * 3600_000)
    unique.push(event)
    ordered.push({ at: i, message: toMessage(event) })
  }
  let resends = 0
  unique.forEach((event, i) => {
    if (r.next() >= dupRate) return
    const copies = r.next() < 0.2 ? 2 : 1
    for (let c = 0; c < copies; c++) {
      const resent = { ...event, received_at: new Date(now + 1000 * (c + 1)).toISOString() }
      // Later in the stream (same key ⇒ same partition, a later offset), near or far.
      ordered.push({ at: i + r.int(0, count) + 0.5, message: toMessage(resent) })
      resends++
    }
  })
  const messages = ordered.sort((a, b) => a.at - b.at).map((o) => o.message)
  return { unique, messages, resends }
}

export async function produceAll(
  producer: Producer,
  prefix: string,
  messages: readonly Produced[],
): Promise<void> {
  const names = topicNames(prefix)
  for (let i = 0; i < messages.length; i += 2_000) {
    const slice = messages.slice(i, i + 2_000)
    await producer.sendBatch({
      acks: -1,
      topicMessages: (['surveys', 'tickets', 'customers', 'qa'] as const).map((t) => ({
        topic: names[t],
        messages: slice.filter((m) => m.topic === t).map((m) => ({ key: m.key, value: m.value })),
      })),
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Expected rollups, from the SPEC.

type Sums = Record<string, number>
export type Totals = Record<string, Map<string, Sums>>

function add(map: Map<string, Sums>, key: string, sums: Sums) {
  const cur = map.get(key) ?? {}
  for (const [k, v] of Object.entries(sums)) cur[k] = (cur[k] ?? 0) + v
  map.set(key, cur)
}

const bucketOf = {
  '1m': (iso: string) => iso.slice(0, 16).replace('T', ' ') + ':00',
  '1h': (iso: string) => iso.slice(0, 13).replace('T', ' ') + ':00:00',
  '1d': (iso: string) => iso.slice(0, 10) + ' 00:00:00',
}

/** Revenue in 1/10000 units (amounts have at most 4 decimals) so sums are exact integers. */
function revenueUnits(e: Json): number {
  if (typeof e['amount'] === 'string') {
    const [whole, frac = ''] = e['amount'].split('.')
    return Number(whole) * 10_000 + Number(frac.padEnd(4, '0'))
  }
  const minorDigits = e['currency'] === 'JPY' ? 0 : 2
  return Number(e['amount_minor']) * 10 ** (4 - minorDigits)
}

export function expectedTotals(events: readonly Json[]): Totals {
  const t: Totals = {}
  const agentMessages: Record<string, Set<string>> = {}
  const m = (name: string) => (t[name] ??= new Map())
  for (const e of events) {
    const dims = (e['dimensions'] ?? {}) as Record<string, string>
    const channel = dims['channel'] ?? ''
    const agent = dims['agent'] ?? ''
    const occurred = String(e['occurred_at'])
    const type = String(e['type'])
    if (type === 'survey.response') {
      const score = Number(e['score'])
      const min = Number(e['scale_min'])
      const max = Number(e['scale_max'])
      const kind = String(e['kind'])
      const orientation = kind === 'ces' ? String(e['orientation']) : ''
      const norm = ((score - min) / (max - min)) * 100
      const positiveMin = e['positive_min'] === undefined ? max - 1 : Number(e['positive_min'])
      // SPEC: CES low effort on 1–7 is >= 5 (agreement) / <= 3 (effort).
      const low = kind === 'ces' && (orientation === 'agreement' ? score >= 5 : score <= 3)
      const sums = {
        n: 1,
        positive: kind === 'csat' && score >= positiveMin ? 1 : 0,
        norm_sum: norm,
        norm_sum_sq: norm * norm,
        promoters: kind === 'nps' && score >= 9 ? 1 : 0,
        passives: kind === 'nps' && score >= 7 && score <= 8 ? 1 : 0,
        detractors: kind === 'nps' && score <= 6 ? 1 : 0,
        score_sum: score,
        score_sum_sq: score * score,
        low_effort: low ? 1 : 0,
      }
      for (const level of ['1m', '1h', '1d'] as const) {
        const key = [
          e['tenant_id'],
          bucketOf[level](occurred),
          kind,
          orientation,
          min,
          max,
          channel,
          agent,
        ].join('|')
        add(m(`surveys p_${level}`), key, sums)
      }
      add(
        m('surveys raw 1d'),
        [e['tenant_id'], bucketOf['1d'](occurred), kind, channel].join('|'),
        {
          n: 1,
          positive: sums.positive,
          low_effort: sums.low_effort,
          score_sum: score,
        },
      )
    } else if (type.startsWith('ticket.')) {
      for (const level of ['1h', '1d'] as const) {
        const key = [e['tenant_id'], bucketOf[level](occurred), type, channel, agent].join('|')
        add(m(`tickets p_${level}`), key, {
          n: 1,
          complaints: e['complaint'] ? 1 : 0,
          wait_n: e['queue_wait_seconds'] === undefined ? 0 : 1,
          wait_sum: Number(e['queue_wait_seconds'] ?? 0),
        })
      }
      const ticket = [e['tenant_id'], e['ticket_id']].join('|')
      const at = Date.parse(occurred)
      add(m('tickets p_ticket'), ticket, {
        resolves: type === 'ticket.resolved' ? 1 : 0,
        reopens: type === 'ticket.reopened' ? 1 : 0,
        escalations: type === 'ticket.escalated' ? 1 : 0,
      })
      const times = (t['tickets p_ticket times'] ??= new Map())
      const cur = times.get(ticket) ?? { created: -1, first_response: -1, last_resolved: -1 }
      const earliest = (a: number) => (a < 0 ? at : Math.min(a, at))
      if (type === 'ticket.created') cur['created'] = earliest(cur['created'] ?? -1)
      if (type === 'ticket.first_response') {
        cur['first_response'] = earliest(cur['first_response'] ?? -1)
      }
      if (type === 'ticket.resolved')
        cur['last_resolved'] = Math.max(cur['last_resolved'] ?? -1, at)
      times.set(ticket, cur)
      if (type === 'ticket.first_response' || type === 'ticket.agent_replied') {
        const messages = (agentMessages[ticket] ??= new Set())
        messages.add(`${at}|${agent}`)
      }
    } else if (type.startsWith('customer.')) {
      add(
        m('customers raw 1d'),
        [e['tenant_id'], bucketOf['1d'](occurred), type, channel].join('|'),
        { n: 1 },
      )
      if (type === 'customer.purchase') {
        add(
          m('purchases raw 1d'),
          [e['tenant_id'], bucketOf['1d'](occurred), e['currency']].join('|'),
          {
            purchases: 1,
            revenue_units: revenueUnits(e),
          },
        )
      }
    } else {
      const criteria = e['criteria'] as { score: number; weight: number }[]
      const iqs =
        criteria.reduce((s, c) => s + c.score * c.weight, 0) /
        criteria.reduce((s, c) => s + c.weight, 0)
      for (const level of ['1h', '1d'] as const) {
        add(
          m(`qa p_${level}`),
          [e['tenant_id'], bucketOf[level](occurred), channel, agent].join('|'),
          { reviews: 1, iqs_sum: iqs },
        )
      }
    }
  }
  const messages = m('tickets p_ticket messages')
  for (const [ticket, set] of Object.entries(agentMessages))
    messages.set(ticket, { agent_messages: set.size })
  return t
}

const num = z.coerce.number()

/**
 * The same totals read back from ClickHouse, always re-aggregated (merges are eventual).
 * Each aggregate is read from its projection alone — `force_optimize_projection_name` fails
 * the query if ClickHouse did not use it, and `projectionCoverage` shows every part carries
 * it — and the raw rows are read with projections off, so both are compared with the ledger.
 */
export async function actualTotals(ch: ClickHouse): Promise<Totals> {
  const t: Totals = {}
  const load = async (
    name: string,
    projection: string | null,
    sql: string,
    keys: string[],
    sums: string[],
  ) => {
    const setting =
      projection === null
        ? ' SETTINGS optimize_use_projections = 0'
        : ` SETTINGS force_optimize_projection_name = '${projection}'`
    const rows = await queryRows(ch, {
      name: `ledger_${name.replaceAll(' ', '_')}`,
      sql: sql + setting,
      row: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
    })
    const map = new Map<string, Sums>()
    for (const row of rows) {
      map.set(
        keys.map((k) => String(row[k])).join('|'),
        Object.fromEntries(sums.map((s) => [s, num.parse(row[s])])),
      )
    }
    t[name] = map
  }
  const bucket = { '1m': 'toStartOfMinute', '1h': 'toStartOfHour', '1d': 'toStartOfDay' }
  for (const level of ['1m', '1h', '1d'] as const) {
    await load(
      `surveys p_${level}`,
      `p_${level}`,
      `SELECT tenant_id, toString(${bucket[level]}(occurred_at)) AS b, kind, orientation, scale_min, scale_max,
         toString(channel) AS ch, toString(agent) AS ag,
         count() AS n, sum(is_positive) AS positive, sum(norm_score) AS norm_sum,
         sum(norm_score * norm_score) AS norm_sum_sq, countIf(nps_category = 'promoter') AS promoters,
         countIf(nps_category = 'passive') AS passives, countIf(nps_category = 'detractor') AS detractors,
         sum(score) AS score_sum, sum(toInt64(score) * score) AS score_sum_sq, sum(low_effort) AS low_effort
       FROM ${ch.table(RAW_TABLE.surveys)} WHERE type = 'survey.response'
       GROUP BY tenant_id, ${bucket[level]}(occurred_at), kind, orientation, scale_min, scale_max, channel, agent`,
      ['tenant_id', 'b', 'kind', 'orientation', 'scale_min', 'scale_max', 'ch', 'ag'],
      [
        'n',
        'positive',
        'norm_sum',
        'norm_sum_sq',
        'promoters',
        'passives',
        'detractors',
        'score_sum',
        'score_sum_sq',
        'low_effort',
      ],
    )
  }
  await load(
    'surveys raw 1d',
    null,
    `SELECT tenant_id, toString(toStartOfDay(occurred_at)) AS b, kind, toString(channel) AS ch,
       count() AS n, sum(is_positive) AS positive, sum(low_effort) AS low_effort, sum(score) AS score_sum
     FROM ${ch.table(RAW_TABLE.surveys)} GROUP BY tenant_id, b, kind, channel`,
    ['tenant_id', 'b', 'kind', 'ch'],
    ['n', 'positive', 'low_effort', 'score_sum'],
  )
  for (const level of ['1h', '1d'] as const) {
    await load(
      `tickets p_${level}`,
      `p_${level}`,
      `SELECT tenant_id, toString(${bucket[level]}(occurred_at)) AS b, type, toString(channel) AS ch,
         toString(agent) AS ag, count() AS n, sum(complaint) AS complaints,
         count(queue_wait_seconds) AS wait_n, sum(queue_wait_seconds) AS wait_sum
       FROM ${ch.table(RAW_TABLE.tickets)}
       GROUP BY tenant_id, ${bucket[level]}(occurred_at), type, channel, agent`,
      ['tenant_id', 'b', 'type', 'ch', 'ag'],
      ['n', 'complaints', 'wait_n', 'wait_sum'],
    )
    await load(
      `qa p_${level}`,
      `p_${level}`,
      `SELECT tenant_id, toString(${bucket[level]}(occurred_at)) AS b, toString(channel) AS ch,
         toString(agent) AS ag, count() AS reviews, sum(iqs) AS iqs_sum
       FROM ${ch.table(RAW_TABLE.qa)} GROUP BY tenant_id, ${bucket[level]}(occurred_at), channel, agent`,
      ['tenant_id', 'b', 'ch', 'ag'],
      ['reviews', 'iqs_sum'],
    )
  }
  const perTicket = `SELECT tenant_id, ticket_id,
       countIf(type = 'ticket.resolved') AS resolves, countIf(type = 'ticket.reopened') AS reopens,
       countIf(type = 'ticket.escalated') AS escalations,
       ifNull(toUnixTimestamp64Milli(minIfOrNull(occurred_at, type = 'ticket.created')), -1) AS created,
       ifNull(toUnixTimestamp64Milli(minIfOrNull(occurred_at, type = 'ticket.first_response')), -1) AS first_response,
       ifNull(toUnixTimestamp64Milli(maxIfOrNull(occurred_at, type = 'ticket.resolved')), -1) AS last_resolved,
       uniqExactIf((occurred_at, \`dimensions.agent\`), type IN ('ticket.first_response', 'ticket.agent_replied')) AS agent_messages
     FROM ${ch.table(RAW_TABLE.tickets)} GROUP BY tenant_id, ticket_id`
  await load(
    'tickets p_ticket',
    'p_ticket',
    perTicket,
    ['tenant_id', 'ticket_id'],
    ['resolves', 'reopens', 'escalations'],
  )
  await load(
    'tickets p_ticket times',
    'p_ticket',
    perTicket,
    ['tenant_id', 'ticket_id'],
    ['created', 'first_response', 'last_resolved'],
  )
  await load(
    'tickets p_ticket messages',
    'p_ticket',
    `SELECT * FROM (${perTicket}) WHERE agent_messages > 0`,
    ['tenant_id', 'ticket_id'],
    ['agent_messages'],
  )
  await load(
    'customers raw 1d',
    null,
    `SELECT tenant_id, toString(toStartOfDay(occurred_at)) AS b, type, toString(channel) AS ch, count() AS n
     FROM ${ch.table(RAW_TABLE.customers)} GROUP BY tenant_id, b, type, channel`,
    ['tenant_id', 'b', 'type', 'ch'],
    ['n'],
  )
  await load(
    'purchases raw 1d',
    null,
    `SELECT tenant_id, toString(toStartOfDay(occurred_at)) AS b, currency, count() AS purchases,
       toString(toInt64(sum(revenue) * 10000)) AS revenue_units
     FROM ${ch.table(RAW_TABLE.customers)} WHERE type = 'customer.purchase' GROUP BY tenant_id, b, currency`,
    ['tenant_id', 'b', 'currency'],
    ['purchases', 'revenue_units'],
  )
  return t
}

/**
 * Parts of each raw table without a projection they should carry (by `projection`), so the
 * totals read through a projection cover every row. Empty when everything is covered.
 */
export async function projectionCoverage(ch: ClickHouse): Promise<string[]> {
  const problems: string[] = []
  for (const [table, projections] of Object.entries(PROJECTIONS)) {
    const parts = await queryRows(ch, {
      name: 'ledger_parts',
      sql: `SELECT name FROM system.parts WHERE database = {db:String} AND table = {table:String} AND active`,
      params: { db: ch.database, table },
      row: z.object({ name: z.string() }),
    })
    for (const projection of projections) {
      const withIt = await queryRows(ch, {
        name: 'ledger_projection_parts',
        sql: `SELECT parent_name AS part FROM system.projection_parts
              WHERE database = {db:String} AND table = {table:String} AND name = {projection:String} AND active`,
        params: { db: ch.database, table, projection },
        row: z.object({ part: z.string() }),
      })
      const have = new Set(withIt.map((r) => r.part))
      for (const part of parts) {
        if (!have.has(part.name)) problems.push(`${table} part ${part.name} lacks ${projection}`)
      }
    }
  }
  return problems
}

/** Sums of floating-point values: their order of addition differs, so they get a tolerance. */
const FLOAT_SUMS = new Set(['norm_sum', 'norm_sum_sq', 'wait_sum', 'iqs_sum'])

/** Mismatches between expected and actual totals (float sums within 1e-9 relative, counts exact). */
export function compareTotals(expected: Totals, actual: Totals): string[] {
  const problems: string[] = []
  for (const [name, exp] of Object.entries(expected)) {
    const act = actual[name] ?? new Map<string, Sums>()
    for (const [key, sums] of exp) {
      const got = act.get(key)
      if (!got) {
        problems.push(`${name} ${key}: missing`)
        continue
      }
      for (const [k, v] of Object.entries(sums)) {
        const g = got[k] ?? NaN
        const ok = !FLOAT_SUMS.has(k) ? g === v : Math.abs(g - v) <= 1e-9 * Math.max(1, Math.abs(v))
        if (!ok) problems.push(`${name} ${key} ${k}: expected ${v}, got ${g}`)
      }
    }
    for (const key of act.keys()) if (!exp.has(key)) problems.push(`${name} ${key}: unexpected`)
  }
  return problems
}

/** A one-line-per-rollup summary for the test output. */
export function describeTotals(expected: Totals, actual: Totals): string {
  return Object.entries(expected)
    .map(([name, exp]) => {
      const sum = (m: Map<string, Sums> | undefined, k: string) =>
        [...(m?.values() ?? [])].reduce((s, x) => s + (x[k] ?? 0), 0)
      const field = Object.keys([...exp.values()][0] ?? {})[0] ?? 'n'
      return `${name}: ${exp.size} keys, Σ${field} expected ${sum(exp, field)} / actual ${sum(actual[name], field)} (${actual[name]?.size ?? 0} keys)`
    })
    .join('\n')
}

/** Distinct event ids per raw table, and total rows (a duplicate row would show up here). */
export async function rawLedger(ch: ClickHouse) {
  const out: Record<string, { rows: number; ids: Set<string> }> = {}
  for (const table of RAW_TABLES) {
    const rows = await queryRows(ch, {
      name: `ledger_${table}`,
      sql: `SELECT toString(event_id) AS id FROM ${ch.table(table)}`,
      row: z.object({ id: z.string() }),
    })
    out[table] = { rows: rows.length, ids: new Set(rows.map((r) => r.id)) }
  }
  return out
}
