import { z } from 'zod'
import {
  eventJsonSchema,
  ingestErrorSchema,
  ingestResponseSchema,
  SCHEMA_VERSION,
} from '@cxpulse/contracts'

function component(schema: Record<string, unknown>) {
  const { $schema: _s, $id: _i, ...rest } = schema
  return rest
}

/** The ingest API as OpenAPI 3.1, built from the same zod schemas ingest validates with. */
export function buildOpenApi(limits: { maxEvents: number; maxBodyBytes: number }) {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
  const error = (description: string, headers?: Record<string, unknown>) => ({
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: ref('IngestError') } },
  })
  const retryAfter = {
    'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } },
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'cxpulse ingest API',
      version: `${SCHEMA_VERSION}`,
      description:
        'Accepts customer-experience events. 202 is answered only after Kafka acknowledged every accepted event (acks from all in-sync replicas). Retry 429/503 and network errors with the same event_id: duplicates are removed downstream.',
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'cxpulse API key (cxp_…); it decides the tenant',
        },
      },
      schemas: {
        Event: component(eventJsonSchema()),
        EventBatch: {
          type: 'object',
          properties: {
            events: { type: 'array', items: ref('Event'), minItems: 1, maxItems: limits.maxEvents },
          },
          required: ['events'],
          additionalProperties: false,
        },
        IngestResponse: component(z.toJSONSchema(ingestResponseSchema)),
        IngestError: component(z.toJSONSchema(ingestErrorSchema)),
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/events': {
        post: {
          operationId: 'ingestEvents',
          summary: 'Send one event, a batch, or NDJSON',
          description: `At most ${limits.maxEvents} events and ${limits.maxBodyBytes} bytes per request. Valid events are accepted even when others in the batch are rejected; each rejection names the field and the rule.`,
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { oneOf: [ref('Event'), ref('EventBatch')] } },
              'application/x-ndjson': {
                schema: { type: 'string', description: 'one Event per line (JSON Lines)' },
              },
            },
          },
          responses: {
            '202': {
              description: 'accepted events are in Kafka; rejected ones are listed',
              content: { 'application/json': { schema: ref('IngestResponse') } },
            },
            '400': {
              description:
                'the body is not parseable (IngestError), or every event was rejected (IngestResponse)',
              content: {
                'application/json': {
                  schema: { oneOf: [ref('IngestError'), ref('IngestResponse')] },
                },
              },
            },
            '401': error('missing, malformed or unknown API key'),
            '403': error('the API key may not ingest'),
            '413': error('body larger than the byte limit, or more events than the count limit'),
            '415': error('unsupported Content-Type or Content-Encoding'),
            '429': error("the tenant's rate limit is exceeded", retryAfter),
            '503': error('the producer cannot keep up or Kafka is unreachable', retryAfter),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'healthz',
          security: [],
          responses: { '200': { description: 'alive' } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readyz',
          security: [],
          responses: {
            '200': { description: 'Kafka reachable' },
            '503': { description: 'not ready' },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          security: [],
          responses: { '200': { description: 'Prometheus text format' } },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          security: [],
          responses: { '200': { description: 'this document' } },
        },
      },
    },
  }
}
