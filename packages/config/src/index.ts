export { ConfigError, parseEnv, envBoolean, envList } from './env.ts'
export { kafkaEnv, clickhouseEnv, logEnv } from './fragments.ts'
export type { KafkaEnv, ClickHouseEnv, LogEnv } from './fragments.ts'
