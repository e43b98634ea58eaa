export {
  startLocalKafka,
  stopLocalKafka,
  localKafkaStatus,
  ensureKafkaJars,
  LocalKafkaError,
  KAFKA_VERSION,
} from './broker.ts'
export type { LocalKafka, LocalKafkaOptions, BrokerState } from './broker.ts'
