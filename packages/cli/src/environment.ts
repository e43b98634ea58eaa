import { join, resolve } from 'node:path'
import { createClickHouse, runMigrations, type ClickHouse } from '@cxpulse/clickhouse'
import {
  clickhouseEnv,
  kafkaEnv,
  kafkaTopicReplication,
  logEnv,
  parseEnv,
  type TopicReplication,
} from '@cxpulse/config'
import { startLocalKafka, stopLocalKafka, type LocalKafka } from '@cxpulse/local-kafka'

export const runtimeEnv = kafkaEnv.extend(clickhouseEnv.shape).extend(logEnv.shape)

export interface Infrastructure {
  brokers: string[]
  kafkaSource: 'KAFKA_BROKERS' | 'local broker'
  /** 1/1 on the local broker, else KAFKA_REPLICATION_FACTOR / KAFKA_MIN_INSYNC_REPLICAS or 3/2. */
  topicReplication: TopicReplication
  clickhouse: ClickHouse
  localKafka?: LocalKafka
  stop(): Promise<void>
}

/**
 * Kafka and ClickHouse for a local run: the ones named by KAFKA_BROKERS / CLICKHOUSE_URL, or
 * else a local broker and the embedded engine, both keeping their data under `dataDir`.
 */
export async function startInfrastructure(options: {
  dataDir: string
  env?: Record<string, string | undefined>
  progress: (message: string) => void
}): Promise<Infrastructure> {
  const env = parseEnv(runtimeEnv, options.env)
  const topicReplication = kafkaTopicReplication(env, { localBroker: !env.KAFKA_BROKERS })
  const dataDir = resolve(options.dataDir)
  let localKafka: LocalKafka | undefined
  let brokers = env.KAFKA_BROKERS
  if (!brokers) {
    // A previous run killed without its Ctrl-C (crash, SIGKILL) leaves its detached broker
    // running on this data dir; stop it so this run starts a broker it owns.
    if (await stopLocalKafka(join(dataDir, 'kafka'))) {
      options.progress('stopped the Kafka broker a previous run left running')
    }
    localKafka = await startLocalKafka({
      dataDir: join(dataDir, 'kafka'),
      onProgress: options.progress,
    })
    brokers = [localKafka.brokers]
  }
  const clickhouse = createClickHouse({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
    dataDir: env.CLICKHOUSE_URL ? '' : join(dataDir, 'clickhouse'),
  })
  options.progress(
    clickhouse.mode === 'embedded'
      ? `ClickHouse: embedded engine, data in ${join(dataDir, 'clickhouse')}`
      : `ClickHouse: server ${env.CLICKHOUSE_URL}`,
  )
  const migrations = await runMigrations(clickhouse, {
    onApplied: (name) => options.progress(`applied migration ${name}`),
  })
  options.progress(
    `migrations: ${migrations.applied.length} applied, ${migrations.alreadyApplied.length} already in place`,
  )
  return {
    brokers,
    kafkaSource: localKafka ? 'local broker' : 'KAFKA_BROKERS',
    topicReplication,
    clickhouse,
    ...(localKafka ? { localKafka } : {}),
    stop: async () => {
      await clickhouse.close()
      await localKafka?.stop()
    },
  }
}
