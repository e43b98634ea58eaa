import { createServiceRegistry } from '@cxpulse/http'
import { Counter } from 'prom-client'

/** The alerter's Prometheus metrics, one registry per instance (tests run several). */
export function createAlerterMetrics() {
  const registry = createServiceRegistry('alerter')
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `cxpulse_alerter_${name}`, help, labelNames, registers: [registry] })
  return {
    registry,
    evaluations: counter(
      'evaluations_total',
      'Scheduled evaluations of every rule, by outcome (ok, failed)',
      ['outcome'],
    ),
    transitions: counter(
      'transitions_total',
      'Alert transitions this instance recorded and delivered, by state (firing, resolved)',
      ['state'],
    ),
    skipped: counter(
      'rules_skipped_total',
      'Rules not evaluated (stored rule invalid, CES responses on several scales)',
    ),
  }
}
