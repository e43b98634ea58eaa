// Regenerates packages/contracts/schema/*.json from the zod schemas:
//   node_modules/.bin/tsx packages/contracts/src/generate-schema.ts
// A unit test fails when the committed files differ from what this would write.
import { writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { schemaFiles } from './json-schema.ts'

export const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url))

/** The schema files exactly as committed: generated, then formatted like the rest of the repo. */
export async function renderSchemaFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [name, content] of Object.entries(schemaFiles())) {
    const options = (await resolveConfig(SCHEMA_DIR + name)) ?? {}
    out[name] = await format(content, { ...options, filepath: SCHEMA_DIR + name })
  }
  return out
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, content] of Object.entries(await renderSchemaFiles())) {
    writeFileSync(SCHEMA_DIR + name, content)
    process.stdout.write(`wrote packages/contracts/schema/${name}\n`)
  }
}
