import { z } from 'zod'

/** One run of the crash loop, as the crash test records it (CRASH_LOOP_OUT). */
export const crashRunSchema = z.object({
  seed: z.number(),
  events: z.number(),
  resends: z.number(),
  kills: z.number(),
  killsWhileWriting: z.number(),
  replays: z.number(),
  rawRows: z.number(),
  counted: z.number(),
  lost: z.number(),
  duplicated: z.number(),
  aggregateMismatches: z.number(),
  apiAnswers: z.number(),
  apiMismatches: z.number(),
  seconds: z.number(),
  verdict: z.enum(['pass', 'fail']),
  at: z.string(),
})
