export { ConfigError, parseEnv, envBoolean, envList, retiredEnv } from './env.ts'
export {
  kafkaEnv,
  clickhouseEnv,
  logEnv,
  eventTimeEnv,
  eventTimePolicyFromEnv,
} from './fragments.ts'
export type { KafkaEnv, ClickHouseEnv, LogEnv, EventTimeEnv } from './fragments.ts'
