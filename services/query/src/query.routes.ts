import type { IncomingMessage, ServerResponse } from 'node:http'
import type { KeyStore } from '@cxpulse/auth'
import type { ClickHouse } from '@cxpulse/clickhouse'
import { HttpError, sendJson, type RouteOutcome } from '@cxpulse/http'
import { METRICS, isMetricId, type MetricResult } from '@cxpulse/metrics'
import type { QueryLimits } from './config.ts'
import { SUPPORTED_METRICS, computeWindow, type WindowResult } from './metric.compute.ts'
import { filtersOf, parseMetricQuery } from './query.params.ts'

/** Display precision: values leave the API with at most this many decimals. */
const DECIMALS = 4

/** Rounds every number in a result tree; non-finite numbers become null (JSON has no NaN). */
function roundDeep(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null
    const f = 10 ** DECIMALS
    return Math.round(value * f) / f
  }
  if (Array.isArray(value)) return value.map(roundDeep)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)]))
  }
  return value
}

function flat(r: MetricResult<unknown>) {
  return { value: r.value, n: r.n, ci95: r.ci95 ?? null, components: r.components ?? null }
}

export function authenticate(
  keys: KeyStore,
  req: IncomingMessage,
): { tenantId: string; keyId: string } {
  const auth = keys.authenticateHeader(req.headers.authorization, 'query')
  if (auth.ok) return { tenantId: auth.tenantId, keyId: auth.keyId }
  const message =
    auth.reason === 'scope'
      ? 'this API key may not query metrics'
      : auth.reason === 'missing_key'
        ? 'send Authorization: Bearer <api key>'
        : 'the API key is not valid'
  throw new HttpError(
    auth.status,
    auth.reason,
    message,
    undefined,
    auth.status === 401 ? { 'www-authenticate': 'Bearer' } : {},
  )
}

/** GET /v1/metrics: what can be asked. */
export function listMetrics(res: ServerResponse): RouteOutcome {
  sendJson(res, 200, {
    metrics: SUPPORTED_METRICS.map((id) => METRICS[id]),
  })
  return { route: '/v1/metrics', status: 200 }
}

/** GET /v1/metrics/{metric}: one metric over [from, to), for the key's tenant only. */
export async function getMetric(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { keys: KeyStore; ch: ClickHouse; limits: QueryLimits },
  metric: string,
  search: URLSearchParams,
): Promise<RouteOutcome> {
  const { tenantId, keyId } = authenticate(deps.keys, req)
  if (!isMetricId(metric) || !SUPPORTED_METRICS.includes(metric)) {
    throw new HttpError(
      404,
      'unknown_metric',
      `unknown metric "${metric.slice(0, 64)}"; GET /v1/metrics lists them`,
    )
  }
  const q = parseMetricQuery(search, deps.limits, {
    unboundedWindow: metric === 'historical_clv',
  })
  const spec = {
    tenantId,
    from: q.from,
    to: q.to,
    tz: q.tz,
    filters: filtersOf(q),
    maxGroups: deps.limits.maxGroups,
    ...(q.interval ? { interval: q.interval } : {}),
    ...(q.group_by ? { groupBy: q.group_by } : {}),
  }
  const current: WindowResult = await computeWindow(deps.ch, metric, spec, q)
  const body: Record<string, unknown> = {
    metric,
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    tz: q.tz,
    ...flat(current.total),
  }
  if (current.series) body['series'] = current.series.map((p) => ({ at: p.at, ...flat(p) }))
  if (current.groups) body['groups'] = current.groups.map((g) => ({ key: g.key, ...flat(g) }))
  if (q.compare === 'previous_period') {
    const span = q.to.getTime() - q.from.getTime()
    const previousSpec = { ...spec, from: new Date(q.from.getTime() - span), to: q.from }
    delete (previousSpec as { interval?: unknown }).interval
    delete (previousSpec as { groupBy?: unknown }).groupBy
    const previous = await computeWindow(deps.ch, metric, previousSpec, q)
    body['previous'] = {
      from: previousSpec.from.toISOString(),
      to: previousSpec.to.toISOString(),
      ...flat(previous.total),
    }
    body['delta'] =
      current.total.value === null || previous.total.value === null
        ? null
        : current.total.value - previous.total.value
  }
  sendJson(res, 200, roundDeep(body))
  return { route: '/v1/metrics/{metric}', status: 200, tenant: tenantId, keyId, metric }
}
