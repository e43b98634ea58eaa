export { createKafka, createIdempotentProducer, kafkaLogCreator, ensureTopics } from './kafka.ts'
export type { KafkaConfig, TopicSpec } from './kafka.ts'
export { murmur2, partitionForKey } from './partition.ts'
