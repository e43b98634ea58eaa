export { createKafka, kafkaLogCreator, ensureTopics } from './kafka.ts'
export type { KafkaConfig, TopicSpec } from './kafka.ts'
