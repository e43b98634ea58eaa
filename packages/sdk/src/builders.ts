import { randomUUID } from 'node:crypto'
import type { CxEventInput, EventOfType, EventType } from '@cxpulse/contracts'

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** What a caller supplies for an event of type T: everything but the type, id and time optional. */
export type EventFields<T extends EventType> = DistributiveOmit<
  EventOfType<T, CxEventInput>,
  'type' | 'event_id' | 'occurred_at'
> & {
  /** Set it when the event already has an id in your system (keeps retries idempotent across restarts). */
  event_id?: string
  occurred_at?: string | Date
}

export type BuiltEvent<T extends EventType> = EventOfType<T, CxEventInput>

/**
 * Builds a typed event: assigns `event_id` (a new UUID, once — retries reuse it) and
 * `occurred_at` (now) unless given.
 */
export function buildEvent<T extends EventType>(type: T, fields: EventFields<T>): BuiltEvent<T> {
  const { event_id, occurred_at, ...rest } = fields as EventFields<T> & Record<string, unknown>
  return {
    ...rest,
    type,
    event_id: event_id ?? randomUUID(),
    occurred_at:
      occurred_at instanceof Date
        ? occurred_at.toISOString()
        : (occurred_at ?? new Date().toISOString()),
  } as unknown as BuiltEvent<T>
}

type SurveyFields<K> = DistributiveOmit<
  Extract<EventFields<'survey.response'>, { kind: K }>,
  'kind'
>

/** Shorthands for the common events. */
export const events = {
  csat: (f: SurveyFields<'csat'>) =>
    buildEvent('survey.response', { ...f, kind: 'csat' } as EventFields<'survey.response'>),
  nps: (f: SurveyFields<'nps'>) =>
    buildEvent('survey.response', { ...f, kind: 'nps' } as EventFields<'survey.response'>),
  ces: (f: SurveyFields<'ces'>) =>
    buildEvent('survey.response', { ...f, kind: 'ces' } as EventFields<'survey.response'>),
  ticket: <T extends Extract<EventType, `ticket.${string}`>>(type: T, f: EventFields<T>) =>
    buildEvent(type, f),
  customer: <T extends Extract<EventType, `customer.${string}`>>(type: T, f: EventFields<T>) =>
    buildEvent(type, f),
  qaReview: (f: EventFields<'qa.review'>) => buildEvent('qa.review', f),
}
