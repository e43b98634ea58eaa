import { z } from 'zod'
import { alertRuleInput } from '@cxpulse/alerting'
import { DIMENSIONS } from '@cxpulse/clickhouse'
import { METRICS } from '@cxpulse/metrics'
import type { QueryLimits } from './config.ts'
import { SUPPORTED_METRICS } from './metric.compute.ts'
import { metricQuerySchema } from './query.params.ts'

const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'machine-readable code' },
    message: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
}

const resultProperties = {
  value: { type: ['number', 'null'], description: 'null (never 0) when the window holds no data' },
  n: { type: 'integer', description: 'responses, tickets or customers behind the value' },
  ci95: { type: ['array', 'null'], items: { type: 'number' }, minItems: 2, maxItems: 2 },
  components: { type: ['object', 'null'] },
}

/** What the metric-specific parameters do (dimension filters are described generically). */
const PARAMETER_NOTES: Record<string, string> = {
  orientation: 'ces, ces_pct: agreement (default) or effort',
  scale: 'ces: the survey scale MIN-MAX, required when the window has several',
  currency: 'clv, historical_clv: ISO 4217 code, required when purchases are in several currencies',
  lifespan_years: 'clv: customer lifespan in years instead of 1 / annual churn',
  customer_id: 'historical_clv (required there, refused elsewhere): the customer valued',
  target_minutes:
    'sla_attainment (refused elsewhere): first-response target in minutes, default 10 (SPEC)',
  to: 'end of the half-open window [from, to); open_backlog is measured at this instant',
  group_by:
    'a breakdown by one dimension; for ticket metrics agent/team is the agent who did what the metric measures (reply_time: the replying agent); churn_rate, crr, referral_rate: channel, product, region or segment of the customer at the window start',
  interval:
    'a series; churn_rate, crr and referral_rate take day, week or month and return every bucket, each counted as its own window (S = active at the bucket start)',
}

/** The query API's OpenAPI 3.1 document, built from the same zod schema that parses requests. */
export function buildOpenApi(limits: QueryLimits) {
  const params = z.toJSONSchema(metricQuerySchema, { io: 'input' }) as {
    properties: Record<string, object>
    required?: string[]
  }
  const parameters = Object.entries(params.properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: (params.required ?? []).includes(name),
    schema,
    ...(DIMENSIONS.includes(name as (typeof DIMENSIONS)[number])
      ? { description: `filter: only events whose ${name} equals this` }
      : name in PARAMETER_NOTES
        ? { description: PARAMETER_NOTES[name] }
        : {}),
  }))
  return {
    openapi: '3.1.0',
    info: {
      title: 'cxpulse query API',
      version: '1',
      description:
        `Time-windowed CX metrics over half-open windows [from, to), computed as SPEC-metrics.md defines them. ` +
        `The API key decides the tenant. Windows up to ${limits.maxWindowDays} days, series up to ` +
        `${limits.maxSeriesPoints} points, breakdowns up to ${limits.maxGroups} groups (largest n first). ` +
        `Values are rounded to 4 decimals.`,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorSchema },
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/metrics': {
        get: {
          summary: 'List the metrics this API serves',
          responses: { '200': { description: 'metric definitions' } },
        },
      },
      '/v1/metrics/{metric}': {
        get: {
          summary: 'One metric over a window, optionally as a series or a breakdown',
          parameters: [
            {
              name: 'metric',
              in: 'path',
              required: true,
              schema: { type: 'string', enum: SUPPORTED_METRICS },
            },
            ...parameters,
          ],
          responses: {
            '200': {
              description: SUPPORTED_METRICS.map((id) => `${id}: ${METRICS[id].description}`).join(
                '\n',
              ),
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['metric', 'from', 'to', 'value', 'n'],
                    properties: {
                      metric: { type: 'string' },
                      from: { type: 'string', format: 'date-time' },
                      to: { type: 'string', format: 'date-time' },
                      tz: { type: 'string' },
                      ...resultProperties,
                      series: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            at: { type: 'string', format: 'date-time' },
                            ...resultProperties,
                          },
                        },
                      },
                      groups: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: { key: { type: 'string' }, ...resultProperties },
                        },
                      },
                      previous: {
                        type: 'object',
                        properties: {
                          from: { type: 'string' },
                          to: { type: 'string' },
                          ...resultProperties,
                        },
                      },
                      delta: { type: ['number', 'null'] },
                    },
                  },
                },
              },
            },
            '400': {
              description: 'a parameter is invalid (named in errors[].path)',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
            '401': { description: 'missing or invalid API key' },
            '403': { description: 'the key may not query' },
            '404': { description: 'unknown metric' },
            '422': {
              description:
                'the data needs a choice the query did not make (CES scale, CLV or historical CLV currency)',
            },
          },
        },
      },
      ...alertPaths(),
    },
  }
}

/** /v1/alert-rules (CRUD, bodies validated by the alerting package's schema) and /v1/alerts. */
function alertPaths() {
  const rule = z.toJSONSchema(alertRuleInput, { io: 'input', unrepresentable: 'any' })
  const json = (schema: unknown) => ({ 'application/json': { schema } })
  const error = (description: string) => ({
    description,
    content: json({ $ref: '#/components/schemas/Error' }),
  })
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }
  return {
    '/v1/alert-rules': {
      get: {
        summary: 'The tenant’s alert rules',
        responses: { '200': { description: '{rules: [...]}' } },
      },
      post: {
        summary: 'Create an alert rule (unset fields take their defaults)',
        requestBody: { required: true, content: json(rule) },
        responses: {
          '201': { description: 'the stored rule with rule_id and updated_at' },
          '400': error('invalid rule; errors[].path names each bad field'),
          '409': error('the tenant has the most rules allowed'),
          '413': error('body too large'),
          '415': error('not application/json'),
        },
      },
    },
    '/v1/alert-rules/{id}': {
      parameters: [id],
      get: {
        summary: 'One rule',
        responses: {
          '200': { description: 'the rule' },
          '404': error('no such rule for this tenant'),
        },
      },
      put: {
        summary: 'Replace a rule',
        requestBody: { required: true, content: json(rule) },
        responses: {
          '200': { description: 'the stored rule' },
          '400': error('invalid rule'),
          '404': error('no such rule for this tenant'),
        },
      },
      delete: {
        summary: 'Delete a rule',
        responses: {
          '204': { description: 'deleted' },
          '404': error('no such rule for this tenant'),
        },
      },
    },
    '/v1/alerts': {
      get: {
        summary: 'The tenant’s incidents, newest first',
        parameters: [
          {
            name: 'state',
            in: 'query',
            schema: { type: 'string', enum: ['firing', 'resolved', 'all'], default: 'all' },
          },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          },
        ],
        responses: {
          '200': {
            description:
              '{alerts: [{alert_id, rule_id, rule_name, metric, dimension, dimension_value, state, fired_at, resolved_at, current: {value, n, ci95, from, to}, baseline: {…}, drop, p_value}]}',
          },
          '400': error('invalid parameter'),
        },
      },
    },
    '/v1/status': {
      get: {
        summary: 'How fresh the numbers are: newest counted event, processor backlog',
        responses: {
          '200': {
            description:
              '{checked_at, newest_event_at (the tenant’s newest counted event, null when none), processor: {waiting, waiting_by_domain, catching_up} | null, processor_error?}. `waiting` counts Kafka records (each one ingest request’s events for one partition), over every tenant.',
          },
        },
      },
    },
  }
}
