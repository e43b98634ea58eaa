import { describe, expect, it } from 'vitest'
import { checkEventTime, DEFAULT_EVENT_TIME_POLICY } from './event-time.ts'

const NOW = Date.parse('2026-12-02T12:00:00.000Z')
const DAY = 86_400_000

describe('checkEventTime: one policy for ingest and processor', () => {
  it('refuses events beyond the future allowance, for every domain', () => {
    for (const type of ['survey.response', 'ticket.created', 'customer.signed_up'] as const) {
      expect(checkEventTime(type, NOW + 5 * 60_000, NOW, DEFAULT_EVENT_TIME_POLICY)).toBeUndefined()
      const refused = checkEventTime(type, NOW + 5 * 60_000 + 1, NOW, DEFAULT_EVENT_TIME_POLICY)
      expect(refused?.reason).toBe('too_far_in_future')
      expect(refused?.errors[0]?.path).toBe('occurred_at')
    }
  })

  it('accepts history of any age by default', () => {
    expect(
      checkEventTime('survey.response', NOW - 3650 * DAY, NOW, DEFAULT_EVENT_TIME_POLICY),
    ).toBeUndefined()
  })

  it('applies a late horizon to surveys, tickets and QA, never to lifecycle or purchases', () => {
    const policy = { maxFutureMs: 0, lateHorizonMs: 90 * DAY }
    const old = NOW - 90 * DAY - 1
    for (const type of [
      'survey.response',
      'survey.sent',
      'ticket.resolved',
      'qa.review',
    ] as const) {
      const refused = checkEventTime(type, old, NOW, policy)
      expect(refused?.reason).toBe('too_late')
      expect(refused?.errors[0]?.message).toMatch(/90 days/)
      expect(checkEventTime(type, NOW - 90 * DAY, NOW, policy)).toBeUndefined()
    }
    for (const type of ['customer.signed_up', 'customer.churned', 'customer.purchase'] as const) {
      expect(checkEventTime(type, NOW - 730 * DAY, NOW, policy)).toBeUndefined()
    }
  })
})
