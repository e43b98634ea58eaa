import { describe, expect, it } from 'vitest'
import { parseEvent, type CxEventInput } from '@cxpulse/contracts'
import { diurnalFactor, weeklyFactor } from './rhythm.ts'
import { createSimulator } from './simulator.ts'

const DAY = 86_400_000
const HOUR = 3_600_000
// A fixed instant (a Friday midnight UTC): nothing here depends on the calendar or the clock.
const FROM = new Date('2026-11-20T00:00:00Z')
const TO = new Date('2026-11-21T00:00:00Z')
const at = (e: CxEventInput) => Date.parse(e.occurred_at as string)

type Survey = Extract<CxEventInput, { type: 'survey.response' }>
const surveys = (events: CxEventInput[], kind: string) =>
  events.filter((e): e is Survey => e.type === 'survey.response' && e.kind === kind)

/** SPEC churn: customers active at `from` whose state became churned in [from, to), over S. */
function churnRate(events: CxEventInput[], from: number, to: number) {
  const latest = new Map<string, string>()
  const churned = new Set<string>()
  for (const e of [...events].sort((a, b) => at(a) - at(b))) {
    if (!['customer.signed_up', 'customer.reactivated', 'customer.churned'].includes(e.type))
      continue
    const t = at(e)
    if (t < from) latest.set(e.customer_id, e.type)
    else if (t < to && e.type === 'customer.churned') churned.add(e.customer_id)
  }
  const start = [...latest].filter(([, type]) => type !== 'customer.churned').map(([id]) => id)
  return { s: start.length, rate: start.filter((id) => churned.has(id)).length / start.length }
}

/** SPEC CSAT %: top-two-box responses / all responses. */
const csatShare = (events: CxEventInput[]) => {
  const csat = surveys(events, 'csat')
  return csat.filter((e) => e.score >= (e.scale_max ?? 5) - 1).length / csat.length
}

/** SPEC NPS: % promoters (9–10) − % detractors (0–6). */
const nps = (events: CxEventInput[]) => {
  const r = surveys(events, 'nps')
  return (
    (100 * (r.filter((e) => e.score >= 9).length - r.filter((e) => e.score <= 6).length)) / r.length
  )
}

describe('simulator', () => {
  it('produces only events that pass the contract, in time order, inside the window', () => {
    const events = createSimulator({ seed: 7, responsesPerMinute: 10 }).eventsBetween(FROM, TO)
    expect(events.length).toBeGreaterThan(3000)
    for (const e of events) {
      const parsed = parseEvent(e, { now: new Date('2026-11-22T00:00:00Z') })
      if (!parsed.ok) throw new Error(`${JSON.stringify(e)}: ${JSON.stringify(parsed.errors)}`)
      expect(at(e)).toBeGreaterThanOrEqual(FROM.getTime())
      expect(at(e)).toBeLessThan(TO.getTime())
    }
    const times = events.map(at)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    const types = new Set(events.map((e) => e.type))
    for (const t of [
      'survey.response',
      'ticket.created',
      'ticket.resolved',
      'customer.purchase',
      'qa.review',
    ])
      expect(types).toContain(t)
  })

  it('is reproducible from its seed and has unique event ids, history included', () => {
    const run = () => {
      const sim = createSimulator({ seed: 3, historyDays: 30 })
      return [...sim.history(FROM), ...sim.eventsBetween(FROM, new Date(FROM.getTime() + HOUR))]
    }
    const a = run()
    expect(a).toEqual(run())
    expect(new Set(a.map((e) => e.event_id)).size).toBe(a.length)
  })

  it('emits a customer history before its instant: the base signed up, then lifecycle state only', () => {
    const sim = createSimulator({ seed: 5, customers: 500 })
    const history = sim.history(FROM)
    for (const e of history) {
      expect(at(e)).toBeLessThan(FROM.getTime())
      expect(['customer.signed_up', 'customer.churned', 'customer.reactivated']).toContain(e.type)
      expect(parseEvent(e, { now: FROM }).ok).toBe(true)
    }
    // Every churned or reactivated customer signed up first, and never twice at one instant.
    const first = new Map<string, CxEventInput>()
    const seen = new Set<string>()
    for (const e of history) {
      if (!first.has(e.customer_id)) first.set(e.customer_id, e)
      const key = `${e.customer_id}@${at(e)}`
      expect(seen.has(key), key).toBe(false)
      seen.add(key)
    }
    for (const e of first.values()) expect(e.type).toBe('customer.signed_up')
    // The default year of history: the base of 500, grown by a few percent.
    expect(Math.min(...history.map(at))).toBeGreaterThan(FROM.getTime() - (365 + 730) * DAY)
    expect(sim.activeCustomers()).toBeGreaterThan(500)
    expect(sim.activeCustomers()).toBeLessThan(600)
    expect(() => sim.history(FROM)).toThrow(/once, before the first eventsBetween/)
  })

  it('churns a few percent of its customers a month (SPEC churn over 30-day windows)', () => {
    const sim = createSimulator({ seed: 9, responsesPerMinute: 0.01 })
    const history = sim.history(FROM)
    const live = sim.eventsBetween(FROM, new Date(FROM.getTime() + 30 * DAY))
    const events = [...history, ...live]
    for (const end of [FROM.getTime() - 200 * DAY, FROM.getTime(), FROM.getTime() + 30 * DAY]) {
      const { s, rate } = churnRate(events, end - 30 * DAY, end)
      expect(s).toBeGreaterThan(1900)
      // Default 3 % a month; new customers who churn in their first month are not in the rate.
      expect(rate).toBeGreaterThan(0.02)
      expect(rate).toBeLessThan(0.04)
    }
    // A configured rate is what comes out.
    const high = createSimulator({ seed: 9, historyDays: 60, rates: { monthlyChurn: 0.1 } })
    const { rate } = churnRate(high.history(FROM), FROM.getTime() - 30 * DAY, FROM.getTime())
    expect(rate).toBeGreaterThan(0.08)
    expect(rate).toBeLessThan(0.12)
  })

  it('answers surveys like a healthy product: CSAT about 80 %, NPS around 40, CES mostly easy', () => {
    const events = createSimulator({ seed: 13, responsesPerMinute: 20 }).eventsBetween(FROM, TO)
    expect(surveys(events, 'csat').length).toBeGreaterThan(2000)
    expect(csatShare(events)).toBeGreaterThan(0.75)
    expect(csatShare(events)).toBeLessThan(0.85)
    expect(nps(events)).toBeGreaterThan(25)
    expect(nps(events)).toBeLessThan(55)
    const ces = surveys(events, 'ces')
    const easy = ces.filter((e) => e.score >= 5).length / ces.length
    expect(easy).toBeGreaterThan(0.7)
    expect(easy).toBeLessThan(0.9)
  })

  it('answers tickets in minutes on live channels and in hours on written ones (SPEC FRT)', () => {
    const events = createSimulator({ seed: 17, responsesPerMinute: 20 }).eventsBetween(
      FROM,
      new Date(FROM.getTime() + 2 * DAY),
    )
    const created = new Map<string, { at: number; channel: string }>()
    const frt: Record<string, number[]> = {}
    for (const e of events) {
      if (e.type === 'ticket.created')
        created.set(e.ticket_id, { at: at(e), channel: e.dimensions!.channel! })
      if (e.type === 'ticket.first_response') {
        const c = created.get(e.ticket_id)!
        ;(frt[c.channel] ??= []).push((at(e) - c.at) / 60_000)
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const minutes = Object.fromEntries(Object.entries(frt).map(([c, xs]) => [c, median(xs)]))
    for (const xs of Object.values(frt)) expect(xs.length).toBeGreaterThan(500)
    expect(minutes['chat']).toBeGreaterThan(0.5)
    expect(minutes['chat']).toBeLessThan(5)
    expect(minutes['phone']).toBeLessThan(10)
    expect(minutes['web']).toBeGreaterThan(30)
    expect(minutes['web']).toBeLessThan(4 * 60)
    expect(minutes['email']).toBeGreaterThan(60)
    expect(minutes['email']).toBeLessThan(12 * 60)
    expect(minutes['chat']!).toBeLessThan(minutes['phone']!)
    expect(minutes['web']!).toBeLessThan(minutes['email']!)
  })

  it('follows the day and the week: afternoon peaks, quiet nights, quieter weekends', () => {
    // Two weeks starting on a Monday.
    const monday = new Date('2026-11-23T00:00:00Z')
    const all = createSimulator({ seed: 19, responsesPerMinute: 2 })
      .eventsBetween(monday, new Date(monday.getTime() + 14 * DAY))
      .filter((e) => e.type === 'survey.response')
    expect(all.length).toBeGreaterThan(10_000)
    const byHour = new Array<number>(24).fill(0)
    const byWeekday = new Array<number>(7).fill(0)
    for (const e of all) {
      const d = new Date(at(e))
      byHour[d.getUTCHours()]!++
      byWeekday[d.getUTCDay()]!++
    }
    const afternoon = byHour[14]! + byHour[15]!
    const night = byHour[2]! + byHour[3]!
    expect(afternoon).toBeGreaterThan(3 * night)
    const weekday =
      (byWeekday[1]! + byWeekday[2]! + byWeekday[3]! + byWeekday[4]! + byWeekday[5]!) / 5
    const weekend = (byWeekday[0]! + byWeekday[6]!) / 2
    expect(weekday).toBeGreaterThan(1.8 * weekend)
    expect(weekday).toBeLessThan(2.8 * weekend)
    expect(diurnalFactor(new Date('2026-11-20T12:00:00Z'))).toBeGreaterThan(
      3 * diurnalFactor(new Date('2026-11-20T02:00:00Z')),
    )
    expect(weeklyFactor(new Date('2026-11-21T12:00:00Z'))).toBeLessThan(
      weeklyFactor(new Date('2026-11-20T12:00:00Z')),
    )
  })

  it('drops the incident channel’s CSAT and slows its first responses, and leaves the others', () => {
    const incident = { channel: 'chat', from: FROM, to: TO, positiveRate: 0.2 }
    const sim = (incidents: (typeof incident)[]) =>
      createSimulator({ seed: 11, responsesPerMinute: 20, incidents }).eventsBetween(FROM, TO)
    const during = sim([incident])
    const normal = sim([])
    const onChannel = (events: CxEventInput[], channel: string) =>
      events.filter((e) => e.dimensions?.channel === channel)
    expect(csatShare(onChannel(during, 'chat'))).toBeLessThan(0.3)
    expect(csatShare(onChannel(normal, 'chat'))).toBeGreaterThan(0.7)
    expect(csatShare(onChannel(during, 'email'))).toBeGreaterThan(0.65)
    const waits = (events: CxEventInput[]) => {
      const w = onChannel(events, 'chat').flatMap((e) =>
        e.type === 'ticket.created' ? [e.queue_wait_seconds ?? 0] : [],
      )
      return w.reduce((a, b) => a + b, 0) / w.length
    }
    expect(waits(during)).toBeGreaterThan(2.5 * waits(normal))
  })
})
