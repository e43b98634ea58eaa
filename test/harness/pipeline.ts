import { createKeyStore, type ApiKeyEntry } from '@cxpulse/auth'
import { startPipeline, type Pipeline, type PipelineOptions } from '@cxpulse/cli/pipeline'
import { runMigrations } from '@cxpulse/clickhouse'
import { testClickHouse, testEnvironment, testLogger, uniqueName } from '@cxpulse/testkit'

export interface TestPipeline {
  pipeline: Pipeline
  ch: Awaited<ReturnType<typeof testClickHouse>>
  topicPrefix: string
  groupId: string
  /** Stops the pipeline, then drops its database. */
  stop(): Promise<void>
}

/**
 * The all-in-one pipeline on a fresh, migrated ClickHouse database and the suite's broker,
 * with topics and consumer group named after `name` and ingest's rate limit out of the way.
 * Everything else in `options` overrides those defaults.
 */
export async function startTestPipeline(
  name: string,
  keys: readonly ApiKeyEntry[],
  options: Partial<Omit<PipelineOptions, 'clickhouse' | 'keys'>> = {},
): Promise<TestPipeline> {
  const ch = await testClickHouse()
  await runMigrations(ch)
  const settings = {
    brokers: testEnvironment().kafka.brokers,
    logger: testLogger,
    topicPrefix: uniqueName(name),
    groupId: uniqueName(`${name}-group`),
    ingestRatePerSec: 1_000_000,
    ...options,
  }
  const pipeline = await startPipeline({ ...settings, clickhouse: ch, keys: createKeyStore(keys) })
  return {
    pipeline,
    ch,
    topicPrefix: settings.topicPrefix,
    groupId: settings.groupId,
    stop: async () => {
      await pipeline.stop()
      await ch.drop()
    },
  }
}
