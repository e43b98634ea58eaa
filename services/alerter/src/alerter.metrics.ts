import { createServiceRegistry } from '@cxpulse/http'
import { Counter } from 'prom-client'

/** The alerter's Prometheus metrics, one registry per instance (tests run several). */
export function createAlerterMetrics() {
  const registry = createServiceRegistry('alerter')
  return {
    registry,
    evaluations: new Counter({
      name: 'cxpulse_alerter_evaluations_total',
      help: 'Scheduled evaluations of every rule, by outcome (ok, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'cxpulse_alerter_transitions_total',
      help: 'Alert transitions this instance recorded and delivered, by state (firing, resolved)',
      labelNames: ['state'],
      registers: [registry],
    }),
    skipped: new Counter({
      name: 'cxpulse_alerter_rules_skipped_total',
      help: 'Rules not evaluated (stored rule invalid, CES responses on several scales)',
      registers: [registry],
    }),
  }
}
