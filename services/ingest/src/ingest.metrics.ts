import { createServiceRegistry } from '@cxpulse/http'
import { Counter, Gauge, Histogram } from 'prom-client'

/** One registry per ingest instance, so several instances (tests, one-process mode) never clash. */
export function createIngestMetrics() {
  const registry = createServiceRegistry('ingest')
  return {
    registry,
    requests: new Counter({
      name: 'cxpulse_ingest_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'cxpulse_ingest_events_accepted_total',
      help: 'Events written to Kafka and acknowledged by the broker, by event type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'cxpulse_ingest_events_rejected_total',
      help: 'Events rejected, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    produceSeconds: new Histogram({
      name: 'cxpulse_ingest_produce_duration_seconds',
      help: 'Time from handing a batch to the producer until the broker acknowledged it',
      labelNames: ['outcome'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    inflightBytes: new Gauge({
      name: 'cxpulse_ingest_inflight_bytes',
      help: 'Bytes handed to the producer and not yet acknowledged',
      registers: [registry],
    }),
    inflightRequests: new Gauge({
      name: 'cxpulse_ingest_inflight_batches',
      help: 'Batches handed to the producer and not yet acknowledged',
      registers: [registry],
    }),
  }
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>
