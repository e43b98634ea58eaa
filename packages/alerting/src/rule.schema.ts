import { z } from 'zod'

/** Metrics a rule can watch: the survey scores the SPEC names for alerts. */
export const ALERT_METRICS = ['csat', 'nps', 'ces', 'ces_pct'] as const
export type AlertMetric = (typeof ALERT_METRICS)[number]

/** Dimensions a rule may filter on or fan out over. */
export const ALERT_DIMENSIONS = [
  'channel',
  'agent',
  'team',
  'product',
  'region',
  'segment',
] as const
export type AlertDimension = (typeof ALERT_DIMENSIONS)[number]

const DAY_MINUTES = 24 * 60

/**
 * What a tenant writes to create or replace a rule (`POST`/`PUT /v1/alert-rules`).
 * Windows are relative to the evaluation time: current = [now − current, now), baseline =
 * the `baseline_window_minutes` just before it.
 */
export const alertRuleInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    metric: z.enum(ALERT_METRICS),
    filters: z.partialRecord(z.enum(ALERT_DIMENSIONS), z.string().min(1).max(200)).default({}),
    /** Evaluate each value of this dimension separately ("any channel"), Holm-corrected. */
    fan_out: z.enum(ALERT_DIMENSIONS).nullable().default(null),
    max_groups: z.number().int().min(1).max(100).default(20),
    current_window_minutes: z
      .number()
      .int()
      .min(5)
      .max(7 * DAY_MINUTES)
      .default(60),
    baseline_window_minutes: z
      .number()
      .int()
      .min(60)
      .max(90 * DAY_MINUTES)
      .default(7 * DAY_MINUTES),
    /** Points: percentage points for CSAT % / CES %, NPS points, scale points for CES mean. */
    min_drop: z.number().positive().max(200),
    /** Fewest responses in EACH window for the rule to judge at all. */
    min_n: z.number().int().min(2).max(1_000_000).default(30),
    /** Significance level α of the one-sided test (family-wise with fan-out). */
    significance: z.number().gt(0).max(0.2).default(0.05),
    /** CES only: which question style; on `effort` a RISE of the mean is the bad direction. */
    orientation: z.enum(['agreement', 'effort']).default('agreement'),
    /** CES mean only: the scale, when responses on several scales exist (e.g. "1-7"). */
    scale: z
      .string()
      .regex(/^\d{1,2}-\d{1,2}$/, 'expected MIN-MAX, e.g. 1-7')
      .nullable()
      .default(null),
    webhook_url: z
      .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
      .max(2000)
      .nullable()
      .default(null),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.fan_out && r.filters[r.fan_out] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['fan_out'],
        message: `cannot fan out over "${r.fan_out}" and also filter on it`,
      })
    }
    if (r.baseline_window_minutes < r.current_window_minutes) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseline_window_minutes'],
        message: 'the baseline window must be at least as long as the current window',
      })
    }
  })
export type AlertRuleInput = z.output<typeof alertRuleInput>

export const alertRule = z.object({
  rule_id: z.uuid(),
  tenant_id: z.string().min(1),
  ...alertRuleInput.shape,
  updated_at: z.string(),
})
export type AlertRule = z.output<typeof alertRule>

/** Rules every tenant gets until it has defined its own (see services/alerter/README.md). */
export const DEFAULT_RULES: readonly AlertRuleInput[] = [
  alertRuleInput.parse({ name: 'CSAT % drop', metric: 'csat', min_drop: 5 }),
  alertRuleInput.parse({
    name: 'CSAT % drop in any channel',
    metric: 'csat',
    fan_out: 'channel',
    min_drop: 10,
  }),
  alertRuleInput.parse({ name: 'NPS drop', metric: 'nps', min_drop: 10 }),
  alertRuleInput.parse({ name: 'CES drop', metric: 'ces', min_drop: 0.5 }),
]
