import { z } from 'zod'
import { envelopeShape, eventObject, type Mode } from './envelope.schema.ts'
import { safeId, safeText } from './primitives.ts'

/** Scales a survey may be asked on, per kind. NPS exists only on 0–10. */
export const SURVEY_SCALES = {
  csat: [
    [1, 5],
    [1, 7],
    [1, 10],
  ],
  nps: [[0, 10]],
  ces: [
    [1, 5],
    [1, 7],
    [1, 10],
  ],
} as const satisfies Record<string, readonly (readonly [number, number])[]>

export const DEFAULT_SCALES = {
  csat: { scale_min: 1, scale_max: 5 },
  nps: { scale_min: 0, scale_max: 10 },
  ces: { scale_min: 1, scale_max: 7 },
} as const

export const MAX_COMMENT_LENGTH = 4000

const int = z.number({ error: 'must be a number' }).int({ error: 'must be an integer' })

function surveyCommon<M extends Mode>(mode: M) {
  return {
    ...envelopeShape(mode),
    type: z.literal('survey.response'),
    score: int,
    survey_id: safeId(128).optional(),
    comment: safeText(MAX_COMMENT_LENGTH).optional(),
    ticket_id: safeId(128).optional(),
  }
}

type Scaled = {
  kind: keyof typeof SURVEY_SCALES
  score: number
  scale_min: number
  scale_max: number
}

function checkScale(v: Scaled, ctx: z.core.$RefinementCtx<Scaled>) {
  const allowed = SURVEY_SCALES[v.kind]
  if (!allowed.some(([lo, hi]) => lo === v.scale_min && hi === v.scale_max)) {
    ctx.addIssue({
      code: 'custom',
      path: ['scale_max'],
      message: `${v.kind.toUpperCase()} scale ${v.scale_min}–${v.scale_max} is not allowed; allowed: ${allowed
        .map(([lo, hi]) => `${lo}–${hi}`)
        .join(', ')}`,
    })
    return
  }
  if (v.score < v.scale_min || v.score > v.scale_max) {
    ctx.addIssue({
      code: 'custom',
      path: ['score'],
      message: `score ${v.score} is outside its scale ${v.scale_min}–${v.scale_max}`,
    })
  }
}

function csatResponseSchema<M extends Mode>(mode: M) {
  return eventObject(mode, {
    ...surveyCommon(mode),
    kind: z.literal('csat'),
    scale_min: int.default(DEFAULT_SCALES.csat.scale_min),
    scale_max: int.default(DEFAULT_SCALES.csat.scale_max),
    /** Overrides top-two-box: a response is positive when score >= positive_min. */
    positive_min: int.optional(),
  }).superRefine((value, ctx) => {
    // Generic over the mode, TypeScript cannot resolve the output here; the shape is fixed above.
    const v = value as unknown as Scaled & { positive_min?: number }
    checkScale(v, ctx as z.core.$RefinementCtx<Scaled>)
    if (
      v.positive_min !== undefined &&
      (v.positive_min < v.scale_min || v.positive_min > v.scale_max)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['positive_min'],
        message: `positive_min ${v.positive_min} is outside the scale ${v.scale_min}–${v.scale_max}`,
      })
    }
  })
}

const NPS_ONLY = 'NPS is defined only on the 0–10 scale'

function npsResponseSchema<M extends Mode>(mode: M) {
  return eventObject(mode, {
    ...surveyCommon(mode),
    kind: z.literal('nps'),
    scale_min: z.literal(0, { error: NPS_ONLY }).default(0),
    scale_max: z.literal(10, { error: NPS_ONLY }).default(10),
  }).superRefine((v, ctx) =>
    checkScale(v as unknown as Scaled, ctx as z.core.$RefinementCtx<Scaled>),
  )
}

export const CES_ORIENTATIONS = ['agreement', 'effort'] as const

function cesResponseSchema<M extends Mode>(mode: M) {
  return eventObject(mode, {
    ...surveyCommon(mode),
    kind: z.literal('ces'),
    scale_min: int.default(DEFAULT_SCALES.ces.scale_min),
    scale_max: int.default(DEFAULT_SCALES.ces.scale_max),
    /** agreement: higher = less effort (default); effort: higher = more effort. */
    orientation: z.enum(CES_ORIENTATIONS).default('agreement'),
  }).superRefine((v, ctx) =>
    checkScale(v as unknown as Scaled, ctx as z.core.$RefinementCtx<Scaled>),
  )
}

export function surveyResponseSchema<M extends Mode>(mode: M) {
  return z.discriminatedUnion('kind', [
    csatResponseSchema(mode),
    npsResponseSchema(mode),
    cesResponseSchema(mode),
  ])
}

/**
 * A survey was sent to a customer (the denominator of the survey response rate). A response
 * answers the latest send of the same survey_id to the same customer before it.
 */
export function surveySentSchema<M extends Mode>(mode: M) {
  return eventObject(mode, {
    ...envelopeShape(mode),
    type: z.literal('survey.sent'),
    survey_id: safeId(128),
    kind: z.enum(['csat', 'nps', 'ces']).optional(),
  })
}
