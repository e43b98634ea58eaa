import type { CxEventInput } from '@cxpulse/contracts'

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
  /** Survey responses per minute at the daily peak; tickets and lifecycle events scale with it. */
  responsesPerMinute?: number
  customers?: number
  channels?: readonly string[]
  agents?: number
  products?: readonly string[]
  incidents?: readonly Incident[]
}

export interface Simulator {
  /** Every event that happens in [from, to), in time order; later calls continue the story. */
  eventsBetween(from: Date, to: Date): CxEventInput[]
}

const MINUTE = 60_000

/** The channels simulated unless `SimulatorOptions.channels` says otherwise. */
export const DEFAULT_CHANNELS: readonly string[] = ['email', 'chat', 'phone', 'web']

/** Volume over the day (UTC): quiet at night, peak mid-afternoon; between 0.15 and 1. */
export function diurnalFactor(at: Date): number {
  const hours = at.getUTCHours() + at.getUTCMinutes() / 60
  return 0.15 + 0.85 * Math.max(0, Math.sin(((hours - 6) / 24) * 2 * Math.PI)) ** 1.5
}

function mulberry32(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A deterministic UUID v4 from the generator, so a seeded run is reproducible. */
function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16))
  hex[12] = '4'
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  const s = hex.join('')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}

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
  // Each agent is a little better or worse than average; the spread makes breakdowns worth reading.
  const agentSkill = new Map(agents.map((a) => [a, (random() - 0.5) * 0.2]))
  const customers: { id: string; active: boolean; segment: string }[] = Array.from(
    { length: options.customers ?? 2000 },
    (_, i) => ({
      id: `cust-${String(i + 1).padStart(5, '0')}`,
      active: false,
      segment: random() < 0.3 ? 'enterprise' : 'smb',
    }),
  )
  const pending: CxEventInput[] = []
  let ticketSeq = 0
  let carry = 0

  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const iso = (ms: number) => new Date(ms).toISOString()
  const incidentFor = (channel: string, at: number) =>
    incidents.find((i) => i.channel === channel && at >= i.from.getTime() && at < i.to.getTime())

  function satisfaction(channel: string, agent: string, at: number): number {
    const incident = incidentFor(channel, at)
    if (incident) return incident.positiveRate ?? 0.35
    return Math.min(0.97, Math.max(0.05, 0.8 + (agentSkill.get(agent) ?? 0)))
  }

  function activeCustomer() {
    for (let i = 0; i < 20; i++) {
      const c = pick(customers)
      if (c.active) return c
    }
    return undefined
  }

  function surveyAt(at: number): CxEventInput {
    const channel = pick(channels)
    const agent = pick(agents)
    const customer = activeCustomer() ?? pick(customers)
    const happy = random() < satisfaction(channel, agent, at)
    const dimensions = { channel, agent, product: pick(products), segment: customer.segment }
    const base = {
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
        ...base,
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
        ...base,
        type: 'survey.response',
        kind: 'nps',
        score,
        survey_id: 'quarterly-nps',
      } as CxEventInput
    }
    const score = happy ? 5 + Math.floor(random() * 3) : 1 + Math.floor(random() * 4)
    return {
      ...base,
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
    const customer = activeCustomer() ?? pick(customers)
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
    const slow = incidentFor(channel, at) ? 4 : 1
    const wait = Math.round(random() * 300 * slow)
    ev('ticket.created', at, {
      queue_wait_seconds: wait,
      ...(complaint ? { complaint: true } : {}),
    })
    let t = at + (wait + 60 + random() * 1800 * slow) * 1000
    ev('ticket.first_response', t)
    ev('ticket.agent_replied', t)
    const rounds = random() < 0.6 ? 0 : 1 + Math.floor(random() * 3)
    for (let r = 0; r < rounds; r++) {
      t += (300 + random() * 3600) * 1000
      ev('ticket.customer_replied', t)
      t += (120 + random() * 2400 * slow) * 1000
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

  function lifecycleAt(at: number): CxEventInput | undefined {
    const c = pick(customers)
    const base = {
      event_id: uuid(random),
      occurred_at: iso(at),
      customer_id: c.id,
      dimensions: { segment: c.segment },
    }
    if (!c.active) {
      c.active = true
      return {
        ...base,
        type: random() < 0.8 ? 'customer.signed_up' : 'customer.reactivated',
      } as CxEventInput
    }
    const r = random()
    if (r < 0.08) {
      c.active = false
      return { ...base, type: 'customer.churned' } as CxEventInput
    }
    if (r < 0.2) return { ...base, type: 'customer.referred' } as CxEventInput
    const amount =
      (10 + Math.floor(random() * 190)).toString() +
      '.' +
      String(Math.floor(random() * 100)).padStart(2, '0')
    return {
      ...base,
      type: 'customer.purchase',
      amount,
      currency: 'EUR',
      gross_margin: 0.6,
    } as CxEventInput
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
      customer_id: pick(customers).id,
      dimensions: { agent, channel: pick(channels) },
      criteria: [
        { name: 'accuracy', score: score(), weight: 3 },
        { name: 'tone', score: score(), weight: 2 },
        { name: 'process', score: score(), weight: 1 },
      ],
    } as CxEventInput
  }

  return {
    eventsBetween(from, to) {
      const out: CxEventInput[] = []
      for (let m = from.getTime(); m < to.getTime(); m += MINUTE) {
        const end = Math.min(m + MINUTE, to.getTime())
        const share = (end - m) / MINUTE
        // Fractional expected counts accumulate so low rates still produce events.
        carry += perMinute * diurnalFactor(new Date(m)) * share
        const count = Math.floor(carry)
        carry -= count
        for (let i = 0; i < count; i++) {
          const at = m + Math.floor(random() * (end - m))
          out.push(surveyAt(at))
          if (random() < 0.5) ticketAt(at)
          if (random() < 0.3) {
            const e = lifecycleAt(at)
            if (e) out.push(e)
          }
          if (random() < 0.05) out.push(qaAt(at))
        }
      }
      // Ticket steps that have come due.
      pending.sort(
        (a, b) => Date.parse(a.occurred_at as string) - Date.parse(b.occurred_at as string),
      )
      while (pending.length > 0 && Date.parse(pending[0]!.occurred_at as string) < to.getTime())
        out.push(pending.shift()!)
      return out.sort(
        (a, b) => Date.parse(a.occurred_at as string) - Date.parse(b.occurred_at as string),
      )
    },
  }
}
