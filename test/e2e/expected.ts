import type { CxEventInput } from '@cxpulse/contracts'

/**
 * Independent reference computations for the end-to-end test: plain loops over the events as
 * generated, written from SPEC-metrics.md without the metric library, so a shared mistake
 * cannot make both sides agree.
 */

type Ev = CxEventInput & { tenant: string }
const t = (e: { occurred_at: unknown }) => Date.parse(String(e.occurred_at))
const dims = (e: Ev) => (e.dimensions ?? {}) as Record<string, string | undefined>

export interface Window {
  tenant: string
  from: number
  to: number
  filters?: Record<string, string>
}

function inWindow(e: Ev, w: Window): boolean {
  if (e.tenant !== w.tenant) return false
  const at = t(e)
  if (at < w.from || at >= w.to) return false
  return Object.entries(w.filters ?? {}).every(([k, v]) =>
    k === 'survey_id' ? (e as { survey_id?: string }).survey_id === v : dims(e)[k] === v,
  )
}

type Survey = Extract<CxEventInput, { type: 'survey.response' }>
const surveys = (events: Ev[], w: Window, kind: string) =>
  events.filter(
    (e) => e.type === 'survey.response' && (e as Survey).kind === kind && inWindow(e, w),
  ) as (Survey & Ev)[]

export function expectCsat(events: Ev[], w: Window) {
  const rows = surveys(events, w, 'csat')
  const max = (e: Survey) => (e as { scale_max?: number }).scale_max ?? 5
  const positive = rows.filter((e) => e.score >= max(e) - 1).length
  return { n: rows.length, value: rows.length ? (positive / rows.length) * 100 : null }
}

export function expectCsatMean(events: Ev[], w: Window) {
  const rows = surveys(events, w, 'csat')
  const norm = rows.map((e) => {
    const min = (e as { scale_min?: number }).scale_min ?? 1
    const max = (e as { scale_max?: number }).scale_max ?? 5
    return ((e.score - min) / (max - min)) * 100
  })
  return {
    n: rows.length,
    value: rows.length ? norm.reduce((a, b) => a + b, 0) / rows.length : null,
  }
}

export function expectNps(events: Ev[], w: Window) {
  const rows = surveys(events, w, 'nps')
  const p = rows.filter((e) => e.score >= 9).length
  const d = rows.filter((e) => e.score <= 6).length
  return { n: rows.length, value: rows.length ? ((p - d) / rows.length) * 100 : null }
}

export function expectCes(events: Ev[], w: Window) {
  const rows = surveys(events, w, 'ces')
  const mean = rows.reduce((a, e) => a + e.score, 0) / rows.length
  // Agreement 1–7: low effort is a score of 5 or more.
  const low = rows.filter((e) => e.score >= 5).length
  return {
    mean: { n: rows.length, value: rows.length ? mean : null },
    pct: { n: rows.length, value: rows.length ? (low / rows.length) * 100 : null },
  }
}

function tickets(events: Ev[], tenant: string) {
  const byTicket = new Map<string, Ev[]>()
  for (const e of events) {
    if (e.tenant !== tenant || !e.type.startsWith('ticket.')) continue
    const id = (e as { ticket_id: string }).ticket_id
    byTicket.set(id, [...(byTicket.get(id) ?? []), e])
  }
  return [...byTicket.values()]
}

function meanOf(xs: number[]) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null
}

export function expectFrt(events: Ev[], w: Window) {
  const ds: number[] = []
  for (const evs of tickets(events, w.tenant)) {
    const created = evs.find((e) => e.type === 'ticket.created')
    const first = evs.filter((e) => e.type === 'ticket.first_response').map(t)
    if (!created || first.length === 0) continue
    const f = Math.min(...first)
    if (
      f >= w.from &&
      f < w.to &&
      (!w.filters?.['channel'] || dims(created)['channel'] === w.filters['channel'])
    )
      ds.push((f - t(created)) / 1000)
  }
  return { n: ds.length, value: meanOf(ds) }
}

export function expectResolutionAndFcr(events: Ev[], w: Window) {
  const ds: number[] = []
  let firstContact = 0
  for (const evs of tickets(events, w.tenant)) {
    const created = evs.find((e) => e.type === 'ticket.created')
    const resolves = evs.filter((e) => e.type === 'ticket.resolved').map(t)
    if (!created || resolves.length === 0) continue
    const last = Math.max(...resolves)
    if (last < w.from || last >= w.to) continue
    ds.push((last - t(created)) / 1000)
    const replies = evs.filter((e) => e.type === 'ticket.agent_replied').length
    const reopened = evs.some((e) => e.type === 'ticket.reopened')
    if (replies === 1 && !reopened) firstContact++
  }
  return {
    resolution: { n: ds.length, value: meanOf(ds) },
    fcr: { n: ds.length, value: ds.length ? (firstContact / ds.length) * 100 : null },
  }
}

export function expectAwt(events: Ev[], w: Window) {
  const waits = events
    .filter((e) => e.type.startsWith('ticket.') && inWindow(e, w))
    .map((e) => (e as { queue_wait_seconds?: number }).queue_wait_seconds)
    .filter((x): x is number => x !== undefined)
  return { n: waits.length, value: meanOf(waits) }
}

export function expectIqs(events: Ev[], w: Window) {
  const scores = events
    .filter((e) => e.type === 'qa.review' && inWindow(e, w))
    .map((e) => {
      const c = (e as { criteria: { score: number; weight: number }[] }).criteria
      return c.reduce((a, x) => a + x.score * x.weight, 0) / c.reduce((a, x) => a + x.weight, 0)
    })
  return { n: scores.length, value: meanOf(scores) }
}

/** Churn, CRR and referral rate for one tenant over [from, to), from the lifecycle events. */
export function expectLifecycle(events: Ev[], tenant: string, from: number, to: number) {
  const byCustomer = new Map<string, Ev[]>()
  for (const e of events) {
    if (e.tenant !== tenant || !e.type.startsWith('customer.')) continue
    byCustomer.set(e.customer_id, [...(byCustomer.get(e.customer_id) ?? []), e])
  }
  const lifecycle = ['customer.signed_up', 'customer.churned', 'customer.reactivated']
  const activeAt = (evs: Ev[], instant: number) => {
    const before = evs.filter((e) => lifecycle.includes(e.type) && t(e) < instant)
    if (before.length === 0) return false
    const last = before.reduce((a, b) =>
      t(b) > t(a) || (t(b) === t(a) && b.event_id! > a.event_id!) ? b : a,
    )
    return last.type !== 'customer.churned'
  }
  let s = 0
  let e = 0
  let churned = 0
  let n = 0
  let activeDuring = 0
  let referrers = 0
  for (const evs of byCustomer.values()) {
    const startActive = activeAt(evs, from)
    const inside = evs.filter((x) => t(x) >= from && t(x) < to)
    const activated = inside.some(
      (x) => x.type === 'customer.signed_up' || x.type === 'customer.reactivated',
    )
    if (startActive) s++
    if (activeAt(evs, to)) e++
    if (startActive && inside.some((x) => x.type === 'customer.churned')) churned++
    if (!startActive && activated) n++
    if (startActive || activated) {
      activeDuring++
      if (inside.some((x) => x.type === 'customer.referred')) referrers++
    }
  }
  return {
    churn: { n: s, value: s ? (churned / s) * 100 : null },
    crr: { n: s, value: s ? ((e - n) / s) * 100 : null },
    referral: { n: activeDuring, value: activeDuring ? (referrers / activeDuring) * 100 : null },
  }
}
