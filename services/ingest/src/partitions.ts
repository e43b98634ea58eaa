import type { Admin } from 'kafkajs'
import type { Logger } from '@cxpulse/logger'

/**
 * kafkajs' producer refreshes its own metadata at most this old (its `metadataMaxAge` default),
 * which is when its DefaultPartitioner would see new partitions; ingest refreshes on the same
 * cadence so it maps keys as kafkajs would.
 */
const PARTITIONS_REFRESH_MS = 5 * 60_000

/**
 * Partition counts of the topics ingest writes, read from the broker's metadata: ingest sets
 * each record's partition itself (murmur2 of the key, mod this count, as kafkajs would), so
 * the count must be the topic's real one, never assumed from TOPIC_PARTITIONS (a topic may have
 * been created by an operator or grown since).
 *
 * Read once before ingest listens (a missing topic fails start-up), then refreshed every
 * PARTITIONS_REFRESH_MS; a failed refresh keeps the last counts. Kafka only ever adds
 * partitions, so a stale count still names an existing partition. Adding partitions moves keys
 * either way (kafkajs' own partitioner would too); until the refresh, ingest keeps writing keys
 * where they were.
 */
export class TopicPartitions {
  private readonly counts = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly admin: Admin,
    private readonly topics: readonly string[],
    private readonly log: Logger,
  ) {}

  async load(): Promise<void> {
    const meta = await this.admin
      .fetchTopicMetadata({ topics: [...this.topics] })
      .catch((error: unknown) => {
        throw new Error(
          `cannot read the partitions of ${this.topics.join(', ')} (${(error as Error).message}): ` +
            'create the topics (INGEST_CREATE_TOPICS=true does) before starting ingest',
        )
      })
    for (const t of meta.topics) {
      if (t.partitions.length === 0) throw new Error(`topic ${t.name} has no partitions`)
      const before = this.counts.get(t.name)
      if (before !== undefined && before !== t.partitions.length) {
        this.log.warn(
          { topic: t.name, before, after: t.partitions.length },
          'partition count changed; keys map to new partitions from now on',
        )
      }
      this.counts.set(t.name, t.partitions.length)
    }
    for (const topic of this.topics) {
      if (!this.counts.has(topic)) throw new Error(`no metadata for topic ${topic}`)
    }
  }

  /** The topic's partition count; throws for a topic that was not loaded (a bug). */
  count(topic: string): number {
    const n = this.counts.get(topic)
    if (n === undefined) throw new Error(`partition count of ${topic} unknown`)
    return n
  }

  startRefresh(everyMs: number = PARTITIONS_REFRESH_MS): void {
    this.timer ??= setInterval(() => {
      this.load().catch((error: unknown) =>
        this.log.warn({ err: (error as Error).message }, 'partition refresh failed; kept counts'),
      )
    }, everyMs).unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }
}
