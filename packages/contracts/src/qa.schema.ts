import { z } from 'zod'
import { envelopeShape, eventObject, type Mode } from './envelope.schema.ts'
import { safeId } from './primitives.ts'

export const MAX_QA_CRITERIA = 50

export function qaReviewSchema<M extends Mode>(mode: M) {
  return eventObject(mode, {
    ...envelopeShape(mode),
    type: z.literal('qa.review'),
    review_id: safeId(128).optional(),
    ticket_id: safeId(128).optional(),
    criteria: z
      .array(
        z.strictObject({
          name: safeId(64),
          score: z
            .number({ error: 'must be a number' })
            .min(0, { error: 'must be between 0 and 100' })
            .max(100, { error: 'must be between 0 and 100' }),
          weight: z
            .number({ error: 'must be a number' })
            .positive({ error: 'must be > 0' })
            .max(1_000_000, { error: 'must be at most 1000000' }),
        }),
      )
      .min(1, { error: 'must contain at least 1 criterion' })
      .max(MAX_QA_CRITERIA, { error: `must contain at most ${MAX_QA_CRITERIA} criteria` }),
  })
}
