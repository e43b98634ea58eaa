/**
 * - percent: 0–100 %; nps: NPS points, −100 to 100; score: 0–100 normalised score;
 * - scale: the survey's own scale (CES mean); seconds; currency: major units of one currency;
 * - count: a number of things (tickets).
 */
export type MetricUnit = 'percent' | 'nps' | 'score' | 'scale' | 'seconds' | 'currency' | 'count'

/** How `ci95` is computed, when there is one. */
export type MetricCi = 'wilson' | 'nps_se' | 'mean_normal'

/** The test the alerter uses to decide whether a drop is significant. */
export type MetricAlertTest = 'two_proportion_z' | 'nps_difference' | 'welch_t'

/** A reading-guide threshold: the label applies when value > min (or >= min if inclusive). */
export interface ReadingBand {
  min: number
  inclusive: boolean
  label: string
}

export interface MetricDefinition {
  id: string
  name: string
  description: string
  unit: MetricUnit
  /** true / false when a rise is good / bad; null when it depends (CES orientation) or n/a. */
  higherIsBetter: boolean | null
  ci: MetricCi | null
  alertTest: MetricAlertTest | null
  /** Reading guide shown to users, bands from highest to lowest. */
  guide?: { text: string; bands: readonly ReadingBand[] }
}

function define<const Id extends string>(
  id: Id,
  rest: Omit<MetricDefinition, 'id'>,
): MetricDefinition & { id: Id } {
  return { id, ...rest }
}

const definitions = [
  define('csat', {
    name: 'CSAT %',
    description: 'Share of positive (top-two-box or declared positive_min) CSAT responses.',
    unit: 'percent',
    higherIsBetter: true,
    ci: 'wilson',
    alertTest: 'two_proportion_z',
    guide: {
      text: '≥ 70 % is generally considered good',
      bands: [{ min: 70, inclusive: true, label: 'good' }],
    },
  }),
  define('csat_mean', {
    name: 'CSAT mean',
    description: 'Mean CSAT score normalised to 0–100, so mixed scales aggregate.',
    unit: 'score',
    higherIsBetter: true,
    ci: 'mean_normal',
    alertTest: 'welch_t',
  }),
  define('nps', {
    name: 'NPS',
    description: '% promoters (9–10) − % detractors (0–6) on the 0–10 scale.',
    unit: 'nps',
    higherIsBetter: true,
    ci: 'nps_se',
    alertTest: 'nps_difference',
    guide: {
      text: '> 0 positive, > 50 excellent, > 70 world-class',
      bands: [
        { min: 70, inclusive: false, label: 'world-class' },
        { min: 50, inclusive: false, label: 'excellent' },
        { min: 0, inclusive: false, label: 'positive' },
      ],
    },
  }),
  define('ces', {
    name: 'CES mean',
    description: "Mean CES score on the survey's own scale, per orientation (agreement/effort).",
    unit: 'scale',
    higherIsBetter: null,
    ci: 'mean_normal',
    alertTest: 'welch_t',
  }),
  define('ces_pct', {
    name: 'CES %',
    description: 'Share of CES responses signalling low effort, per orientation.',
    unit: 'percent',
    higherIsBetter: true,
    ci: null,
    alertTest: 'two_proportion_z',
  }),
  define('survey_response_rate', {
    name: 'Survey response rate',
    description:
      'Surveys sent in the window that got a response (same survey and customer), over surveys sent.',
    unit: 'percent',
    higherIsBetter: true,
    ci: null,
    alertTest: null,
  }),
  define('churn_rate', {
    name: 'Churn rate',
    description: 'Customers active at the window start who churned in it, over those active.',
    unit: 'percent',
    higherIsBetter: false,
    ci: null,
    alertTest: null,
  }),
  define('crr', {
    name: 'Customer retention rate',
    description: '(Active at end − newly active) / active at start.',
    unit: 'percent',
    higherIsBetter: true,
    ci: null,
    alertTest: null,
  }),
  define('clv', {
    name: 'Customer lifetime value',
    description: 'Average purchase value × purchases per year × lifespan in years, per currency.',
    unit: 'currency',
    higherIsBetter: true,
    ci: null,
    alertTest: null,
  }),
  define('historical_clv', {
    name: 'Historical CLV',
    description: "One customer's purchases × average gross margin, per currency.",
    unit: 'currency',
    higherIsBetter: true,
    ci: null,
    alertTest: null,
  }),
  define('referral_rate', {
    name: 'Referral rate',
    description: 'Distinct customers who referred someone, over customers active in the window.',
    unit: 'percent',
    higherIsBetter: true,
    ci: null,
    alertTest: null,
  }),
  define('frt', {
    name: 'First response time',
    description: 'First response − ticket creation (mean; median and p90 in components).',
    unit: 'seconds',
    higherIsBetter: false,
    ci: null,
    alertTest: null,
  }),
  define('reply_time', {
    name: 'Average reply time',
    description: 'Agent reply − the customer message it answers, over such replies.',
    unit: 'seconds',
    higherIsBetter: false,
    ci: null,
    alertTest: null,
  }),
  define('resolution_time', {
    name: 'Resolution time',
    description: 'Last resolve − creation over tickets resolved in the window.',
    unit: 'seconds',
    higherIsBetter: false,
    ci: null,
    alertTest: null,
  }),
  define('complaint_resolution_time', {
    name: 'Complaint resolution time',
    description: 'Resolution time of tickets flagged as complaints or escalated.',
    unit: 'seconds',
    higherIsBetter: false,
    ci: null,
    alertTest: null,
  }),
  define('fcr', {
    name: 'First contact resolution',
    description: 'Resolved tickets with exactly one agent reply and never reopened.',
    unit: 'percent',
    higherIsBetter: true,
    ci: null,
    alertTest: null,
  }),
  define('ticket_volume', {
    name: 'Ticket volume',
    description: 'Tickets created in the window (ticket.created events).',
    unit: 'count',
    higherIsBetter: null,
    ci: null,
    alertTest: null,
  }),
  define('open_backlog', {
    name: 'Open backlog',
    description:
      'Tickets created before `to` whose latest state before `to` is not resolved (at instant `to`).',
    unit: 'count',
    higherIsBetter: false,
    ci: null,
    alertTest: null,
  }),
  define('reopen_rate', {
    name: 'Reopen rate',
    description: 'Tickets resolved in the window that were reopened at least once, over resolved.',
    unit: 'percent',
    higherIsBetter: false,
    ci: null,
    alertTest: null,
  }),
  define('escalation_rate', {
    name: 'Escalation rate',
    description: 'Tickets resolved in the window that were escalated at least once, over resolved.',
    unit: 'percent',
    higherIsBetter: false,
    ci: null,
    alertTest: null,
  }),
  define('sla_attainment', {
    name: 'SLA attainment',
    description:
      'Tickets first answered in the window within the target (default 10 min), over those first answered.',
    unit: 'percent',
    higherIsBetter: true,
    ci: null,
    alertTest: null,
  }),
  define('feedback_reply_rate', {
    name: 'Feedback reply rate',
    description: 'Survey comments that got a reply, over all survey comments.',
    unit: 'percent',
    higherIsBetter: true,
    ci: null,
    alertTest: null,
  }),
  define('awt', {
    name: 'Average wait time',
    description: 'Total queue wait over customers served.',
    unit: 'seconds',
    higherIsBetter: false,
    ci: null,
    alertTest: null,
  }),
  define('channel_mix', {
    name: 'Channel preference',
    description: 'Share of tickets and responses per channel (value: the top channel share).',
    unit: 'percent',
    higherIsBetter: null,
    ci: null,
    alertTest: null,
  }),
  define('iqs', {
    name: 'Internal quality score',
    description: 'Weighted QA review score Σwᵢsᵢ / Σwᵢ (0–100), averaged over reviews.',
    unit: 'score',
    higherIsBetter: true,
    ci: null,
    alertTest: null,
  }),
] as const

export type MetricId = (typeof definitions)[number]['id']

export const METRIC_IDS: readonly MetricId[] = definitions.map((d) => d.id)

/** Every metric by id: what it is, its unit, interval and alert test, and its reading guide. */
export const METRICS = Object.fromEntries(definitions.map((d) => [d.id, d])) as Readonly<
  Record<MetricId, MetricDefinition & { id: MetricId }>
>

export function isMetricId(id: string): id is MetricId {
  return Object.hasOwn(METRICS, id)
}

/** The reading-guide label for a value (e.g. NPS 55 → 'excellent'), or null if none applies. */
export function interpretMetric(id: MetricId, value: number | null): string | null {
  const guide = METRICS[id].guide
  if (value === null || guide === undefined) return null
  const band = guide.bands.find((b) => (b.inclusive ? value >= b.min : value > b.min))
  return band?.label ?? null
}
