import { z } from 'zod'
import { alerterEnv } from '@cxpulse/alerter'
import { ingestEnv } from '@cxpulse/ingest'
import { processorEnv } from '@cxpulse/processor'
import { queryEnv } from '@cxpulse/query'

/**
 * `cxpulse serve ingest|processor|query|alerter`: one service alone, for production, exactly as
 * `node --import tsx services/<name>/src/main.ts` runs it (same configuration, same signals).
 */
interface ServiceSpec {
  /** The package whose src/main.ts starts the service. */
  package: string
  what: string
  /** Environment variables the service reads: the keys of its exported zod schema. */
  variables: readonly string[]
  readme: string
}

const SERVICES = {
  ingest: {
    package: '@cxpulse/ingest',
    what: 'the ingest API: POST /v1/events → validated, enriched events on Kafka',
    variables: Object.keys(ingestEnv.shape),
    readme: 'README.md "Ingest API"',
  },
  processor: {
    package: '@cxpulse/processor',
    what: 'the processor: Kafka → ClickHouse raw tables and rollups, exactly once (applies the migrations first)',
    variables: Object.keys(processorEnv.shape),
    readme: 'services/processor/README.md',
  },
  query: {
    package: '@cxpulse/query',
    what: 'the query API and the dashboard: GET /v1/metrics/{metric}, alert rules, alerts, /',
    variables: Object.keys(queryEnv.shape),
    readme: 'README.md "Query API"',
  },
  alerter: {
    package: '@cxpulse/alerter',
    what: 'the alerter: evaluates alert rules, one firing and one resolution per incident',
    variables: Object.keys(alerterEnv.shape),
    readme: 'services/alerter/README.md',
  },
} as const satisfies Record<string, ServiceSpec>
export type ServiceName = keyof typeof SERVICES

/** Wraps a list of names to lines of at most `width` characters, indented. */
function wrap(names: readonly string[], indent: string, width = 92): string {
  const lines: string[] = []
  let line = ''
  for (const name of names) {
    if (line && indent.length + line.length + 1 + name.length > width) {
      lines.push(line)
      line = name
    } else line = line ? `${line} ${name}` : name
  }
  if (line) lines.push(line)
  return lines.map((l) => indent + l).join('\n')
}

const NAMES = Object.keys(SERVICES) as ServiceName[]

export const serveHelp = `Usage: cxpulse serve <${NAMES.join('|')}>

Runs one service alone in this process, for production, exactly as
"node --conditions=production services/<name>/dist/main.js" does after "pnpm build"
("cxpulse start" runs them all in one process for a local run instead). Configured only
by the environment: every variable is validated at start-up and all problems are reported
together. SIGTERM or Ctrl-C stops it gracefully.

${NAMES.map(
  (name) => `${name}: ${SERVICES[name].what}
  see ${SERVICES[name].readme}; environment:
${wrap(SERVICES[name].variables, '    ')}`,
).join('\n\n')}

Options:
  -h, --help   this text`

export const serveOptions = {} as const

export const serveFlags = z.object({
  _: z.tuple([z.enum(NAMES, { message: `expected ${NAMES.join(', ')}` })], {
    message: `give one service: ${NAMES.join(', ')}`,
  }),
})

/** Imports the service's own main module, which starts it and owns the process from then on. */
export async function runServe(flags: z.output<typeof serveFlags>): Promise<number> {
  // The service's index resolves to src/index.ts, or to dist/index.js under --conditions=production.
  const index = import.meta.resolve(SERVICES[flags._[0]].package)
  const main = new URL(index.endsWith('.js') ? './main.js' : './main.ts', index)
  await import(main.href)
  // The service exits by itself: on SIGTERM/SIGINT after a graceful stop, or when it fails.
  return new Promise<number>(() => undefined)
}
