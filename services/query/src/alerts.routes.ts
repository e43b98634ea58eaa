import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { alertRuleInput } from '@cxpulse/alerting'
import type { KeyStore } from '@cxpulse/auth'
import { listAlerts, listRules, putRule, type ClickHouse } from '@cxpulse/clickhouse'
import { HttpError, readJsonBody, sendJson, type RouteOutcome } from '@cxpulse/http'
import { authenticate } from './query.routes.ts'

const MAX_RULE_BODY_BYTES = 64 * 1024
/** Bounds what one tenant can make the alerter evaluate every interval. */
const MAX_RULES_PER_TENANT = 100

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

interface Deps {
  keys: KeyStore
  ch: ClickHouse
}

function ruleView(stored: { rule_id: string; rule: string; updated_at: string }) {
  return {
    rule_id: stored.rule_id,
    ...(JSON.parse(stored.rule) as object),
    updated_at: stored.updated_at,
  }
}

async function parseRule(req: IncomingMessage) {
  const parsed = alertRuleInput.safeParse(await readJsonBody(req, MAX_RULE_BODY_BYTES))
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
    throw new HttpError(
      400,
      'invalid_rule',
      `invalid alert rule: ${errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; ')}`,
      errors,
    )
  }
  return parsed.data
}

/**
 * /v1/alert-rules and /v1/alert-rules/{id}: a tenant's rules (CRUD), validated with the
 * alerting package's schema. A key only ever sees and changes its own tenant's rules.
 */
export async function alertRulesRoute(
  req: IncomingMessage,
  res: ServerResponse,
  deps: Deps,
  ruleId: string | undefined,
): Promise<RouteOutcome> {
  const { tenantId } = authenticate(deps.keys, req)
  const route = ruleId === undefined ? '/v1/alert-rules' : '/v1/alert-rules/{id}'
  const method = req.method ?? 'GET'
  if (ruleId === undefined) {
    if (method === 'GET' || method === 'HEAD') {
      const rules = await listRules(deps.ch, { tenantId })
      sendJson(res, 200, { rules: rules.map(ruleView) })
      return { route, status: 200, tenant: tenantId }
    }
    if (method === 'POST') {
      const input = await parseRule(req)
      if ((await listRules(deps.ch, { tenantId })).length >= MAX_RULES_PER_TENANT) {
        throw new HttpError(
          409,
          'too_many_rules',
          `a tenant may have at most ${MAX_RULES_PER_TENANT} rules`,
        )
      }
      const id = randomUUID()
      await putRule(deps.ch, { tenantId, ruleId: id, rule: JSON.stringify(input) })
      const [stored] = await listRules(deps.ch, { tenantId, ruleId: id })
      sendJson(res, 201, ruleView(stored!), { location: `/v1/alert-rules/${id}` })
      return { route, status: 201, tenant: tenantId }
    }
    throw new HttpError(405, 'method_not_allowed', 'use GET or POST', undefined, {
      allow: 'GET, POST',
    })
  }

  const existing = UUID.test(ruleId)
    ? (await listRules(deps.ch, { tenantId, ruleId }))[0]
    : undefined
  if (!existing) throw new HttpError(404, 'unknown_rule', 'no such alert rule')
  if (method === 'GET' || method === 'HEAD') {
    sendJson(res, 200, ruleView(existing))
    return { route, status: 200, tenant: tenantId }
  }
  // Versions must rise: a write in the same millisecond as the stored one goes one later.
  const version = Math.max(Date.now(), Date.parse(existing.updated_at) + 1)
  if (method === 'PUT') {
    const input = await parseRule(req)
    await putRule(deps.ch, { tenantId, ruleId, rule: JSON.stringify(input), version })
    const [stored] = await listRules(deps.ch, { tenantId, ruleId })
    sendJson(res, 200, ruleView(stored!))
    return { route, status: 200, tenant: tenantId }
  }
  if (method === 'DELETE') {
    await putRule(deps.ch, { tenantId, ruleId, rule: existing.rule, deleted: true, version })
    res.writeHead(204).end()
    return { route, status: 204, tenant: tenantId }
  }
  throw new HttpError(405, 'method_not_allowed', 'use GET, PUT or DELETE', undefined, {
    allow: 'GET, PUT, DELETE',
  })
}

const alertsQuery = z
  .object({
    state: z.enum(['firing', 'resolved', 'all']).default('all'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict()

const payloadView = z.object({
  rule_name: z.string(),
  metric: z.string(),
  dimension: z.string().nullable(),
  dimension_value: z.string().nullable(),
  current: z.unknown(),
  baseline: z.unknown(),
  drop: z.number().nullable(),
  p_value: z.number().nullable(),
})

/** GET /v1/alerts: the tenant's incidents, newest first, with the figures that fired them. */
export async function alertsRoute(
  req: IncomingMessage,
  res: ServerResponse,
  deps: Deps,
  search: URLSearchParams,
): Promise<RouteOutcome> {
  const { tenantId } = authenticate(deps.keys, req)
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new HttpError(405, 'method_not_allowed', 'use GET', undefined, { allow: 'GET' })
  }
  const q = alertsQuery.safeParse(Object.fromEntries(search))
  if (!q.success) {
    const errors = q.error.issues.map((i) => ({
      path: i.path.join('.') || String((i as { keys?: string[] }).keys ?? ''),
      message: i.message,
    }))
    throw new HttpError(
      400,
      'invalid_parameter',
      errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      errors,
    )
  }
  const alerts = await listAlerts(deps.ch, { tenantId, state: q.data.state, limit: q.data.limit })
  sendJson(res, 200, {
    alerts: alerts.map((a) => {
      const p = payloadView.parse(JSON.parse(a.payload))
      return {
        alert_id: a.alert_id,
        rule_id: a.rule_id,
        rule_name: p.rule_name,
        metric: p.metric,
        dimension: p.dimension,
        dimension_value: p.dimension_value,
        state: a.state,
        fired_at: a.fired_at,
        resolved_at: a.resolved_at,
        current: p.current,
        baseline: p.baseline,
        drop: p.drop,
        p_value: p.p_value,
      }
    }),
  })
  return { route: '/v1/alerts', status: 200, tenant: tenantId }
}
