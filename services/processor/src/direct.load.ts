import { RAW_TABLE, insertRawBatch, type ClickHouse } from '@cxpulse/clickhouse'
import { domainForEvent, type Domain, type EventType } from '@cxpulse/contracts'
import { rawInsertBody, type GuardedEvent } from './batch.guard.ts'

/**
 * Writes enriched events straight into their raw tables with the processor's own insert (the
 * same body, settings and engine-derived columns), without Kafka: for tests and benchmarks
 * that need data in place. Event i is recorded as offset i of `origin`.
 */
export async function insertEventsDirect(
  ch: ClickHouse,
  events: readonly Record<string, unknown>[],
  origin: { topic: string; partition: number } = { topic: 'direct', partition: 0 },
  blockSize = 10_000,
): Promise<void> {
  const byDomain = new Map<Domain, GuardedEvent[]>()
  events.forEach((event, i) => {
    const domain = domainForEvent(event['type'] as EventType)
    const list = byDomain.get(domain) ?? []
    list.push({
      offset: String(i),
      index: 0,
      line: JSON.stringify(event),
      eventId: String(event['event_id']),
      tenantId: String(event['tenant_id']),
      occurredMs: Date.parse(String(event['occurred_at'])),
    })
    byDomain.set(domain, list)
  })
  for (const [domain, list] of byDomain) {
    for (let i = 0; i < list.length; i += blockSize) {
      const block = list.slice(i, i + blockSize)
      await insertRawBatch(
        ch,
        RAW_TABLE[domain],
        rawInsertBody(block, origin),
        `${origin.topic}:${origin.partition}:${domain}:${block[0]?.offset}`,
      )
    }
  }
}
