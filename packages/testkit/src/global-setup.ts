import { request } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startLocalKafka } from '@cxpulse/local-kafka'
import type { TestEnvironment } from '@cxpulse/test-env'

/** True when a Docker engine answers on its socket (never on this project's own machines). */
async function dockerAnswers(): Promise<boolean> {
  const socketPath = process.env['DOCKER_HOST']?.startsWith('unix://')
    ? process.env['DOCKER_HOST'].slice('unix://'.length)
    : '/var/run/docker.sock'
  if (process.env['DOCKER_HOST']?.startsWith('tcp://')) return true
  if (!existsSync(socketPath)) return false
  return new Promise((ok) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume()
      ok(res.statusCode === 200)
    })
    req.on('error', () => ok(false))
    req.on('timeout', () => {
      req.destroy()
      ok(false)
    })
    req.end()
  })
}

/**
 * Provides Kafka and ClickHouse to integration tests, choosing in order: explicit
 * KAFKA_BROKERS / CLICKHOUSE_URL, a Docker engine through testcontainers, then the local
 * Apache Kafka broker and the embedded ClickHouse engine.
 */
export default async function setup(project: TestProject) {
  const cleanups: (() => Promise<void>)[] = []
  const log = (m: string) => console.error(`[test env] ${m}`)
  const docker =
    !process.env['KAFKA_BROKERS'] || !process.env['CLICKHOUSE_URL'] ? await dockerAnswers() : false

  let kafka: TestEnvironment['kafka']
  if (process.env['KAFKA_BROKERS']) {
    kafka = { brokers: process.env['KAFKA_BROKERS'].split(','), source: 'env' }
  } else if (docker) {
    const { KafkaContainer } = await import('@testcontainers/kafka')
    const container = await new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start()
    cleanups.push(async () => void (await container.stop()))
    kafka = {
      brokers: [`${container.getHost()}:${container.getMappedPort(9093)}`],
      source: 'testcontainers',
    }
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), 'cxpulse-test-kafka-'))
    const broker = await startLocalKafka({ dataDir, fresh: true, onProgress: log })
    cleanups.push(async () => {
      await broker.stop()
      await rm(dataDir, { recursive: true, force: true })
    })
    kafka = { brokers: [broker.brokers], source: 'local' }
  }

  let clickhouse: TestEnvironment['clickhouse']
  if (process.env['CLICKHOUSE_URL']) {
    clickhouse = {
      source: 'env',
      url: process.env['CLICKHOUSE_URL'],
      ...(process.env['CLICKHOUSE_USER'] ? { username: process.env['CLICKHOUSE_USER'] } : {}),
      ...(process.env['CLICKHOUSE_PASSWORD']
        ? { password: process.env['CLICKHOUSE_PASSWORD'] }
        : {}),
    }
  } else if (docker) {
    const { ClickHouseContainer } = await import('@testcontainers/clickhouse')
    const container = await new ClickHouseContainer('clickhouse/clickhouse-server:25.8').start()
    cleanups.push(async () => void (await container.stop()))
    clickhouse = {
      source: 'testcontainers',
      url: container.getHttpUrl(),
      username: container.getUsername(),
      password: container.getPassword(),
    }
  } else {
    const dataRoot = await mkdtemp(join(tmpdir(), 'cxpulse-test-ch-'))
    cleanups.push(() => rm(dataRoot, { recursive: true, force: true }))
    clickhouse = { source: 'embedded', dataRoot }
  }

  log(`kafka: ${kafka.source} ${kafka.brokers.join(',')}; clickhouse: ${clickhouse.source}`)
  project.provide('cxpulse', { kafka, clickhouse })
  return async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
}
