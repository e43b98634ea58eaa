import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { RAW_TABLE } from './tables.ts'
import {
  aggregate,
  chooseGranularity,
  countRow,
  num,
  timeAt,
  type Dimension,
  type Keyed,
  type WindowSpec,
} from './window.query.ts'

/** What a ticket metric can be filtered and grouped by (a ticket has no survey_id). */
export const TICKET_DIMENSIONS: readonly Dimension[] = [
  'channel',
  'agent',
  'team',
  'product',
  'region',
  'segment',
]

/**
 * One row per ticket, written exactly as the projection p_ticket aggregates ticket events
 * (0005_projections.sql), so ClickHouse reads the per-ticket state instead of every event.
 * Aliases differ from column names so no aggregate is read back into another.
 */
function ticketStateSql(ch: ClickHouse): string {
  return (
    `SELECT tenant_id, ticket_id, ` +
    `minIfOrNull(occurred_at, type = 'ticket.created') AS s_created, ` +
    `minIfOrNull(occurred_at, type = 'ticket.first_response') AS s_first_response, ` +
    `maxIfOrNull(occurred_at, type = 'ticket.resolved') AS s_last_resolved, ` +
    `maxIfOrNull(occurred_at, type = 'ticket.reopened') AS s_last_reopened, ` +
    `countIf(type = 'ticket.reopened') AS s_reopens, ` +
    `countIf(type = 'ticket.escalated') AS s_escalations, ` +
    `max(complaint) AS s_complaint, ` +
    "uniqExactIf((occurred_at, `dimensions.agent`), type IN ('ticket.first_response', 'ticket.agent_replied')) AS s_agent_messages, " +
    "argMinIf(`dimensions.channel`, (type != 'ticket.created', occurred_at), `dimensions.channel` != '') AS s_channel, " +
    "argMinIf(`dimensions.product`, (type != 'ticket.created', occurred_at), `dimensions.product` != '') AS s_product, " +
    "argMinIf(`dimensions.region`, (type != 'ticket.created', occurred_at), `dimensions.region` != '') AS s_region, " +
    "argMinIf(`dimensions.segment`, (type != 'ticket.created', occurred_at), `dimensions.segment` != '') AS s_segment, " +
    "argMinIf(`dimensions.agent`, occurred_at, type = 'ticket.first_response') AS s_frt_agent, " +
    "argMinIf(`dimensions.team`, occurred_at, type = 'ticket.first_response') AS s_frt_team, " +
    "argMaxIf(`dimensions.agent`, occurred_at, type = 'ticket.resolved') AS s_resolve_agent, " +
    "argMaxIf(`dimensions.team`, occurred_at, type = 'ticket.resolved') AS s_resolve_team " +
    `FROM ${ch.table(RAW_TABLE.tickets)} WHERE tenant_id = {tenant:String} GROUP BY tenant_id, ticket_id`
  )
}

/**
 * A ticket is resolved when its last resolve came after its last reopen (a ticket reopened and
 * not resolved again is not resolved).
 */
const RESOLVED =
  's_last_resolved IS NOT NULL AND (s_last_reopened IS NULL OR s_last_reopened < s_last_resolved)'

/** The metric's view of each ticket: when it counts, the dimensions it is filtered by, its flags. */
function perTicket(ch: ClickHouse, measured: 'first_response' | 'resolve'): string {
  const at = measured === 'first_response' ? 's_first_response' : 's_last_resolved'
  const who = measured === 'first_response' ? 'frt' : 'resolve'
  return (
    `(SELECT tenant_id, ticket_id, s_created AS created_at, ${at} AS measured_at, ` +
    `s_channel AS channel, s_${who}_agent AS agent, s_${who}_team AS team, s_product AS product, ` +
    `s_region AS region, s_segment AS segment, s_reopens AS reopens, s_escalations AS escalations, ` +
    `s_complaint AS complaint, s_agent_messages AS agent_messages ` +
    `FROM (${ticketStateSql(ch)}) WHERE ${measured === 'resolve' ? RESOLVED : 's_first_response IS NOT NULL'})`
  )
}

const durationsRow = z.object({
  n: num,
  sum: num,
  median: num.nullable(),
  p90: num.nullable(),
})
export type Durations = z.output<typeof durationsRow>

export type DurationMetric = 'frt' | 'resolution_time' | 'complaint_resolution_time'

/**
 * Per-ticket durations in seconds, summarised by ClickHouse (count, sum, and type-7 median and
 * p90: quantileExactInclusive), for tickets whose measured moment falls in the window:
 * FRT = first_response − created (by first response, agent and team of the first response);
 * resolution = last resolve − created (by last resolve of a resolved ticket, agent and team of
 * that resolve); complaint resolution = the same over tickets flagged complaint or escalated.
 * A ticket without its created event, or measured before it, has no duration.
 */
export async function queryTicketDurations(
  ch: ClickHouse,
  spec: WindowSpec & { metric: DurationMetric },
): Promise<Keyed<Durations>[]> {
  const seconds = `dateDiff('millisecond', created_at, measured_at) / 1000`
  const onlyComplaints =
    spec.metric === 'complaint_resolution_time' ? ' AND (complaint = 1 OR escalations > 0)' : ''
  return aggregate(
    ch,
    `ticket_durations_${spec.metric}`,
    {
      table: perTicket(ch, spec.metric === 'frt' ? 'first_response' : 'resolve'),
      time: 'assumeNotNull(measured_at)',
      columns: {
        n: 'count()',
        sum: `sum(${seconds})`,
        median: `if(count() = 0, NULL, quantileExactInclusive(0.5)(${seconds}))`,
        p90: `if(count() = 0, NULL, quantileExactInclusive(0.9)(${seconds}))`,
      },
    },
    spec,
    durationsRow,
    {
      dimensions: TICKET_DIMENSIONS,
      extraWhere: `created_at IS NOT NULL AND measured_at >= created_at${onlyComplaints}`,
    },
  )
}

const AGENT_TYPES = "('ticket.first_response', 'ticket.agent_replied')"
const MESSAGE_TYPES =
  "('ticket.created', 'ticket.customer_replied', 'ticket.first_response', 'ticket.agent_replied')"

/**
 * One row per agent reply that answers a customer message, with `reply_seconds`, the replying
 * agent and team, and the ticket's channel/product/region/segment (as every ticket metric
 * takes them, from the per-ticket state).
 *
 * The SPEC pairs each agent message with the latest customer message before it that no earlier
 * agent message answered (`ticket.created` is the first customer message). In time order that
 * is the message just before it, when that one is the customer's; so a window function over
 * each ticket's distinct messages (agent messages: distinct (instant, agent), as FCR counts
 * them; at one instant the customer's first, then agents by name) finds every pair —
 * @cxpulse/metrics `pairReplies` is the same rule in TypeScript. This reads raw rows: a reply
 * depends on the ticket's whole conversation, which no aggregate projection holds. Only tickets
 * with an agent message in the window and their events before `to` are read.
 */
function replyPairs(ch: ClickHouse): string {
  const table = ch.table(RAW_TABLE.tickets)
  const window =
    `occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') ` +
    `AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')`
  const messages =
    `SELECT ticket_id, at, is_agent, msg_agent, ` +
    // The first response's team when an agent_replied duplicates it.
    `argMin(msg_team, type != 'ticket.first_response') AS msg_team ` +
    `FROM (SELECT ticket_id, type, occurred_at AS at, type IN ${AGENT_TYPES} AS is_agent, ` +
    "if(is_agent, `dimensions.agent`, '') AS msg_agent, if(is_agent, `dimensions.team`, '') AS msg_team " +
    `FROM ${table} WHERE tenant_id = {tenant:String} AND type IN ${MESSAGE_TYPES} ` +
    `AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC') ` +
    `AND ticket_id GLOBAL IN (SELECT ticket_id FROM ${table} WHERE tenant_id = {tenant:String} ` +
    `AND type IN ${AGENT_TYPES} AND ${window})) ` +
    `GROUP BY ticket_id, at, is_agent, msg_agent`
  const ordered =
    `SELECT ticket_id, at, is_agent, msg_agent, msg_team, ` +
    `lagInFrame(is_agent, 1, toUInt8(1)) OVER w AS prev_is_agent, lagInFrame(at, 1, at) OVER w AS prev_at ` +
    `FROM (${messages}) ` +
    `WINDOW w AS (PARTITION BY ticket_id ORDER BY at, is_agent, msg_agent ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)`
  const state = `SELECT ticket_id, s_channel, s_product, s_region, s_segment FROM (${ticketStateSql(ch)})`
  return (
    `(SELECT {tenant:String} AS tenant_id, m.ticket_id AS ticket_id, m.at AS replied_at, ` +
    `dateDiff('millisecond', m.prev_at, m.at) / 1000 AS reply_seconds, ` +
    `m.msg_agent AS agent, m.msg_team AS team, t.s_channel AS channel, t.s_product AS product, ` +
    `t.s_region AS region, t.s_segment AS segment ` +
    `FROM (SELECT * FROM (${ordered}) WHERE is_agent = 1 AND prev_is_agent = 0) AS m ` +
    `LEFT ANY JOIN (${state}) AS t ON t.ticket_id = m.ticket_id)`
  )
}

/**
 * Average reply time over agent replies in the window (by the reply's time; agent and team of
 * the replying agent): count, sum of reply − answered customer message in seconds, and the
 * type-7 median and p90.
 */
export async function queryReplyTimes(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<Durations>[]> {
  return aggregate(
    ch,
    'ticket_reply_times',
    {
      table: replyPairs(ch),
      time: 'replied_at',
      columns: {
        n: 'count()',
        sum: 'sum(reply_seconds)',
        median: 'if(count() = 0, NULL, quantileExactInclusive(0.5)(reply_seconds))',
        p90: 'if(count() = 0, NULL, quantileExactInclusive(0.9)(reply_seconds))',
      },
    },
    spec,
    durationsRow,
    { dimensions: TICKET_DIMENSIONS },
  )
}

const fcrRow = z.object({ n: num, first_contact: num })

/**
 * Tickets resolved in the window (by last resolve; agent of that resolve) and those resolved
 * with exactly one agent message and never reopened.
 */
export async function queryFcr(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof fcrRow>>[]> {
  return aggregate(
    ch,
    'ticket_fcr',
    {
      table: perTicket(ch, 'resolve'),
      time: 'assumeNotNull(measured_at)',
      columns: { n: 'count()', first_contact: 'countIf(agent_messages = 1 AND reopens = 0)' },
    },
    spec,
    fcrRow,
    { dimensions: TICKET_DIMENSIONS },
  )
}

const resolvedFlagsRow = z.object({ n: num, reopened: num, escalated: num })

/**
 * Tickets resolved in the window (by last resolve; agent and team of that resolve, as FCR) and
 * those of them ever reopened / ever escalated: reopen rate and escalation rate. Read from the
 * per-ticket state projection.
 */
export async function queryResolvedFlags(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof resolvedFlagsRow>>[]> {
  return aggregate(
    ch,
    'ticket_resolved_flags',
    {
      table: perTicket(ch, 'resolve'),
      time: 'assumeNotNull(measured_at)',
      columns: {
        n: 'count()',
        reopened: 'countIf(reopens > 0)',
        escalated: 'countIf(escalations > 0)',
      },
    },
    spec,
    resolvedFlagsRow,
    { dimensions: TICKET_DIMENSIONS },
  )
}

const slaRow = z.object({ n: num, within: num })

/**
 * Tickets whose first response falls in the window (agent and team of the first response, as
 * FRT; a ticket without its created event has no response time and is left out, as in FRT) and
 * those first answered within `targetSeconds` (first_response − created ≤ target). Read from the
 * per-ticket state projection.
 */
export async function querySla(
  ch: ClickHouse,
  spec: WindowSpec & { targetSeconds: number },
): Promise<Keyed<z.output<typeof slaRow>>[]> {
  return aggregate(
    ch,
    'ticket_sla',
    {
      table: perTicket(ch, 'first_response'),
      time: 'assumeNotNull(measured_at)',
      columns: {
        n: 'count()',
        within: `countIf(dateDiff('millisecond', created_at, measured_at) <= {sla_target_ms:Int64})`,
      },
    },
    spec,
    slaRow,
    {
      dimensions: TICKET_DIMENSIONS,
      extraWhere: 'created_at IS NOT NULL AND measured_at >= created_at',
      extraParams: { sla_target_ms: Math.round(spec.targetSeconds * 1000) },
    },
  )
}

/** What a backlog can be filtered and grouped by: the ticket's own dimensions (no one agent). */
const BACKLOG_DIMENSIONS: readonly Dimension[] = ['channel', 'product', 'region', 'segment']

/**
 * Open backlog at instant `to`: tickets created before `to` whose latest state before `to` is
 * not resolved (never resolved, or reopened at or after their last resolve, as RESOLVED reads
 * it). State as of `to` is not what the all-time per-ticket projection holds, so this reads the
 * raw rows before `to`; dimensions come from those events the way p_ticket takes them.
 * `from` plays no part (a backlog is an instant): the window given to `aggregate` starts at the
 * epoch so every ticket created before `to` is in it.
 */
export async function queryOpenBacklog(
  ch: ClickHouse,
  spec: Omit<WindowSpec, 'interval'>,
): Promise<Keyed<z.output<typeof countRow>>[]> {
  const dim = (d: string) =>
    `argMinIf(\`dimensions.${d}\`, (type != 'ticket.created', occurred_at), \`dimensions.${d}\` != '') AS ${d}`
  const asOfTo =
    `(SELECT tenant_id, ticket_id, minIfOrNull(occurred_at, type = 'ticket.created') AS created_at, ` +
    `maxIfOrNull(occurred_at, type = 'ticket.resolved') AS s_last_resolved, ` +
    `maxIfOrNull(occurred_at, type = 'ticket.reopened') AS s_last_reopened, ` +
    `${BACKLOG_DIMENSIONS.map(dim).join(', ')} ` +
    `FROM ${ch.table(RAW_TABLE.tickets)} WHERE tenant_id = {tenant:String} ` +
    `AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC') GROUP BY tenant_id, ticket_id)`
  return aggregate(
    ch,
    'ticket_open_backlog',
    { table: asOfTo, time: 'assumeNotNull(created_at)', columns: { n: 'count()' } },
    { ...spec, from: new Date(0) },
    countRow,
    { dimensions: BACKLOG_DIMENSIONS, extraWhere: `created_at IS NOT NULL AND NOT (${RESOLVED})` },
  )
}

const waitRow = z.object({ n: num, wait_sum: num })

/** Queue wait sum and the number of events that reported one (customers served). */
export async function queryQueueWait(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof waitRow>>[]> {
  const granularity = chooseGranularity(spec, ['1d', '1h'])
  return aggregate(
    ch,
    `queue_wait_${granularity}`,
    {
      table: ch.table(RAW_TABLE.tickets),
      time: timeAt(granularity),
      columns: { n: 'count(queue_wait_seconds)', wait_sum: 'sum(queue_wait_seconds)' },
    },
    spec,
    waitRow,
    { dimensions: TICKET_DIMENSIONS },
  )
}

/** `ticket.created` events per channel (or per the chosen key) — the ticket half of channel mix. */
export async function queryTicketsCreated(
  ch: ClickHouse,
  spec: WindowSpec,
): Promise<Keyed<z.output<typeof countRow>>[]> {
  const granularity = chooseGranularity(spec, ['1d', '1h'])
  return aggregate(
    ch,
    `tickets_created_${granularity}`,
    { table: ch.table(RAW_TABLE.tickets), time: timeAt(granularity), columns: { n: 'count()' } },
    spec,
    countRow,
    { dimensions: TICKET_DIMENSIONS, extraWhere: "type = 'ticket.created'" },
  )
}
