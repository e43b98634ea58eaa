export {
  startLocalKafka,
  stopLocalKafka,
  localKafkaStatus,
  ensureKafkaJars,
  LocalKafkaError,
  KAFKA_VERSION,
} from './broker.ts'
export type { LocalKafka, LocalKafkaOptions, BrokerState } from './broker.ts'
export {
  startLocalKafkaCluster,
  stopLocalKafkaCluster,
  localKafkaClusterStatus,
} from './cluster.ts'
export type {
  LocalKafkaCluster,
  LocalKafkaClusterNode,
  LocalKafkaClusterOptions,
  ClusterNodeState,
  ClusterState,
} from './cluster.ts'
