import { z } from 'zod'
import { envelopeShape, eventObject, type Mode } from './envelope.schema.ts'
import { safeId } from './primitives.ts'

/** Lifecycle state changes; a customer's latest one decides whether it is active. */
export function customerStateSchema<M extends Mode>(mode: M) {
  return eventObject(mode, {
    ...envelopeShape(mode),
    type: z.enum(['customer.signed_up', 'customer.churned', 'customer.reactivated']),
  })
}

/** A positive decimal amount with up to 4 decimals, as a string so no float rounding happens. */
const DECIMAL_AMOUNT = /^(0|[1-9]\d{0,14})(\.\d{1,4})?$/

export function customerPurchaseSchema<M extends Mode>(mode: M) {
  return eventObject(mode, {
    ...envelopeShape(mode),
    type: z.literal('customer.purchase'),
    amount: z
      .string({ error: 'must be a decimal string like "49.90"' })
      .regex(DECIMAL_AMOUNT, {
        error: 'must be a decimal string like "49.90" (at most 4 decimals)',
      })
      .refine((s) => Number(s) > 0, { error: 'must be positive' })
      .optional(),
    amount_minor: z
      .number({ error: 'must be an integer number of minor units' })
      .int({ error: 'must be an integer number of minor units' })
      .positive({ error: 'must be positive' })
      .optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code like "EUR"' }),
    gross_margin: z
      .number({ error: 'must be a number' })
      .min(0, { error: 'must be between 0 and 1' })
      .max(1, { error: 'must be between 0 and 1' })
      .optional(),
  }).superRefine((value, ctx) => {
    const v = value as unknown as { amount?: string; amount_minor?: number }
    if ((v.amount === undefined) === (v.amount_minor === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['amount'],
        message: 'exactly one of amount and amount_minor is required',
      })
    }
  })
}

export function customerReferredSchema<M extends Mode>(mode: M) {
  return eventObject(mode, {
    ...envelopeShape(mode),
    type: z.literal('customer.referred'),
    referred_customer_id: safeId(128).optional(),
  })
}
