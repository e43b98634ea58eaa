import { ConfigResourceTypes } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { createLogger } from '@cxpulse/logger'
import { testEnvironment, uniqueName, waitFor } from '@cxpulse/test-env'
import { createKafka, ensureTopics } from './kafka.ts'

describe('kafka wiring against the real broker', () => {
  const kafka = createKafka(
    { brokers: testEnvironment().kafka.brokers, clientId: uniqueName('test') },
    createLogger({ name: 'test', level: 'silent' }),
  )
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  const consumer = kafka.consumer({ groupId: uniqueName('group') })

  afterAll(async () => {
    await producer.disconnect()
    await consumer.disconnect()
  })

  it('creates topics idempotently', async () => {
    const topic = uniqueName('idem')
    expect(await ensureTopics(kafka, [{ topic, numPartitions: 3 }])).toEqual([topic])
    expect(await ensureTopics(kafka, [{ topic, numPartitions: 3 }])).toEqual([])
    const admin = kafka.admin()
    await admin.connect()
    const meta = await admin.fetchTopicMetadata({ topics: [topic] })
    await admin.disconnect()
    expect(meta.topics[0]?.partitions).toHaveLength(3)
  })

  it('creates topics with the asked min.insync.replicas, and names the broker count when RF is too high', async () => {
    const topic = uniqueName('isr')
    await ensureTopics(kafka, [
      {
        topic,
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{ name: 'min.insync.replicas', value: '1' }],
      },
    ])
    const admin = kafka.admin()
    await admin.connect()
    try {
      const described = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
        includeSynonyms: false,
      })
      const entry = described.resources[0]?.configEntries.find(
        (e) => e.configName === 'min.insync.replicas',
      )
      expect([entry?.configValue, entry?.isDefault]).toEqual(['1', false])
    } finally {
      await admin.disconnect()
    }
    // The suite's broker is a single node: three replicas cannot be placed.
    const tooMany = uniqueName('rf3')
    await expect(
      ensureTopics(kafka, [{ topic: tooMany, numPartitions: 1, replicationFactor: 3 }]),
    ).rejects.toThrow(
      `Cannot create ${tooMany} with replication factor 3: the cluster has 1 live broker.`,
    )
  }, 60_000)

  it('delivers every produced message to a consumer group, keyed messages in order', async () => {
    const topic = uniqueName('roundtrip')
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }])
    const sent = Array.from({ length: 300 }, (_, i) => ({
      key: `customer-${i % 7}`,
      value: `m-${i}`,
    }))
    await producer.connect()
    await producer.send({ topic, acks: -1, messages: sent })

    const received: { key: string; value: string; partition: number }[] = []
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({ key: String(message.key), value: String(message.value), partition })
      },
    })
    await waitFor('all messages', async () => (received.length >= sent.length ? true : undefined))

    // A ledger, not a count: exactly the sent set arrived.
    expect(received.map((r) => r.value).sort()).toEqual(sent.map((s) => s.value).sort())
    // One key always maps to one partition, and within it keeps the production order.
    for (let k = 0; k < 7; k++) {
      const forKey = received.filter((r) => r.key === `customer-${k}`)
      expect(new Set(forKey.map((r) => r.partition)).size).toBe(1)
      const order = forKey.map((r) => Number(r.value.slice(2)))
      expect(order).toEqual([...order].sort((a, b) => a - b))
    }
  })
})
