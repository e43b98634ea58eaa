import { z } from 'zod'
import type { Mode } from './envelope.schema.ts'
import { surveyResponseSchema, surveySentSchema } from './survey.schema.ts'
import { ticketAgentRepliedSchema, ticketEventSchema, TICKET_EVENT_TYPES } from './ticket.schema.ts'
import {
  customerPurchaseSchema,
  customerReferredSchema,
  customerStateSchema,
} from './customer.schema.ts'
import { qaReviewSchema } from './qa.schema.ts'

export const EVENT_TYPES = [
  'survey.response',
  'survey.sent',
  ...TICKET_EVENT_TYPES,
  'customer.signed_up',
  'customer.churned',
  'customer.reactivated',
  'customer.purchase',
  'customer.referred',
  'qa.review',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

function eventSchema<M extends Mode>(mode: M) {
  return z.discriminatedUnion('type', [
    surveyResponseSchema(mode),
    surveySentSchema(mode),
    ticketEventSchema(mode),
    ticketAgentRepliedSchema(mode),
    customerStateSchema(mode),
    customerPurchaseSchema(mode),
    customerReferredSchema(mode),
    qaReviewSchema(mode),
  ])
}

/** One event as a product system sends it (strict: unknown fields are rejected). */
export const cxEventSchema = eventSchema('input')
/** One event as ingest writes it to Kafka: the parsed event plus tenant, receipt time, version. */
export const enrichedEventSchema = eventSchema('enriched')

/** A parsed event: defaults filled in, ids and timestamps normalised. */
export type CxEvent = z.output<typeof cxEventSchema>
/** What a sender may write (defaults optional). The SDK builds these. */
export type CxEventInput = z.input<typeof cxEventSchema>
export type EnrichedEvent = z.output<typeof enrichedEventSchema>

export type EventOfType<T extends EventType, E = CxEvent> = E extends { type: infer U }
  ? T extends U
    ? E & { type: T }
    : never
  : never

export type SurveyResponseEvent = EventOfType<'survey.response'>
export type SurveySentEvent = EventOfType<'survey.sent'>
export type CsatResponseEvent = Extract<SurveyResponseEvent, { kind: 'csat' }>
export type NpsResponseEvent = Extract<SurveyResponseEvent, { kind: 'nps' }>
export type CesResponseEvent = Extract<SurveyResponseEvent, { kind: 'ces' }>
export type TicketEvent = EventOfType<(typeof TICKET_EVENT_TYPES)[number]>
export type TicketAgentRepliedEvent = EventOfType<'ticket.agent_replied'>
export type CustomerLifecycleEvent = EventOfType<
  'customer.signed_up' | 'customer.churned' | 'customer.reactivated'
>
export type CustomerPurchaseEvent = EventOfType<'customer.purchase'>
export type CustomerReferredEvent = EventOfType<'customer.referred'>
export type QaReviewEvent = EventOfType<'qa.review'>
