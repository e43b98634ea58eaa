import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderSchemaFiles, SCHEMA_DIR } from './generate-schema.ts'
import { eventJsonSchema } from './json-schema.ts'
import { EVENT_TYPES } from './event.schema.ts'

describe('committed JSON Schema', () => {
  it('is exactly what the generator writes (run src/generate-schema.ts when this fails)', async () => {
    const expected = await renderSchemaFiles()
    expect(readdirSync(SCHEMA_DIR).sort()).toEqual(Object.keys(expected).sort())
    for (const [name, content] of Object.entries(expected)) {
      expect(readFileSync(SCHEMA_DIR + name, 'utf8'), `${name} is stale`).toBe(content)
    }
  })

  it('describes every event type, with defaults optional on input', () => {
    const text = JSON.stringify(eventJsonSchema())
    for (const type of EVENT_TYPES) expect(text).toContain(`"${type}"`)
    expect(eventJsonSchema().$schema).toBe('https://json-schema.org/draft/2020-12/schema')
  })
})
