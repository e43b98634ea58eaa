import { z } from 'zod'
import { cxEventSchema, enrichedEventSchema } from './event.schema.ts'
import { deadLetterSchema } from './dead-letter.schema.ts'
import { SCHEMA_VERSION } from './envelope.schema.ts'

const CROSS_FIELD_RULES =
  'Cross-field rules JSON Schema cannot express, enforced by parseEvent: score inside its scale ' +
  '(scale_min..scale_max, defaults CSAT 1–5, NPS 0–10, CES 1–7; allowed CSAT/CES scales 1–5, 1–7, ' +
  '1–10, NPS only 0–10); positive_min inside the scale; exactly one of amount and amount_minor; ' +
  'occurred_at at most 5 minutes in the future; ids without control characters.'

/** JSON Schema (draft 2020-12) of what senders write: defaults optional, input shapes. */
export function eventJsonSchema() {
  return {
    ...z.toJSONSchema(cxEventSchema, { io: 'input', unrepresentable: 'any' }),
    $id: `https://cxpulse.dev/schema/cx-event.v${SCHEMA_VERSION}.json`,
    title: `cxpulse event v${SCHEMA_VERSION}`,
    description: CROSS_FIELD_RULES,
  }
}

/** JSON Schema of events on the Kafka topics (what the processor and other consumers read). */
export function enrichedEventJsonSchema() {
  return {
    ...z.toJSONSchema(enrichedEventSchema, { io: 'output', unrepresentable: 'any' }),
    $id: `https://cxpulse.dev/schema/enriched-event.v${SCHEMA_VERSION}.json`,
    title: `cxpulse enriched event v${SCHEMA_VERSION}`,
    description: CROSS_FIELD_RULES,
  }
}

export function deadLetterJsonSchema() {
  return {
    ...z.toJSONSchema(deadLetterSchema, { io: 'output' }),
    $id: `https://cxpulse.dev/schema/dead-letter.v${SCHEMA_VERSION}.json`,
    title: `cxpulse dead-letter record v${SCHEMA_VERSION}`,
  }
}

/** File name → content of every committed schema file under packages/contracts/schema/. */
export function schemaFiles(): Record<string, string> {
  const render = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`
  return {
    [`cx-event.v${SCHEMA_VERSION}.schema.json`]: render(eventJsonSchema()),
    [`enriched-event.v${SCHEMA_VERSION}.schema.json`]: render(enrichedEventJsonSchema()),
    [`dead-letter.v${SCHEMA_VERSION}.schema.json`]: render(deadLetterJsonSchema()),
  }
}
