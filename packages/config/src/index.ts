export { ConfigError, parseEnv, envBoolean, envList, retiredEnv } from './env.ts'
export {
  kafkaEnv,
  kafkaTopicReplication,
  clickhouseEnv,
  logEnv,
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
