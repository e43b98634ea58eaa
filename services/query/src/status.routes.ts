import type { IncomingMessage, ServerResponse } from 'node:http'
import type { KeyStore } from '@cxpulse/auth'
import { queryNewestEventTime, type ClickHouse } from '@cxpulse/clickhouse'
import { topicNames, type Domain } from '@cxpulse/contracts'
import { sendJson, type RouteOutcome } from '@cxpulse/http'
import { createKafka } from '@cxpulse/kafka'
import type { Logger } from '@cxpulse/logger'
import type { ProcessorLagConfig } from './config.ts'
import { authenticate } from './query.routes.ts'

const DOMAINS: readonly Domain[] = ['surveys', 'tickets', 'customers', 'qa']
/** Many open dashboards poll the status: one read of the broker serves them for this long. */
const LAG_CACHE_MS = 2_000
/** A slow or absent broker must not hold the status answer (the freshness still comes back). */
const LAG_DEADLINE_MS = 5_000

interface ProcessorLag {
  /** Kafka records on the domain topics that the processor's group has not committed yet: each is
   * one ingest request's events for one partition (topic format v2), so events ≥ records. */
  waiting: number
  waitingByDomain: Record<Domain, number>
  catchingUp: boolean
}

export interface LagReader {
  read(): Promise<ProcessorLag>
  close(): Promise<void>
}

/**
 * The processor's lag as Kafka sees it: for each partition of the domain topics, the end
 * offset minus the group's committed offset (a partition the group never committed counts from
 * its first retained offset). The processor commits only after its ClickHouse write is durable,
 * so this is exactly what is not counted yet. It is the whole group's lag, over every tenant.
 */
export function createLagReader(config: ProcessorLagConfig, logger: Logger): LagReader {
  const kafka = createKafka(
    { brokers: config.brokers, clientId: config.clientId, requestTimeoutMs: LAG_DEADLINE_MS },
    logger,
  )
  const admin = kafka.admin()
  const topics = topicNames(config.topicPrefix)
  let connected: Promise<void> | undefined
  let cached: { at: number; lag: Promise<ProcessorLag> } | undefined

  async function fetchLag(): Promise<ProcessorLag> {
    connected ??= admin.connect().catch((error: unknown) => {
      connected = undefined
      throw error
    })
    await connected
    const names = DOMAINS.map((d) => topics[d])
    const committed = await admin.fetchOffsets({ groupId: config.groupId, topics: names })
    const waitingByDomain = {} as Record<Domain, number>
    for (const domain of DOMAINS) {
      const ends = await admin.fetchTopicOffsets(topics[domain])
      const done = committed.find((c) => c.topic === topics[domain])?.partitions ?? []
      waitingByDomain[domain] = ends.reduce((sum, p) => {
        const c = Number(done.find((d) => d.partition === p.partition)?.offset ?? -1)
        const from = c >= 0 ? c : Number(p.low)
        return sum + Math.max(0, Number(p.high) - from)
      }, 0)
    }
    const waiting = Object.values(waitingByDomain).reduce((a, b) => a + b, 0)
    return { waiting, waitingByDomain, catchingUp: waiting >= config.catchingUpLag }
  }

  return {
    read() {
      const now = Date.now()
      if (!cached || now - cached.at > LAG_CACHE_MS) {
        let timer: NodeJS.Timeout | undefined
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer from Kafka within ${LAG_DEADLINE_MS} ms`)),
            LAG_DEADLINE_MS,
          )
        })
        const lag = Promise.race([fetchLag(), deadline]).finally(() => clearTimeout(timer))
        // A failure is not cached: the next poll asks the broker again.
        lag.catch(() => (cached = undefined))
        cached = { at: now, lag }
      }
      return cached.lag
    },
    async close() {
      if (connected) await admin.disconnect()
    },
  }
}

interface StatusDeps {
  keys: KeyStore
  ch: ClickHouse
  lag: LagReader | undefined
  log: Logger
}

/**
 * GET /v1/status: how fresh the key's tenant's numbers are. `newest_event_at` is the newest
 * counted event time of the tenant; `processor` the processor's lag (null when the service has
 * no brokers configured; `processor_error` says why when the broker did not answer).
 */
export async function statusRoute(
  req: IncomingMessage,
  res: ServerResponse,
  deps: StatusDeps,
): Promise<RouteOutcome> {
  const { tenantId, keyId } = authenticate(deps.keys, req)
  const [newest, lag] = await Promise.all([
    queryNewestEventTime(deps.ch, tenantId),
    deps.lag?.read().then(
      (l) => ({ ok: true as const, l }),
      (error: unknown) => {
        deps.log.warn({ err: error }, 'processor lag unavailable')
        return { ok: false as const }
      },
    ),
  ])
  sendJson(res, 200, {
    checked_at: new Date().toISOString(),
    newest_event_at: newest?.toISOString() ?? null,
    processor:
      lag?.ok === true
        ? {
            waiting: lag.l.waiting,
            waiting_by_domain: lag.l.waitingByDomain,
            catching_up: lag.l.catchingUp,
          }
        : null,
    ...(lag?.ok === false
      ? { processor_error: 'the processor lag could not be read from Kafka' }
      : {}),
    ...(lag === undefined
      ? { processor_error: 'this query service has no Kafka brokers configured' }
      : {}),
  })
  return { route: '/v1/status', status: 200, tenant: tenantId, keyId }
}
