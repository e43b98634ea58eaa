import { describe, expect, it } from 'vitest'
import { ConfigError } from '@cxpulse/config'
import { loadIngestConfig } from './config.ts'

describe('ingest config', () => {
  it('parses the environment with defaults', () => {
    const c = loadIngestConfig({
      KAFKA_BROKERS: 'k:9092',
      INGEST_API_KEYS_FILE: '/etc/cxpulse/keys.json',
    })
    expect(c).toMatchObject({
      port: 8080,
      topicPrefix: 'cxpulse',
      maxBodyBytes: 1048576,
      maxEvents: 1000,
      eventTime: { maxFutureMs: 300000, lateHorizonMs: null },
      apiKeys: { file: '/etc/cxpulse/keys.json' },
      kafka: { brokers: ['k:9092'], clientId: 'cxpulse-ingest' },
      // A cluster named by KAFKA_BROKERS: three replicas, two in sync for a write.
      topicReplication: { replicationFactor: 3, minInsyncReplicas: 2 },
    })
    expect(c.keyRatePerSec).toBeUndefined()
    // The processor reads the same variables: one event-time policy.
    const withHorizon = loadIngestConfig({
      KAFKA_BROKERS: 'k:9092',
      INGEST_API_KEYS_FILE: '/k.json',
      EVENT_LATE_HORIZON_DAYS: '30',
    })
    expect(withHorizon.eventTime).toEqual({ maxFutureMs: 300000, lateHorizonMs: 30 * 86_400_000 })
    expect(() =>
      loadIngestConfig({
        KAFKA_BROKERS: 'k:9092',
        INGEST_API_KEYS_FILE: '/k.json',
        INGEST_MAX_FUTURE_MS: '1000',
      }),
    ).toThrow(/INGEST_MAX_FUTURE_MS: no longer used: set EVENT_MAX_FUTURE_MS/)
  })

  it('takes the topic replication from the environment and refuses an impossible one', () => {
    const base = { KAFKA_BROKERS: 'k:9092', INGEST_API_KEYS_FILE: '/k.json' }
    expect(loadIngestConfig({ ...base, KAFKA_REPLICATION_FACTOR: '1' }).topicReplication).toEqual({
      replicationFactor: 1,
      minInsyncReplicas: 1,
    })
    expect(
      loadIngestConfig({ ...base, KAFKA_REPLICATION_FACTOR: '5', KAFKA_MIN_INSYNC_REPLICAS: '3' })
        .topicReplication,
    ).toEqual({ replicationFactor: 5, minInsyncReplicas: 3 })
    expect(() => loadIngestConfig({ ...base, KAFKA_MIN_INSYNC_REPLICAS: '4' })).toThrow(
      /KAFKA_MIN_INSYNC_REPLICAS: 4 is more than the replication factor 3/,
    )
    expect(() => loadIngestConfig({ ...base, KAFKA_REPLICATION_FACTOR: '0' })).toThrow(
      /KAFKA_REPLICATION_FACTOR/,
    )
  })

  it('sets a per-key rate limit only when asked', () => {
    const c = loadIngestConfig({
      KAFKA_BROKERS: 'k:9092',
      INGEST_API_KEYS_FILE: '/k.json',
      INGEST_KEY_RATE_PER_SEC: '50',
      INGEST_KEY_RATE_BURST: '200',
    })
    expect(c).toMatchObject({ keyRatePerSec: 50, keyRateBurst: 200 })
    expect(() =>
      loadIngestConfig({
        KAFKA_BROKERS: 'k:9092',
        INGEST_API_KEYS_FILE: '/k.json',
        INGEST_KEY_RATE_PER_SEC: '-1',
      }),
    ).toThrow(ConfigError)
  })

  it('names every bad variable at once', () => {
    let error: unknown
    try {
      loadIngestConfig({
        KAFKA_BROKERS: 'k:9092',
        INGEST_PORT: 'x',
        INGEST_MAX_EVENTS: '0',
        TOPIC_PREFIX: 'a b',
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      'INGEST_API_KEYS_FILE',
      'INGEST_MAX_EVENTS',
      'INGEST_PORT',
      'TOPIC_PREFIX',
    ])
  })
})
