import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

/**
 * kafkajs 2.2.4 remembered per *broker* which part of a send had been answered. When a send
 * spanned two leaders, one failed with NOT_LEADER and its partition moved to the other, the
 * retry skipped that partition (its new leader "had answered") and the send resolved without
 * its messages: ingest said 202 for events Kafka never got (kafkajs #1303; 116 of 24,000
 * events in the three-broker reliability case). patches/kafkajs@2.2.4.patch tracks answered
 * topic-partitions instead. This drives kafkajs' own sendMessages through that sequence.
 */
type Produce = (request: {
  topicData: { topic: string; partitions: { partition: number; messages: unknown[] }[] }[]
}) => Promise<unknown>
type SendMessages = (
  deps: Record<string, unknown>,
) => (request: {
  acks: number
  timeout: number
  topicMessages: { topic: string; messages: { key: string; value: string; partition: number }[] }[]
}) => Promise<{ topicName: string; partition: number }[]>

const require = createRequire(import.meta.url)
const sendMessages = require('kafkajs/src/producer/sendMessages.js') as SendMessages

function notLeader() {
  return Object.assign(new Error('This server is not the leader for that topic-partition'), {
    name: 'KafkaJSProtocolError',
    type: 'NOT_LEADER_FOR_PARTITION',
    retriable: true,
  })
}

describe('kafkajs send retries (patched)', () => {
  it('resends a partition whose leader moved to a broker that already answered', async () => {
    // Partition 0 on broker 1, partition 1 on broker 2; after the failure both on broker 2.
    let leaders: Record<number, number> = { 0: 1, 1: 2 }
    const received: { broker: number; partition: number; attempt: number }[] = []
    let attempt = 0
    const broker = (nodeId: number, produce: Produce) => ({ nodeId, produce })
    const answer: Produce = async ({ topicData }) => {
      for (const t of topicData) {
        for (const p of t.partitions) received.push({ broker: 2, partition: p.partition, attempt })
      }
      return {
        topics: topicData.map((t) => ({
          topicName: t.topic,
          partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0 })),
        })),
      }
    }
    const brokers: Record<string, ReturnType<typeof broker>> = {
      '1': broker(1, async ({ topicData }) => {
        for (const p of topicData[0]?.partitions ?? []) {
          received.push({ broker: 1, partition: p.partition, attempt })
        }
        throw notLeader()
      }),
      '2': broker(2, answer),
    }
    const send = sendMessages({
      logger: { debug: () => undefined, error: () => undefined, warn: () => undefined },
      partitioner: ({ message }: { message: { partition: number } }) => message.partition,
      cluster: {
        targetTopics: new Set(),
        addMultipleTargetTopics: async () => undefined,
        refreshMetadataIfNecessary: async () => undefined,
        refreshMetadata: async () => {
          leaders = { 0: 2, 1: 2 }
        },
        isConnected: () => true,
        removeBroker: () => undefined,
        findTopicPartitionMetadata: () =>
          [0, 1].map((partitionId) => ({ partitionId, leader: leaders[partitionId] })),
        findLeaderForPartitions: (_topic: string, partitions: string[]) => {
          const byLeader: Record<string, number[]> = {}
          for (const p of partitions.map(Number)) {
            const leader = String(leaders[p])
            byLeader[leader] = [...(byLeader[leader] ?? []), p]
          }
          return byLeader
        },
        findBroker: async ({ nodeId }: { nodeId: string }) => brokers[nodeId],
      },
      eosManager: {
        acquireBrokerLock: async () => undefined,
        releaseBrokerLock: async () => undefined,
        isTransactional: () => false,
        getSequence: () => 0,
        updateSequence: () => undefined,
        getProducerId: () => 1,
        getProducerEpoch: () => 0,
      },
      retrier: async (fn: (bail: (e: Error) => never, retryCount: number) => Promise<unknown>) => {
        for (; ; attempt++) {
          try {
            return await fn((e) => {
              throw e
            }, attempt)
          } catch (error) {
            if (attempt >= 3) throw error
          }
        }
      },
    })

    const result = await send({
      acks: -1,
      timeout: 1000,
      topicMessages: [
        {
          topic: 't',
          messages: [
            { key: 'a', value: 'on partition 0', partition: 0 },
            { key: 'b', value: 'on partition 1', partition: 1 },
          ],
        },
      ],
    })

    expect(received).toEqual([
      { broker: 1, partition: 0, attempt: 0 },
      { broker: 2, partition: 1, attempt: 0 },
      // The retry sends partition 0 to its new leader, and does not resend partition 1.
      { broker: 2, partition: 0, attempt: 1 },
    ])
    expect(result.map((r) => [r.topicName, r.partition]).sort()).toEqual([
      ['t', 0],
      ['t', 1],
    ])
  })
})
