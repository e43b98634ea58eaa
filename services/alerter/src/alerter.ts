import { randomUUID } from 'node:crypto'
import {
  DEFAULT_RULES,
  alertRule,
  evaluateRule,
  signWebhook,
  type AlertRule,
  type GroupEvaluation,
  type WindowCounts,
} from '@cxpulse/alerting'
import {
  alertStates,
  createClickHouse,
  insertDefaultRules,
  listRules,
  querySurveySums,
  recordDelivery,
  recordTransition,
  tenantsWithRules,
  tenantsWithSurveys,
  undeliveredTransitions,
  type AlertTransitionState,
  type ClickHouse,
  type Keyed,
  type SurveySums,
} from '@cxpulse/clickhouse'
import { TOPIC_SPECS, deterministicUuid, topicNames } from '@cxpulse/contracts'
import { EMPTY_SURVEY_SUMS, MixedScalesError, addSurveySums, oneCesScale } from '@cxpulse/metrics'
import { startServiceHttp, stopUnderDeadline } from '@cxpulse/http'
import { createIdempotentProducer, createKafka, ensureTopics } from '@cxpulse/kafka'
import { createLogger, type Logger } from '@cxpulse/logger'
import type { Kafka, Producer } from 'kafkajs'
import { createAlerterMetrics } from './alerter.metrics.ts'
import type { AlerterConfig } from './config.ts'

const MINUTE = 60_000

export interface AlerterDeps {
  clickhouse?: ClickHouse
  kafka?: Kafka
  logger?: Logger
  /** The evaluation clock (tests drive it); defaults to the wall clock. */
  now?: () => Date
  fetch?: typeof fetch
}

/** What one evaluation did, for logs, the on-demand endpoint and tests. */
export interface EvaluationSummary {
  at: string
  rules: number
  fired: number
  resolved: number
  skipped: { rule_id: string; reason: string }[]
}

export interface AlerterHandle {
  readonly port: number
  readonly instanceId: string
  /** Evaluates every rule now (as the schedule does). */
  evaluate(): Promise<EvaluationSummary>
  stop(): Promise<void>
}

/** Deterministic id of one incident: every instance names the same incident the same way. */
export function incidentId(tenantId: string, ruleId: string, group: string, seq: number): string {
  return deterministicUuid(tenantId, ruleId, group, String(seq))
}

/** Default rules get stable ids per tenant, so concurrent alerters write the same rows. */
const defaultRuleId = (tenantId: string, index: number) =>
  incidentId(tenantId, 'default-rule', String(index), 0)

class SkipRule extends Error {}

/** A CES mean never spans two scales: without the rule's scale, mixed scales skip the rule. */
function cesRows(rows: Keyed<SurveySums>[], scale: string | null | undefined): Keyed<SurveySums>[] {
  try {
    return oneCesScale(rows, scale)
  } catch (error) {
    if (error instanceof MixedScalesError)
      throw new SkipRule(`${error.message}; set the rule’s scale`)
    throw error
  }
}

export function createAlerter(config: AlerterConfig, deps: AlerterDeps = {}) {
  const log = deps.logger ?? createLogger({ name: 'alerter', level: config.logLevel })
  const ownsClickHouse = !deps.clickhouse
  const ch = deps.clickhouse ?? createClickHouse(config.clickhouse)
  const kafka =
    deps.kafka ?? createKafka({ brokers: config.brokers, clientId: 'cxpulse-alerter' }, log)
  const now = deps.now ?? (() => new Date())
  const doFetch = deps.fetch ?? fetch
  const instanceId = config.instanceId ?? `alerter-${randomUUID()}`
  const alertsTopic = topicNames(config.topicPrefix).alerts
  const metrics = createAlerterMetrics()

  /** Survey sums of one window per group (null = the whole rule without fan-out). */
  async function windowCounts(rule: AlertRule, from: Date, to: Date) {
    const kind = rule.metric === 'ces_pct' ? 'ces' : rule.metric
    const { rows } = await querySurveySums(ch, {
      tenantId: rule.tenant_id,
      from,
      to,
      filters: rule.filters,
      kind,
      ...(kind === 'ces' ? { orientation: rule.orientation } : {}),
      ...(rule.fan_out ? { groupBy: rule.fan_out, maxGroups: rule.max_groups } : {}),
    })
    const byGroup = new Map<string | null, Keyed<SurveySums>[]>()
    for (const r of rule.metric === 'ces' ? cesRows(rows, rule.scale) : rows) {
      byGroup.set(r.key, [...(byGroup.get(r.key) ?? []), r])
    }
    return new Map([...byGroup].map(([k, v]) => [k, addSurveySums(v)]))
  }

  async function ensureDefaultRules(at: Date): Promise<void> {
    const withRules = await tenantsWithRules(ch)
    for (const tenant of await tenantsWithSurveys(ch, new Date(at.getTime() - 8 * 86_400_000))) {
      if (withRules.has(tenant)) continue
      await insertDefaultRules(
        ch,
        tenant,
        DEFAULT_RULES.map((rule, i) => ({
          ruleId: defaultRuleId(tenant, i),
          rule: JSON.stringify(rule),
        })),
      )
      log.info({ tenant, rules: DEFAULT_RULES.length }, 'default alert rules created')
    }
  }

  function payloadOf(
    rule: AlertRule,
    g: GroupEvaluation,
    state: AlertTransitionState,
    alertId: string,
    at: Date,
    windows: { current: [Date, Date]; baseline: [Date, Date] },
  ) {
    const fig = (f: GroupEvaluation['comparison']['current'], [from, to]: [Date, Date]) => ({
      ...f,
      from: from.toISOString(),
      to: to.toISOString(),
    })
    return {
      alert_id: alertId,
      tenant_id: rule.tenant_id,
      rule_id: rule.rule_id,
      rule_name: rule.name,
      metric: rule.metric,
      filters: rule.filters,
      dimension: rule.fan_out,
      dimension_value: g.group,
      state,
      at: at.toISOString(),
      current: fig(g.comparison.current, windows.current),
      baseline: fig(g.comparison.baseline, windows.baseline),
      drop: g.comparison.drop,
      p_value: g.comparison.pValue,
      p_value_adjusted: g.adjustedP,
      significance: rule.significance,
      min_drop: rule.min_drop,
      min_n: rule.min_n,
    }
  }

  let producer: Producer | undefined

  async function deliverWebhook(
    rule: AlertRule | undefined,
    tenantId: string,
    deliveryId: string,
    body: string,
  ) {
    const url = rule?.webhook_url
    if (!url) return undefined
    const secret = config.webhookSecrets[tenantId]
    if (!secret)
      return {
        outcome: 'dead_letter' as const,
        attempts: 0,
        detail: 'no webhook secret configured for the tenant',
      }
    let detail = ''
    for (let attempt = 1; attempt <= config.webhookAttempts; attempt++) {
      const timestamp = Math.floor(Date.now() / 1000)
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-cxpulse-timestamp': String(timestamp),
            'x-cxpulse-signature': signWebhook(secret, timestamp, body),
            'x-cxpulse-delivery': deliveryId,
          },
          body,
          signal: AbortSignal.timeout(config.webhookTimeoutMs),
        })
        await res.text().catch(() => '')
        if (res.ok)
          return { outcome: 'delivered' as const, attempts: attempt, detail: `HTTP ${res.status}` }
        detail = `HTTP ${res.status}`
      } catch (error) {
        detail = (error as Error).message
      }
      if (attempt < config.webhookAttempts) {
        await new Promise((r) => setTimeout(r, config.webhookBackoffMs * 2 ** (attempt - 1)))
      }
    }
    return { outcome: 'dead_letter' as const, attempts: config.webhookAttempts, detail }
  }

  /** Kafka first (the durable feed), then the webhook; each outcome is recorded. */
  async function deliver(
    tenantId: string,
    alertId: string,
    state: AlertTransitionState,
    body: string,
    rule: AlertRule | undefined,
  ): Promise<void> {
    await producer?.send({
      topic: alertsTopic,
      messages: [{ key: `${tenantId}:${alertId}`, value: body }],
    })
    await recordDelivery(ch, {
      tenantId,
      alertId,
      state,
      channel: 'kafka',
      outcome: 'delivered',
      attempts: 1,
      detail: '',
    })
    const hook = await deliverWebhook(rule, tenantId, `${alertId}:${state}`, body)
    if (hook) {
      await recordDelivery(ch, { tenantId, alertId, state, channel: 'webhook', ...hook })
      if (hook.outcome === 'dead_letter') {
        log.warn(
          {
            tenant: tenantId,
            alert_id: alertId,
            state,
            attempts: hook.attempts,
            detail: hook.detail,
          },
          'webhook dead-lettered',
        )
      }
    }
  }

  async function evaluateOne(rule: AlertRule, at: Date, summary: EvaluationSummary) {
    const cw = rule.current_window_minutes * MINUTE
    const bw = rule.baseline_window_minutes * MINUTE
    const windows = {
      current: [new Date(at.getTime() - cw), at] as [Date, Date],
      baseline: [new Date(at.getTime() - cw - bw), new Date(at.getTime() - cw)] as [Date, Date],
    }
    const [current, baseline] = await Promise.all([
      windowCounts(rule, ...windows.current),
      windowCounts(rule, ...windows.baseline),
    ])
    const states = await alertStates(ch, rule.tenant_id, rule.rule_id)
    const firing = new Set(
      [...states].filter(([, s]) => s.state === 'firing').map(([g]) => (rule.fan_out ? g : null)),
    )
    const counts = new Map<string | null, { current: WindowCounts; baseline: WindowCounts }>()
    const empty = EMPTY_SURVEY_SUMS
    for (const g of new Set([...current.keys(), ...baseline.keys()])) {
      counts.set(g, { current: current.get(g) ?? empty, baseline: baseline.get(g) ?? empty })
    }
    for (const g of evaluateRule(rule, counts, firing)) {
      if (g.decision === 'stay') continue
      const groupKey = g.group ?? ''
      const last = states.get(groupKey)
      const state: AlertTransitionState = g.decision === 'fire' ? 'firing' : 'resolved'
      const seq = g.decision === 'fire' ? (last?.incidentSeq ?? 0) + 1 : (last?.incidentSeq ?? 1)
      const alertId = incidentId(rule.tenant_id, rule.rule_id, groupKey, seq)
      const body = JSON.stringify(payloadOf(rule, g, state, alertId, at, windows))
      const writer = await recordTransition(ch, {
        tenantId: rule.tenant_id,
        ruleId: rule.rule_id,
        groupKey,
        incidentSeq: seq,
        state,
        alertId,
        at,
        evaluator: instanceId,
        payload: body,
      })
      if (writer !== instanceId) {
        log.debug(
          { rule: rule.rule_id, group: groupKey, seq, state, writer },
          'transition recorded by another instance',
        )
        continue
      }
      if (state === 'firing') summary.fired++
      else summary.resolved++
      log.warn(
        {
          tenant: rule.tenant_id,
          rule: rule.rule_id,
          metric: rule.metric,
          group: groupKey,
          state,
          drop: g.comparison.drop,
          p: g.adjustedP,
        },
        state === 'firing' ? 'alert firing' : 'alert resolved',
      )
      await deliver(rule.tenant_id, alertId, state, body, rule)
    }
  }

  let evaluating: Promise<EvaluationSummary> | undefined

  /** Evaluates every enabled rule once; concurrent calls share one run. */
  function evaluate(): Promise<EvaluationSummary> {
    evaluating ??= (async () => {
      // Minute-aligned windows read the minute rollups rather than the raw table.
      const at = new Date(Math.floor(now().getTime() / MINUTE) * MINUTE)
      const summary: EvaluationSummary = {
        at: at.toISOString(),
        rules: 0,
        fired: 0,
        resolved: 0,
        skipped: [],
      }
      await ensureDefaultRules(at)
      const rules = await listRules(ch)
      for (const stored of rules) {
        const parsed = alertRule.safeParse({
          ...JSON.parse(stored.rule),
          rule_id: stored.rule_id,
          tenant_id: stored.tenant_id,
          updated_at: stored.updated_at,
        })
        if (!parsed.success) {
          summary.skipped.push({ rule_id: stored.rule_id, reason: 'stored rule no longer valid' })
          continue
        }
        if (!parsed.data.enabled) continue
        summary.rules++
        try {
          await evaluateOne(parsed.data, at, summary)
        } catch (error) {
          if (!(error instanceof SkipRule)) throw error
          summary.skipped.push({ rule_id: stored.rule_id, reason: error.message })
        }
      }
      // A writer that died between recording and delivering: deliver its transitions now.
      const stale = await undeliveredTransitions(
        ch,
        new Date(at.getTime() - Math.max(2 * MINUTE, 2 * config.intervalMs)),
      )
      for (const t of stale) {
        const rule = rules.find((r) => JSON.parse(t.payload).rule_id === r.rule_id)
        const parsed = rule
          ? alertRule.safeParse({
              ...JSON.parse(rule.rule),
              rule_id: rule.rule_id,
              tenant_id: rule.tenant_id,
              updated_at: rule.updated_at,
            })
          : undefined
        log.warn(
          { tenant: t.tenant_id, alert_id: t.alert_id, state: t.state },
          'delivering an alert its writer did not deliver',
        )
        await deliver(
          t.tenant_id,
          t.alert_id,
          t.state,
          t.payload,
          parsed?.success ? parsed.data : undefined,
        )
      }
      return summary
    })().finally(() => {
      evaluating = undefined
    })
    return evaluating
  }

  async function start(): Promise<AlerterHandle> {
    await ensureTopics(
      kafka,
      TOPIC_SPECS(config.topicPrefix, config.topicReplication).filter(
        (t) => t.topic === alertsTopic,
      ),
    )
    producer = createIdempotentProducer(kafka)
    await producer.connect()
    let stopped = false
    let timer: NodeJS.Timeout | undefined
    const http = await startServiceHttp(config, {
      log,
      registry: metrics.registry,
      ready: async () =>
        stopped ? 'stopping' : (await ch.client.ping()).success || 'ClickHouse ping failed',
    })
    const tick = () => {
      evaluate()
        .then((s) => {
          metrics.evaluations.inc({ outcome: 'ok' })
          metrics.transitions.inc({ state: 'firing' }, s.fired)
          metrics.transitions.inc({ state: 'resolved' }, s.resolved)
          metrics.skipped.inc(s.skipped.length)
          log.info(s, 'rules evaluated')
        })
        .catch((error: unknown) => {
          metrics.evaluations.inc({ outcome: 'failed' })
          log.error({ err: error }, 'evaluation failed; retrying next interval')
        })
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, config.intervalMs)
        })
    }
    timer = setTimeout(tick, 0)
    log.info({ port: http.port, intervalMs: config.intervalMs, instanceId }, 'alerter started')
    return {
      port: http.port,
      instanceId,
      evaluate,
      stop: stopUnderDeadline(
        config.shutdownTimeoutMs,
        async (deadline) => {
          stopped = true
          clearTimeout(timer)
          await evaluating?.catch(() => undefined)
          await http.close(deadline)
          await producer?.disconnect()
          if (ownsClickHouse) await ch.close()
          log.info('alerter stopped')
        },
        () => {
          log.error({ timeoutMs: config.shutdownTimeoutMs }, 'stop deadline passed; closing anyway')
          void http.close(Date.now())
        },
      ),
    }
  }

  return { start, evaluate, instanceId }
}
