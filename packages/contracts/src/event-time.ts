import type { FieldError } from './errors.ts'
import type { EventType } from './event.schema.ts'
import { domainForEvent } from './topics.ts'

/**
 * The one event-time policy. Ingest applies it against its clock when an event arrives and
 * refuses with a 4xx; the processor applies the same function against the event's
 * `received_at` (deterministic on replay) for whatever reached a topic without ingest.
 */
export interface EventTimePolicy {
  /** How far `occurred_at` may be ahead of the receive time (clock skew allowance). */
  maxFutureMs: number
  /**
   * How far `occurred_at` may be behind the receive time for surveys, tickets and QA reviews;
   * null = no limit. Customer lifecycle and purchase history is state, never refused for age.
   */
  lateHorizonMs: number | null
}

export const DEFAULT_EVENT_TIME_POLICY: EventTimePolicy = {
  maxFutureMs: 5 * 60_000,
  lateHorizonMs: null,
}

export type EventTimeReason = 'too_far_in_future' | 'too_late'

function duration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} days`
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`
  return `${Math.round(ms / 1000)} s`
}

/** Why an event's time is refused, or undefined when the policy accepts it. */
export function checkEventTime(
  type: EventType,
  occurredMs: number,
  receivedMs: number,
  policy: EventTimePolicy,
): { reason: EventTimeReason; errors: FieldError[] } | undefined {
  if (occurredMs > receivedMs + policy.maxFutureMs) {
    return {
      reason: 'too_far_in_future',
      errors: [
        {
          path: 'occurred_at',
          message: `must not be more than ${duration(policy.maxFutureMs)} in the future (after the time it was received)`,
        },
      ],
    }
  }
  if (
    policy.lateHorizonMs !== null &&
    domainForEvent(type) !== 'customers' &&
    occurredMs < receivedMs - policy.lateHorizonMs
  ) {
    return {
      reason: 'too_late',
      errors: [
        {
          path: 'occurred_at',
          message: `must not be more than ${duration(policy.lateHorizonMs)} before the time it was received (the late horizon)`,
        },
      ],
    }
  }
  return undefined
}
