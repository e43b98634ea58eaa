import type { CxEventInput } from '@cxpulse/contracts'
import { CustomerBase, DEFAULT_CUSTOMER_RATES, type CustomerRates } from './customers.ts'
import { logNormal, mulberry32, uuid } from './random.ts'
import { rhythmAt } from './rhythm.ts'

/** A period in which one channel's satisfaction drops (for demos and alert tests). */
export interface Incident {
  channel: string
  from: Date
  to: Date
  /** Probability of a positive CSAT / promoter during the incident, instead of the usual ~0.8. */
  positiveRate?: number
}

export interface SimulatorOptions {
  seed?: number
  /** Survey responses per minute at the weekday's daily peak; tickets and QA scale with it. */
  responsesPerMinute?: number
  /** Size of the customer base: active customers when the history begins (default 2000). */
  customers?: number
  /** Days of customer lifecycle history `history()` emits before its instant (default 365). */
  historyDays?: number
  /** Monthly rates of the customer base; see DEFAULT_CUSTOMER_RATES. */
  rates?: Partial<CustomerRates>
  channels?: readonly string[]
  agents?: number
  products?: readonly string[]
  incidents?: readonly Incident[]
}

export interface Simulator {
  /**
   * The customer base before `until`: its sign-ups (tenures up to two years before the history
   * begins), then `historyDays` of churn, sign-ups and reactivations up to `until`. Call it at
   * most once, before the first `eventsBetween`, with that call's `from`; without it the base
   * is assumed to exist already.
   */
  history(until: Date): CxEventInput[]
  /** Every event that happens in [from, to), in time order; later calls continue the story. */
  eventsBetween(from: Date, to: Date): CxEventInput[]
  /** Customers active after the events emitted so far. */
  activeCustomers(): number
}

const MINUTE = 60_000
const DAY = 86_400_000
/** How far before the history the initial base's sign-ups spread. */
const TENURE_MS = 730 * DAY

/** The channels simulated unless `SimulatorOptions.channels` says otherwise. */
export const DEFAULT_CHANNELS: readonly string[] = ['email', 'chat', 'phone', 'web']

/**
 * Per channel: the median first response in seconds with the log-normal spread, and the shift
 * of the positive-answer probability from the usual 0.8. Live channels answer in minutes and
 * please a little more; written ones take hours. Other channel names get `OTHER_CHANNEL`.
 */
const CHANNEL_PROFILE: Record<string, { medianFrtS: number; sigma: number; mood: number }> = {
  chat: { medianFrtS: 90, sigma: 0.6, mood: 0.03 },
  phone: { medianFrtS: 180, sigma: 0.5, mood: 0.02 },
  web: { medianFrtS: 5_400, sigma: 0.8, mood: -0.02 },
  email: { medianFrtS: 14_400, sigma: 0.7, mood: -0.04 },
}
const OTHER_CHANNEL = { medianFrtS: 1_800, sigma: 0.8, mood: 0 }

/** Every time here comes from toISOString(), whose strings sort as their instants do. */
const timeOf = (e: CxEventInput) => e.occurred_at as string
const byTime = (a: CxEventInput, b: CxEventInput) =>
  timeOf(a) < timeOf(b) ? -1 : timeOf(a) > timeOf(b) ? 1 : 0

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const random = mulberry32(options.seed ?? 1)
  const perMinute = options.responsesPerMinute ?? 60
  const channels = options.channels ?? DEFAULT_CHANNELS
  const agents = Array.from(
    { length: options.agents ?? 12 },
    (_, i) => `agent-${String(i + 1).padStart(2, '0')}`,
  )
  const products = options.products ?? ['core', 'billing', 'mobile']
  const incidents = options.incidents ?? []
  const historyDays = options.historyDays ?? 365
  // Each agent is a little better or worse than average; the spread makes breakdowns worth reading.
  const agentSkill = new Map(agents.map((a) => [a, (random() - 0.5) * 0.2]))
  const base = new CustomerBase(random, options.customers ?? 2000, {
    ...DEFAULT_CUSTOMER_RATES,
    ...options.rates,
  })
  const pending: CxEventInput[] = []
  let ticketSeq = 0
  let carry = 0
  let started = false

  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const iso = (ms: number) => new Date(ms).toISOString()
  const profile = (channel: string) => CHANNEL_PROFILE[channel] ?? OTHER_CHANNEL
  const incidentFor = (channel: string, at: number) =>
    incidents.find((i) => i.channel === channel && at >= i.from.getTime() && at < i.to.getTime())

  function satisfaction(channel: string, agent: string, at: number): number {
    const incident = incidentFor(channel, at)
    if (incident) return incident.positiveRate ?? 0.35
    const p = 0.8 + profile(channel).mood + (agentSkill.get(agent) ?? 0)
    return Math.min(0.97, Math.max(0.05, p))
  }

  function surveyAt(at: number): CxEventInput {
    const channel = pick(channels)
    const agent = pick(agents)
    const customer = base.someCustomer()
    const happy = random() < satisfaction(channel, agent, at)
    const dimensions = { channel, agent, product: pick(products), segment: customer.segment }
    const common = {
      event_id: uuid(random),
      occurred_at: iso(at),
      customer_id: customer.id,
      dimensions,
    }
    const roll = random()
    if (roll < 0.5) {
      const tenPoint = random() < 0.15
      const max = tenPoint ? 10 : 5
      const score = happy ? max - Math.floor(random() * 2) : 1 + Math.floor(random() * (max - 2))
      const comment =
        random() < 0.1
          ? happy
            ? 'Quick and friendly, thanks!'
            : 'Took far too long to get an answer.'
          : undefined
      return {
        ...common,
        type: 'survey.response',
        kind: 'csat',
        score,
        scale_min: 1,
        scale_max: max,
        survey_id: 'post-ticket',
        ...(comment ? { comment } : {}),
      } as CxEventInput
    }
    if (roll < 0.8) {
      const score = happy
        ? random() < 0.75
          ? 9 + Math.floor(random() * 2)
          : 7 + Math.floor(random() * 2)
        : Math.floor(random() * 7)
      return {
        ...common,
        type: 'survey.response',
        kind: 'nps',
        score,
        survey_id: 'quarterly-nps',
      } as CxEventInput
    }
    const score = happy ? 5 + Math.floor(random() * 3) : 1 + Math.floor(random() * 4)
    return {
      ...common,
      type: 'survey.response',
      kind: 'ces',
      score,
      orientation: 'agreement',
      survey_id: 'effort',
    } as CxEventInput
  }

  /** A ticket's whole story, queued to be emitted when each step is due. */
  function ticketAt(at: number) {
    const channel = pick(channels)
    const agent = pick(agents)
    const customer = base.someCustomer()
    const ticket_id = `T-${++ticketSeq}`
    const dims = { channel, agent, product: pick(products), segment: customer.segment }
    const complaint = random() < 0.08
    const ev = (type: string, ms: number, extra: Record<string, unknown> = {}) =>
      pending.push({
        event_id: uuid(random),
        type,
        occurred_at: iso(ms),
        customer_id: customer.id,
        ticket_id,
        dimensions: dims,
        ...extra,
      } as CxEventInput)
    // An incident's channel is also slow: its queue is four times as long.
    const slow = incidentFor(channel, at) ? 4 : 1
    const { medianFrtS, sigma } = profile(channel)
    const replyS = () => Math.max(20, logNormal(random, medianFrtS, sigma) * slow)
    const frtS = replyS()
    // The first reply is written after an agent picks the ticket up: the rest was queue.
    const wait = Math.max(0, Math.round(frtS - 30 - random() * 90))
    ev('ticket.created', at, {
      queue_wait_seconds: wait,
      ...(complaint ? { complaint: true } : {}),
    })
    let t = at + Math.round(frtS * 1000)
    ev('ticket.first_response', t)
    ev('ticket.agent_replied', t)
    const rounds = random() < 0.6 ? 0 : 1 + Math.floor(random() * 3)
    for (let r = 0; r < rounds; r++) {
      t += (300 + random() * 3600) * 1000
      ev('ticket.customer_replied', t)
      t += Math.round(replyS() * 700)
      ev('ticket.agent_replied', t)
    }
    if (complaint && random() < 0.5) ev('ticket.escalated', t + 1000)
    t += (600 + random() * 7200) * 1000
    ev('ticket.resolved', t)
    if (random() < 0.07) {
      ev('ticket.reopened', t + 3_600_000)
      ev('ticket.agent_replied', t + 5_400_000)
      ev('ticket.resolved', t + 7_200_000)
    }
  }

  function qaAt(at: number): CxEventInput {
    const agent = pick(agents)
    const skill = agentSkill.get(agent) ?? 0
    const score = () =>
      Math.round(Math.min(100, Math.max(0, 75 + skill * 100 + (random() - 0.5) * 30)))
    return {
      event_id: uuid(random),
      type: 'qa.review',
      occurred_at: iso(at),
      customer_id: base.someCustomer().id,
      dimensions: { agent, channel: pick(channels) },
      criteria: [
        { name: 'accuracy', score: score(), weight: 3 },
        { name: 'tone', score: score(), weight: 2 },
        { name: 'process', score: score(), weight: 1 },
      ],
    } as CxEventInput
  }

  return {
    history(until) {
      if (started) throw new Error('history() must come once, before the first eventsBetween()')
      started = true
      const begins = until.getTime() - historyDays * DAY
      return [
        ...base.signUps(begins - TENURE_MS, begins),
        ...base.eventsBetween(begins, until.getTime(), true),
      ].sort(byTime)
    },
    eventsBetween(from, to) {
      started = true
      const out: CxEventInput[] = []
      for (let m = from.getTime(); m < to.getTime(); m += MINUTE) {
        const end = Math.min(m + MINUTE, to.getTime())
        // Minute by minute, so surveys and tickets come from the customers active then.
        out.push(...base.eventsBetween(m, end, false))
        const share = (end - m) / MINUTE
        // Fractional expected counts accumulate so low rates still produce events.
        carry += perMinute * rhythmAt(m) * share
        const count = Math.floor(carry)
        carry -= count
        for (let i = 0; i < count; i++) {
          const at = m + Math.floor(random() * (end - m))
          out.push(surveyAt(at))
          if (random() < 0.5) ticketAt(at)
          if (random() < 0.05) out.push(qaAt(at))
        }
      }
      // Ticket steps that have come due.
      pending.sort(byTime)
      const until = to.toISOString()
      let due = 0
      while (due < pending.length && timeOf(pending[due]!) < until) due++
      for (const e of pending.splice(0, due)) out.push(e)
      return out.sort(byTime)
    },
    activeCustomers: () => base.activeCount,
  }
}
