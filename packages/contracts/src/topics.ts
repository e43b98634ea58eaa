import type { EventType } from './event.schema.ts'
import { MAX_RECORD_BYTES } from './records.ts'

export const DEFAULT_TOPIC_PREFIX = 'cxpulse'
/**
 * Topic suffixes; a breaking change of a topic's record format gets a new suffix. Domain
 * topics are v2: a record holds one or more events as NDJSON (`records.ts`).
 */
export const TOPIC_VERSION = 'v2'
const SIDE_TOPIC_VERSION = 'v1'

export type Domain = 'surveys' | 'tickets' | 'customers' | 'qa'
export interface TopicNames {
  surveys: string
  tickets: string
  customers: string
  qa: string
  deadLetter: string
  alerts: string
}

/** Kafka's legal topic characters; the prefix is configurable so each test has its own topics. */
const PREFIX = /^[A-Za-z0-9._-]{1,200}$/

export function topicNames(prefix: string = DEFAULT_TOPIC_PREFIX): TopicNames {
  if (!PREFIX.test(prefix)) {
    throw new Error(`invalid topic prefix ${JSON.stringify(prefix)}: use 1-200 of [A-Za-z0-9._-]`)
  }
  return {
    surveys: `${prefix}.surveys.${TOPIC_VERSION}`,
    tickets: `${prefix}.tickets.${TOPIC_VERSION}`,
    customers: `${prefix}.customers.${TOPIC_VERSION}`,
    qa: `${prefix}.qa.${TOPIC_VERSION}`,
    deadLetter: `${prefix}.dead-letter.${SIDE_TOPIC_VERSION}`,
    alerts: `${prefix}.alerts.${SIDE_TOPIC_VERSION}`,
  }
}

/**
 * Partitions per topic. Domain topics get 6 so up to 6 processor instances share the load;
 * more partitions later would move keys between partitions, so start with room.
 */
export const TOPIC_PARTITIONS: Record<keyof TopicNames, number> = {
  surveys: 6,
  tickets: 6,
  customers: 6,
  qa: 6,
  deadLetter: 3,
  alerts: 1,
}

export function domainForEvent(type: EventType): Domain {
  if (type.startsWith('survey.')) return 'surveys'
  if (type.startsWith('ticket.')) return 'tickets'
  if (type.startsWith('customer.')) return 'customers'
  return 'qa'
}

/** The topic an event of this type is written to. */
export function topicForEvent(type: EventType, topics: TopicNames | string = DEFAULT_TOPIC_PREFIX) {
  const names = typeof topics === 'string' ? topicNames(topics) : topics
  return names[domainForEvent(type)]
}

/** Same shape as `TopicSpec` in @cxpulse/kafka (checked by a test), without depending on kafkajs. */
export interface ContractTopicSpec {
  topic: string
  numPartitions: number
  replicationFactor?: number
  configEntries?: { name: string; value: string }[]
}

const DAY_MS = 24 * 3600_000

/**
 * Every topic cxpulse uses, ready for `ensureTopics`. `minInsyncReplicas` becomes the topic's
 * `min.insync.replicas`: with the producers' acks=-1 a write is acknowledged only once that
 * many replicas have it, and refused (ingest answers 503) while fewer are in sync.
 */
export function TOPIC_SPECS(
  prefix: string = DEFAULT_TOPIC_PREFIX,
  options: { replicationFactor?: number; minInsyncReplicas?: number } = {},
): ContractTopicSpec[] {
  const names = topicNames(prefix)
  return (Object.keys(names) as (keyof TopicNames)[]).map((k) => {
    const configEntries = [
      ...(options.minInsyncReplicas
        ? [{ name: 'min.insync.replicas', value: String(options.minInsyncReplicas) }]
        : []),
      // Domain records carry up to MAX_RECORD_BYTES of events each, and one produce request may
      // hold several for a partition in one batch: said explicitly so a cluster whose brokers
      // default lower still takes what ingest writes.
      ...(k !== 'deadLetter' && k !== 'alerts'
        ? [{ name: 'max.message.bytes', value: String(2 * MAX_RECORD_BYTES) }]
        : []),
      // Dead letters are kept long enough for someone to look at them after a holiday, and may
      // be larger than the record they describe (the raw value as base64, plus the errors).
      ...(k === 'deadLetter'
        ? [
            { name: 'retention.ms', value: String(30 * DAY_MS) },
            { name: 'max.message.bytes', value: String(8 * 2 ** 20) },
          ]
        : []),
    ]
    return {
      topic: names[k],
      numPartitions: TOPIC_PARTITIONS[k],
      ...(options.replicationFactor ? { replicationFactor: options.replicationFactor } : {}),
      ...(configEntries.length > 0 ? { configEntries } : {}),
    }
  })
}

/**
 * The Kafka message key. Kafka keeps order per partition and a key always maps to one
 * partition, so everything about one customer (or one ticket) is consumed in order:
 * `${tenant}:${customer}`, or `${tenant}:ticket:${ticket}` for ticket events (a ticket's
 * events must stay ordered even if its customer id changes mid-conversation).
 */
export function messageKey(event: {
  type: EventType
  tenant_id: string
  customer_id: string
  ticket_id?: string | undefined
}): string {
  if (event.type.startsWith('ticket.')) {
    if (event.ticket_id === undefined) throw new Error(`${event.type} event without ticket_id`)
    return `${event.tenant_id}:ticket:${event.ticket_id}`
  }
  return `${event.tenant_id}:${event.customer_id}`
}
