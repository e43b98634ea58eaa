import { createServiceRegistry } from '@cxpulse/http'
import { Counter, Gauge, Histogram } from 'prom-client'

/** The processor's Prometheus metrics (names documented in its README). */
export function createProcessorMetrics() {
  const registry = createServiceRegistry('processor')
  return {
    registry,
    lag: new Gauge({
      name: 'cxpulse_processor_consumer_lag',
      help: 'Messages behind the partition high watermark after the last written batch',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'cxpulse_processor_batch_duration_seconds',
      help: 'Time from a batch starting to its offset being committed',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    rowsInserted: new Counter({
      name: 'cxpulse_processor_rows_inserted_total',
      help: 'Events sent to ClickHouse raw tables (a replay sends them again; ClickHouse drops them)',
      labelNames: ['table'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'cxpulse_processor_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic',
      labelNames: ['reason'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'cxpulse_processor_duplicates_skipped_total',
      help: 'Messages not counted because they were counted before',
      labelNames: ['kind'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'cxpulse_processor_retries_total',
      help: 'Failed ClickHouse/Kafka steps: retried with backoff while the partition was paused, or (offset commits) left to kafkajs to recover',
      labelNames: ['step'],
      registers: [registry],
    }),
    replays: new Counter({
      name: 'cxpulse_processor_batches_replayed_total',
      help: "Batches rebuilt from a 'before' progress record after a crash or rebalance",
      registers: [registry],
    }),
  }
}
