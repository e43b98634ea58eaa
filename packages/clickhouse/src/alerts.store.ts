import { z } from 'zod'
import type { ClickHouse } from './client.ts'
import { queryRows } from './query.ts'
import { RAW_TABLE } from './tables.ts'

const num = z.coerce.number()
const ms = (d: Date) => d.getTime()

// ---------------------------------------------------------------- rules

export interface StoredRule {
  tenant_id: string
  rule_id: string
  /** The rule as JSON; the alerting package's schema parses it. */
  rule: string
  updated_at: string
}

const ruleRow = z.object({
  tenant_id: z.string(),
  rule_uuid: z.string(),
  rule_json: z.string(),
  latest_version: num,
})

/** Writes a new version of a rule (or its deletion). Versions are milliseconds, strictly rising per write. */
export async function putRule(
  ch: ClickHouse,
  r: { tenantId: string; ruleId: string; rule: string; deleted?: boolean; version?: number },
): Promise<void> {
  await ch.insert(
    'alert_rules',
    [
      {
        tenant_id: r.tenantId,
        rule_id: r.ruleId,
        rule: r.rule,
        deleted: r.deleted ? 1 : 0,
        version: r.version ?? Date.now(),
      },
    ],
    {
      dedupToken: `rule:${r.tenantId}:${r.ruleId}:${r.version ?? Date.now()}:${r.deleted ? 1 : 0}`,
    },
  )
}

/** The newest live version of every rule, of one tenant or (for the alerter) of all tenants. */
export async function listRules(
  ch: ClickHouse,
  filter: { tenantId?: string; ruleId?: string } = {},
): Promise<StoredRule[]> {
  const where = [
    filter.tenantId !== undefined ? 'tenant_id = {tenant:String}' : '',
    filter.ruleId !== undefined ? 'rule_id = toUUID({rule_id:String})' : '',
  ].filter(Boolean)
  const rows = await queryRows(ch, {
    name: 'alert_rules',
    sql:
      `SELECT tenant_id, toString(rule_id) AS rule_uuid, argMax(rule, version) AS rule_json, ` +
      `argMax(deleted, version) AS is_deleted, max(version) AS latest_version ` +
      `FROM ${ch.table('alert_rules')} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `GROUP BY tenant_id, rule_id HAVING is_deleted = 0 ORDER BY tenant_id, latest_version, rule_uuid`,
    params: { tenant: filter.tenantId ?? '', rule_id: filter.ruleId ?? '' },
    row: ruleRow,
  })
  return rows.map((r) => ({
    tenant_id: r.tenant_id,
    rule_id: r.rule_uuid,
    rule: r.rule_json,
    updated_at: new Date(r.latest_version).toISOString(),
  }))
}

/** Tenants that ever had a rule (deleted ones included): they never get defaults again. */
export async function tenantsWithRules(ch: ClickHouse): Promise<Set<string>> {
  const rows = await queryRows(ch, {
    name: 'alert_rule_tenants',
    sql: `SELECT DISTINCT tenant_id FROM ${ch.table('alert_rules')}`,
    row: z.object({ tenant_id: z.string() }),
  })
  return new Set(rows.map((r) => r.tenant_id))
}

/** Tenants with survey responses since `since` (hour buckets). */
export async function tenantsWithSurveys(ch: ClickHouse, since: Date): Promise<string[]> {
  const rows = await queryRows(ch, {
    name: 'survey_tenants',
    sql:
      `SELECT DISTINCT tenant_id FROM ${ch.table(RAW_TABLE.surveys)} ` +
      `WHERE occurred_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') ORDER BY tenant_id`,
    params: { since: ms(since) },
    row: z.object({ tenant_id: z.string() }),
  })
  return rows.map((r) => r.tenant_id)
}

/**
 * A tenant's default rules, written once: concurrent alerters insert the same block with the
 * same token, so ClickHouse keeps one copy.
 */
export async function insertDefaultRules(
  ch: ClickHouse,
  tenantId: string,
  rules: readonly { ruleId: string; rule: string }[],
): Promise<void> {
  await ch.insert(
    'alert_rules',
    rules.map((r) => ({
      tenant_id: tenantId,
      rule_id: r.ruleId,
      rule: r.rule,
      deleted: 0,
      version: 1,
    })),
    { dedupToken: `default-rules:${tenantId}` },
  )
}

// ---------------------------------------------------------------- alert lifecycle

export type AlertTransitionState = 'firing' | 'resolved'

export interface AlertTransition {
  tenantId: string
  ruleId: string
  groupKey: string
  incidentSeq: number
  state: AlertTransitionState
  alertId: string
  at: Date
  evaluator: string
  /** The alert as delivered (JSON): figures of both windows, p-value, rule name. */
  payload: string
}

/**
 * Records a transition; returns the evaluator whose row is stored — the caller delivers the
 * alert only when that is itself. Every instance uses the same token for the same transition,
 * so a concurrent duplicate insert is dropped by ClickHouse.
 */
export async function recordTransition(ch: ClickHouse, t: AlertTransition): Promise<string> {
  await ch.insert(
    'alert_events',
    [
      {
        tenant_id: t.tenantId,
        rule_id: t.ruleId,
        group_key: t.groupKey,
        incident_seq: t.incidentSeq,
        state: t.state,
        alert_id: t.alertId,
        at: t.at.toISOString(),
        evaluator: t.evaluator,
        payload: t.payload,
      },
    ],
    { dedupToken: `alert:${t.tenantId}:${t.ruleId}:${t.groupKey}:${t.incidentSeq}:${t.state}` },
  )
  const [row] = await queryRows(ch, {
    name: 'alert_transition_writer',
    sql:
      `SELECT min(evaluator) AS evaluator FROM ${ch.table('alert_events')} ` +
      `WHERE tenant_id = {tenant:String} AND rule_id = toUUID({rule_id:String}) ` +
      `AND group_key = {group:String} AND incident_seq = {seq:UInt32} AND state = {state:String}`,
    params: {
      tenant: t.tenantId,
      rule_id: t.ruleId,
      group: t.groupKey,
      seq: t.incidentSeq,
      state: t.state,
    },
    row: z.object({ evaluator: z.string() }),
  })
  return row?.evaluator ?? ''
}

export interface GroupState {
  incidentSeq: number
  state: AlertTransitionState
}

/** The latest transition of every group of one rule. */
export async function alertStates(
  ch: ClickHouse,
  tenantId: string,
  ruleId: string,
): Promise<Map<string, GroupState>> {
  const rows = await queryRows(ch, {
    name: 'alert_states',
    sql:
      `SELECT group_key, max(incident_seq) AS seq, ` +
      `argMax(state, (incident_seq, state = 'resolved')) AS last_state ` +
      `FROM ${ch.table('alert_events')} WHERE tenant_id = {tenant:String} ` +
      `AND rule_id = toUUID({rule_id:String}) GROUP BY group_key`,
    params: { tenant: tenantId, rule_id: ruleId },
    row: z.object({
      group_key: z.string(),
      seq: num,
      last_state: z.enum(['firing', 'resolved']),
    }),
  })
  return new Map(rows.map((r) => [r.group_key, { incidentSeq: r.seq, state: r.last_state }]))
}

const alertRow = z.object({
  incident_id: z.string(),
  rule_uuid: z.string(),
  group_key: z.string(),
  incident_state: z.enum(['firing', 'resolved']),
  fired_ms: num,
  resolved_ms: num.nullable(),
  payload: z.string(),
})
export interface StoredAlert {
  alert_id: string
  rule_id: string
  group_key: string
  state: 'firing' | 'resolved'
  fired_at: string
  resolved_at: string | null
  payload: string
}

/** A tenant's incidents, newest first, with the figures of their firing. */
export async function listAlerts(
  ch: ClickHouse,
  q: { tenantId: string; state: 'firing' | 'resolved' | 'all'; limit: number },
): Promise<StoredAlert[]> {
  const rows = await queryRows(ch, {
    name: 'alerts',
    sql:
      `SELECT toString(any(alert_id)) AS incident_id, toString(rule_id) AS rule_uuid, group_key, ` +
      `if(countIf(state = 'resolved') > 0, 'resolved', 'firing') AS incident_state, ` +
      `toUnixTimestamp64Milli(minIf(at, state = 'firing')) AS fired_ms, ` +
      `if(countIf(state = 'resolved') > 0, toUnixTimestamp64Milli(maxIf(at, state = 'resolved')), NULL) AS resolved_ms, ` +
      `anyIf(payload, state = 'firing') AS payload ` +
      `FROM ${ch.table('alert_events')} WHERE tenant_id = {tenant:String} ` +
      `GROUP BY rule_id, group_key, incident_seq ` +
      `HAVING {state:String} = 'all' OR incident_state = {state:String} ` +
      `ORDER BY fired_ms DESC LIMIT {limit:UInt32}`,
    params: { tenant: q.tenantId, state: q.state, limit: q.limit },
    row: alertRow,
  })
  return rows.map((r) => ({
    alert_id: r.incident_id,
    rule_id: r.rule_uuid,
    group_key: r.group_key,
    state: r.incident_state,
    payload: r.payload,
    fired_at: new Date(r.fired_ms).toISOString(),
    resolved_at: r.resolved_ms === null ? null : new Date(r.resolved_ms).toISOString(),
  }))
}

export interface AlertDelivery {
  tenantId: string
  alertId: string
  state: AlertTransitionState
  channel: 'kafka' | 'webhook'
  outcome: 'delivered' | 'dead_letter'
  attempts: number
  detail: string
}

export async function recordDelivery(ch: ClickHouse, d: AlertDelivery): Promise<void> {
  await ch.insert('alert_deliveries', [
    {
      tenant_id: d.tenantId,
      alert_id: d.alertId,
      state: d.state,
      channel: d.channel,
      outcome: d.outcome,
      attempts: d.attempts,
      at: new Date().toISOString(),
      detail: d.detail,
    },
  ])
}

/**
 * Transitions with no delivery record that are older than `before`: their writer died
 * between recording and delivering. Any instance may deliver them (receivers dedupe on the
 * delivery id, `alert_id:state`).
 */
export async function undeliveredTransitions(
  ch: ClickHouse,
  before: Date,
): Promise<
  { tenant_id: string; alert_id: string; state: AlertTransitionState; payload: string }[]
> {
  return queryRows(ch, {
    name: 'undelivered_alerts',
    sql:
      `SELECT tenant_id, toString(alert_id) AS alert_id, state, any(payload) AS payload ` +
      `FROM ${ch.table('alert_events')} WHERE at < fromUnixTimestamp64Milli({before:Int64}, 'UTC') ` +
      `AND (tenant_id, alert_id, state) NOT IN ` +
      `(SELECT tenant_id, alert_id, state FROM ${ch.table('alert_deliveries')}) ` +
      `GROUP BY tenant_id, alert_id, state`,
    params: { before: ms(before) },
    row: z.object({
      tenant_id: z.string(),
      alert_id: z.string(),
      state: z.enum(['firing', 'resolved']),
      payload: z.string(),
    }),
  })
}
