import { describe, expect, it } from 'vitest'
import { loadProcessorConfig } from './config.ts'

describe('processor configuration: the engine gateway', () => {
  const base = { KAFKA_BROKERS: 'k:9092' }

  it('is off unless a port is set, and then carries host, user and password', () => {
    expect(loadProcessorConfig(base).engineGateway).toBeUndefined()
    const config = loadProcessorConfig({
      ...base,
      CLICKHOUSE_GATEWAY_PORT: '8124',
      CLICKHOUSE_GATEWAY_PASSWORD: 'a-password-of-16+chars',
    })
    expect(config.engineGateway).toEqual({
      host: '127.0.0.1',
      port: 8124,
      username: 'cxpulse',
      password: 'a-password-of-16+chars',
    })
  })

  it('needs a password of 16+ characters, and refuses to share a ClickHouse server', () => {
    expect(() => loadProcessorConfig({ ...base, CLICKHOUSE_GATEWAY_PORT: '8124' })).toThrow(
      /CLICKHOUSE_GATEWAY_PASSWORD: required with CLICKHOUSE_GATEWAY_PORT/,
    )
    expect(() =>
      loadProcessorConfig({
        ...base,
        CLICKHOUSE_GATEWAY_PORT: '8124',
        CLICKHOUSE_GATEWAY_PASSWORD: 'short',
      }),
    ).toThrow(/CLICKHOUSE_GATEWAY_PASSWORD: expected at least 16 characters/)
    expect(() =>
      loadProcessorConfig({
        ...base,
        CLICKHOUSE_URL: 'http://ch:8123',
        CLICKHOUSE_GATEWAY_PORT: '8124',
        CLICKHOUSE_GATEWAY_PASSWORD: 'a-password-of-16+chars',
      }),
    ).toThrow(/CLICKHOUSE_GATEWAY_PORT: only an embedded engine is shared/)
  })
})
