import { z } from 'zod'
import { envelopeShape, eventObject, type Mode } from './envelope.schema.ts'
import { safeId, uuid } from './primitives.ts'

export const TICKET_EVENT_TYPES = [
  'ticket.created',
  'ticket.first_response',
  'ticket.agent_replied',
  'ticket.customer_replied',
  'ticket.resolved',
  'ticket.reopened',
  'ticket.escalated',
] as const
export type TicketEventType = (typeof TICKET_EVENT_TYPES)[number]

export const MAX_QUEUE_WAIT_SECONDS = 30 * 24 * 3600

function ticketShape<M extends Mode>(mode: M) {
  return {
    ...envelopeShape(mode),
    ticket_id: safeId(128),
    complaint: z.boolean({ error: 'must be true or false' }).optional(),
    queue_wait_seconds: z
      .number({ error: 'must be a number' })
      .min(0, { error: 'must be >= 0' })
      .max(MAX_QUEUE_WAIT_SECONDS, { error: 'must be at most 30 days (2592000 seconds)' })
      .optional(),
  }
}

/** Every ticket event but `ticket.agent_replied`, which alone may carry `feedback_event_id`. */
export function ticketEventSchema<M extends Mode>(mode: M) {
  return eventObject(mode, {
    ...ticketShape(mode),
    type: z.enum([
      'ticket.created',
      'ticket.first_response',
      'ticket.customer_replied',
      'ticket.resolved',
      'ticket.reopened',
      'ticket.escalated',
    ]),
  })
}

export function ticketAgentRepliedSchema<M extends Mode>(mode: M) {
  return eventObject(mode, {
    ...ticketShape(mode),
    type: z.literal('ticket.agent_replied'),
    /** Set when the reply answers a survey comment; feeds the feedback reply rate. */
    feedback_event_id: uuid.optional(),
  })
}
