export { ConfigError, parseEnv, envBoolean, envList, retiredEnv } from './env.ts'
export {
  kafkaEnv,
  kafkaTopicReplication,
  topicReplicationFromEnv,
  clickhouseEnv,
  clickhouseConfigFromEnv,
  envInt,
  envTopicPrefix,
  logEnv,
  processorGroupEnv,
  eventTimeEnv,
  eventTimePolicyFromEnv,
} from './fragments.ts'
export type {
  KafkaEnv,
  ClickHouseEnv,
  LogEnv,
  EventTimeEnv,
  TopicReplication,
} from './fragments.ts'
