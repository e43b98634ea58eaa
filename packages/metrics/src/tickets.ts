import {
  MetricInputError,
  assertCount,
  assertNonNegative,
  assertPart,
  percentOf,
  type MetricResult,
} from './result.ts'
import { meanCi95, summarizeSums } from './stats.ts'

/**
 * Percentile of an ascending-sorted sample by linear interpolation between closest ranks
 * (Hyndman & Fan type 7 — numpy's default, Excel PERCENTILE.INC, ClickHouse
 * `quantileExactInclusive`): h = (n − 1)·p, result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 * p = 0.5 is the usual median. Null for an empty sample.
 */
export function percentileSorted(sorted: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new MetricInputError(`percentile must be in [0, 1], got ${p}`)
  if (sorted.length === 0) return null
  const h = (sorted.length - 1) * p
  const lo = Math.floor(h)
  const below = sorted[lo]!
  const above = sorted[Math.min(lo + 1, sorted.length - 1)]!
  return below + (h - lo) * (above - below)
}

export interface DurationComponents {
  median: number | null
  p90: number | null
}

/**
 * Mean (the value), median and p90 of durations in seconds. FRT, reply time, resolution time
 * and complaint resolution time are all this summary over different durations.
 */
export function summarizeDurations(seconds: readonly number[]): MetricResult<DurationComponents> {
  for (const s of seconds) assertNonNegative('duration (seconds)', s)
  if (seconds.length === 0) {
    return { value: null, n: 0, components: { median: null, p90: null } }
  }
  const sorted = [...seconds].sort((a, b) => a - b)
  const mean = sorted.reduce((acc, s) => acc + s, 0) / sorted.length
  return {
    value: mean,
    n: sorted.length,
    components: { median: percentileSorted(sorted, 0.5), p90: percentileSorted(sorted, 0.9) },
  }
}

/**
 * The same summary from an aggregate the database computed: count, sum, and the type-7
 * median and p90 (ClickHouse quantileExactInclusive equals percentileSorted).
 */
export function summarizeDurationAggregate(input: {
  n: number
  sumSeconds: number
  median: number | null
  p90: number | null
}): MetricResult<DurationComponents> {
  assertCount('durations', input.n)
  if (input.n === 0) return { value: null, n: 0, components: { median: null, p90: null } }
  assertNonNegative('duration sum (seconds)', input.sumSeconds)
  return {
    value: input.sumSeconds / input.n,
    n: input.n,
    components: { median: input.median, p90: input.p90 },
  }
}

/** FRT: first_response − created, per ticket whose first response falls in the window. */
export const computeFirstResponseTime = summarizeDurations
/** Average reply time: agent reply − the customer message it answers, per such reply. */
export const computeReplyTime = summarizeDurations

/** One message of a ticket's conversation: `ticket.created` and customer replies, agent replies. */
export interface TicketMessage {
  /** Epoch milliseconds (event time). */
  at: number
  from: 'customer' | 'agent'
  /** The replying agent (agent messages). */
  agent?: string
}

export interface ReplyPair {
  /** When the agent replied (what the window selects). */
  at: number
  agent: string
  seconds: number
}

/**
 * The SPEC's reply pairing: each agent message answers the latest customer message before it
 * that no earlier agent message has answered (`ticket.created` is the first customer message).
 * An agent message answers the customer messages since the previous agent message, measured
 * from the latest of them, so in time order a message counts exactly when the message just
 * before it is the customer's; a follow-up with no new customer message answers nothing.
 * Agent messages are distinct (instant, agent) pairs (a first_response and an agent_replied of
 * the same agent at the same instant are one message). At the same instant a customer message
 * is taken to come first, then agents in name order. The query package does the same pairing
 * in SQL (ticket.queries.ts, queryReplyTimes); this is its reference.
 */
export function pairReplies(messages: readonly TicketMessage[]): ReplyPair[] {
  const seen = new Set<string>()
  const distinct: TicketMessage[] = []
  for (const m of messages) {
    if (!Number.isFinite(m.at))
      throw new MetricInputError(`message time must be finite, got ${m.at}`)
    const key = m.from === 'agent' ? `a${m.at}\u0000${m.agent ?? ''}` : `c${m.at}`
    if (seen.has(key)) continue
    seen.add(key)
    distinct.push(m)
  }
  const rank = (m: TicketMessage) => (m.from === 'customer' ? 0 : 1)
  distinct.sort(
    (a, b) =>
      a.at - b.at ||
      rank(a) - rank(b) ||
      ((a.agent ?? '') < (b.agent ?? '') ? -1 : (a.agent ?? '') > (b.agent ?? '') ? 1 : 0),
  )
  const pairs: ReplyPair[] = []
  for (let i = 1; i < distinct.length; i++) {
    const prev = distinct[i - 1]!
    const cur = distinct[i]!
    if (cur.from === 'agent' && prev.from === 'customer') {
      pairs.push({ at: cur.at, agent: cur.agent ?? '', seconds: (cur.at - prev.at) / 1000 })
    }
  }
  return pairs
}
/** Resolution time: last resolve − created, per ticket resolved in the window. */
export const computeResolutionTime = summarizeDurations
/** Resolution time restricted to tickets flagged as complaints or escalated. */
export const computeComplaintResolutionTime = summarizeDurations

export interface FcrInput {
  resolved: number
  /** Resolved with exactly one agent reply and never reopened. */
  resolvedFirstContact: number
}

/** First contact resolution % = first-contact resolutions / resolved × 100; n = resolved. */
export function computeFcr(input: FcrInput): MetricResult {
  assertPart('resolvedFirstContact', input.resolvedFirstContact, 'resolved', input.resolved)
  const value = percentOf(input.resolvedFirstContact, input.resolved)
  return { value, n: value === null ? 0 : input.resolved }
}

export interface ResolvedFlagInput {
  /** Tickets resolved in the window. */
  resolved: number
  /** Of those, the ones that were reopened (reopen rate) or escalated (escalation rate). */
  flagged: number
}

/** Reopen rate % = resolved tickets reopened at least once / resolved × 100; n = resolved. */
export function computeReopenRate(input: ResolvedFlagInput): MetricResult {
  assertPart('reopened', input.flagged, 'resolved', input.resolved)
  const value = percentOf(input.flagged, input.resolved)
  return { value, n: value === null ? 0 : input.resolved }
}

/** Escalation rate % = resolved tickets escalated at least once / resolved × 100; n = resolved. */
export function computeEscalationRate(input: ResolvedFlagInput): MetricResult {
  assertPart('escalated', input.flagged, 'resolved', input.resolved)
  const value = percentOf(input.flagged, input.resolved)
  return { value, n: value === null ? 0 : input.resolved }
}

/** The SPEC's default SLA target: the seeds cite 82 % of customers expecting a reply in 10 min. */
export const SLA_DEFAULT_TARGET_MINUTES = 10

export interface SlaInput {
  /** Tickets whose first response falls in the window. */
  responded: number
  /** Of those, first answered within the target (first_response − created ≤ target). */
  withinTarget: number
}

/** SLA attainment % = within target / tickets first answered in the window × 100; n = responded. */
export function computeSlaAttainment(input: SlaInput): MetricResult {
  assertPart('withinTarget', input.withinTarget, 'responded', input.responded)
  const value = percentOf(input.withinTarget, input.responded)
  return { value, n: value === null ? 0 : input.responded }
}

/**
 * A count of tickets (ticket volume, open backlog): value = n = the count. As every metric, a
 * count of nothing is null with n = 0 (SPEC: an empty window is null, never 0).
 */
export function computeTicketCount(count: number): MetricResult {
  assertCount('tickets', count)
  return count === 0 ? { value: null, n: 0 } : { value: count, n: count }
}

export interface FeedbackReplyInput {
  /** Survey responses with a comment. */
  feedbackItems: number
  /** Of those, the ones that got a reply. */
  replied: number
}

/** Feedback reply rate % = replied / feedback items × 100; n = feedback items. */
export function computeFeedbackReplyRate(input: FeedbackReplyInput): MetricResult {
  assertPart('replied', input.replied, 'feedbackItems', input.feedbackItems)
  const value = percentOf(input.replied, input.feedbackItems)
  return { value, n: value === null ? 0 : input.feedbackItems }
}

export interface AwtInput {
  totalWaitSeconds: number
  served: number
}

/** Average wait time = total queue wait / customers served, in seconds; n = served. */
export function computeAwt(input: AwtInput): MetricResult {
  assertNonNegative('totalWaitSeconds', input.totalWaitSeconds)
  assertCount('served', input.served)
  if (input.served === 0) return { value: null, n: 0 }
  return { value: input.totalWaitSeconds / input.served, n: input.served }
}

export interface ChannelMixInput {
  /** Tickets and/or responses per channel, as the caller chooses to count them. */
  counts: Readonly<Record<string, number>>
}

export interface ChannelMixComponents {
  /** Share of each channel, in %; sums to 100. */
  shares: Record<string, number>
  /** Most used channel (ties go to the alphabetically first); null when empty. */
  top: string | null
}

/**
 * Channel preference: each channel's share of the total. A distribution has no single value,
 * so `value` is the top channel's share (how concentrated demand is) and the shares are in
 * the components.
 */
export function computeChannelMix(input: ChannelMixInput): MetricResult<ChannelMixComponents> {
  const entries = Object.entries(input.counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  let n = 0
  for (const [channel, count] of entries) {
    assertCount(`counts.${channel}`, count)
    n += count
  }
  if (n === 0) return { value: null, n: 0, components: { shares: {}, top: null } }
  const shares: Record<string, number> = {}
  let top: string | null = null
  let topCount = -1
  for (const [channel, count] of entries) {
    shares[channel] = (count / n) * 100
    if (count > topCount) {
      top = channel
      topCount = count
    }
  }
  return { value: (topCount / n) * 100, n, components: { shares, top } }
}

export interface QaCriterion {
  /** 0–100. */
  score: number
  /** Tenant-configured weight, >= 0. */
  weight: number
}

export interface QaReview {
  criteria: readonly QaCriterion[]
}

/** One review's weighted score Σ wᵢ·sᵢ / Σ wᵢ; a review whose weights sum to 0 is invalid. */
export function reviewScore(review: QaReview): number {
  let weighted = 0
  let weights = 0
  for (const { score, weight } of review.criteria) {
    if (!Number.isFinite(score) || score < 0 || score > 100) {
      throw new MetricInputError(`QA criterion score must be 0–100, got ${score}`)
    }
    assertNonNegative('QA criterion weight', weight)
    weighted += weight * score
    weights += weight
  }
  if (weights === 0) throw new MetricInputError('QA review has no criterion with weight > 0')
  return weighted / weights
}

/** IQS = mean over reviews of each review's weighted score (0–100); n = reviews. */
export function computeIqs(reviews: readonly QaReview[]): MetricResult {
  if (reviews.length === 0) return { value: null, n: 0 }
  const total = reviews.reduce((acc, review) => acc + reviewScore(review), 0)
  return { value: total / reviews.length, n: reviews.length }
}

/**
 * IQS from rollup sums of per-review scores (each already Σ wᵢ·sᵢ / Σ wᵢ): the mean, with the
 * same 1.96·sd/√n interval the SPEC gives for means.
 */
export function computeIqsFromSums(sums: { n: number; sum: number; sumSq: number }): MetricResult {
  assertCount('reviews', sums.n)
  const summary = summarizeSums(sums.n, sums.sum, sums.sumSq)
  if (summary === null) return { value: null, n: 0 }
  return { value: summary.mean, n: summary.n, ci95: meanCi95(summary) }
}
