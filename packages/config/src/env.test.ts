import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError, envBoolean, parseEnv } from './env.ts'
import { clickhouseEnv, kafkaEnv, kafkaTopicReplication } from './fragments.ts'

describe('parseEnv', () => {
  const schema = z.object({
    PORT: z.coerce.number().int().min(1).max(65535),
    DEBUG: envBoolean(false),
    NAME: z.string().min(1),
  })

  it('returns typed values', () => {
    expect(parseEnv(schema, { PORT: '8080', NAME: 'x' })).toEqual({
      PORT: 8080,
      DEBUG: false,
      NAME: 'x',
    })
  })

  it('names every bad variable in one error', () => {
    let error: unknown
    try {
      parseEnv(schema, { PORT: '99999', DEBUG: 'maybe' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.map((p) => p.variable).sort()
    expect(problems).toEqual(['DEBUG', 'NAME', 'PORT'])
    expect((error as Error).message).toContain('PORT:')
    expect((error as Error).message).toContain('3 problems')
  })

  it('parses broker lists and rejects malformed entries', () => {
    expect(parseEnv(kafkaEnv, { KAFKA_BROKERS: 'a:9092, b:9093' }).KAFKA_BROKERS).toEqual([
      'a:9092',
      'b:9093',
    ])
    expect(() => parseEnv(kafkaEnv, { KAFKA_BROKERS: 'nohost' })).toThrow(/KAFKA_BROKERS/)
  })

  it('refuses a database name that is not a plain identifier', () => {
    expect(() => parseEnv(clickhouseEnv, { CLICKHOUSE_DATABASE: 'x; DROP TABLE y' })).toThrow(
      /CLICKHOUSE_DATABASE/,
    )
  })
})

describe('empty variables', () => {
  it('treats VAR= as unset, so defaults and optional fallbacks apply', () => {
    expect(parseEnv(kafkaEnv, { KAFKA_BROKERS: '' }).KAFKA_BROKERS).toBeUndefined()
    expect(() => parseEnv(kafkaEnv, { KAFKA_BROKERS: ',' })).toThrow(/KAFKA_BROKERS/)
  })
})

describe('topic replication', () => {
  const replication = (env: Record<string, string>, localBroker = false) =>
    kafkaTopicReplication(parseEnv(kafkaEnv, env), { localBroker })

  it('defaults to 3 replicas, 2 in sync, for a cluster and 1/1 for the local broker', () => {
    expect(replication({ KAFKA_BROKERS: 'a:1' })).toEqual({
      replicationFactor: 3,
      minInsyncReplicas: 2,
    })
    expect(replication({}, true)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 })
  })

  it('takes the variables, deriving an unset min.insync.replicas from the replication factor', () => {
    expect(replication({ KAFKA_REPLICATION_FACTOR: '2' })).toEqual({
      replicationFactor: 2,
      minInsyncReplicas: 1,
    })
    expect(replication({ KAFKA_REPLICATION_FACTOR: '5', KAFKA_MIN_INSYNC_REPLICAS: '3' })).toEqual({
      replicationFactor: 5,
      minInsyncReplicas: 3,
    })
    // Explicit values win over the local broker's defaults (and fail there when too high).
    expect(replication({ KAFKA_REPLICATION_FACTOR: '3' }, true)).toEqual({
      replicationFactor: 3,
      minInsyncReplicas: 2,
    })
  })

  it('names the variable when the values cannot work', () => {
    expect(() => replication({ KAFKA_REPLICATION_FACTOR: '0' })).toThrow(/KAFKA_REPLICATION_FACTOR/)
    expect(() => replication({ KAFKA_MIN_INSYNC_REPLICAS: 'two' })).toThrow(
      /KAFKA_MIN_INSYNC_REPLICAS/,
    )
    let error: unknown
    try {
      replication({ KAFKA_REPLICATION_FACTOR: '2', KAFKA_MIN_INSYNC_REPLICAS: '3' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems).toEqual([
      {
        variable: 'KAFKA_MIN_INSYNC_REPLICAS',
        message: '3 is more than the replication factor 2: no write could ever be acknowledged',
      },
    ])
  })
})
