import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError, envBoolean, parseEnv } from './env.ts'
import { clickhouseEnv, kafkaEnv } from './fragments.ts'

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
