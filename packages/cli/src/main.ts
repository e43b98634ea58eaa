import { parseArgs } from 'node:util'
import type { z } from 'zod'
import { ConfigError } from '@cxpulse/config'
import { MigrationError } from '@cxpulse/clickhouse'
import { LocalKafkaError } from '@cxpulse/local-kafka'
import { migrateFlags, migrateHelp, runMigrate } from './migrate.command.ts'
import { DlqError, dlqFlags, dlqHelp, dlqOptions, runDlq } from './dlq.command.ts'
import { importFlags, importHelp, importOptions, runImport } from './import.command.ts'
import { keysFlags, keysHelp, keysOptions, runKeys } from './keys.command.ts'
import { queryFlags, queryHelp, queryOptions, runQuery } from './query.command.ts'
import { runSend, sendFlags, sendHelp, sendOptions } from './send.command.ts'
import { runServe, serveFlags, serveHelp, serveOptions } from './serve.command.ts'
import { runSimulate, simulateFlags, simulateHelp, simulateOptions } from './simulate.command.ts'
import { runStart, startFlags, startHelp, startOptions } from './start.command.ts'

interface Command<S extends z.ZodObject> {
  summary: string
  help: string
  flags: S
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options']
  run: (flags: z.output<S>) => Promise<number>
}

const dataDirOption = { 'data-dir': { type: 'string' as const } }

const commands: Record<string, Command<z.ZodObject>> = {
  start: {
    summary: 'run the pipeline locally in one process',
    help: startHelp,
    flags: startFlags,
    options: startOptions,
    run: runStart as Command<z.ZodObject>['run'],
  },
  simulate: {
    summary: 'send realistic simulated traffic to an ingest API (optionally with an incident)',
    help: simulateHelp,
    flags: simulateFlags,
    options: simulateOptions,
    run: runSimulate as Command<z.ZodObject>['run'],
  },
  send: {
    summary: 'send events from an NDJSON or CSV file to the ingest API',
    help: sendHelp,
    flags: sendFlags,
    options: sendOptions,
    run: runSend as Command<z.ZodObject>['run'],
  },
  import: {
    summary: 'import historical surveys from a CSV export, with column mapping; safe to re-run',
    help: importHelp,
    flags: importFlags,
    options: importOptions,
    run: runImport as Command<z.ZodObject>['run'],
  },
  query: {
    summary: 'one metric from the query API, as a table or JSON',
    help: queryHelp,
    flags: queryFlags,
    options: queryOptions,
    run: runQuery as Command<z.ZodObject>['run'],
  },
  keys: {
    summary: 'create, rotate, revoke and list tenant API keys',
    help: keysHelp,
    flags: keysFlags,
    options: keysOptions,
    run: runKeys as Command<z.ZodObject>['run'],
  },
  dlq: {
    summary: 'inspect dead letters and replay them after a fix',
    help: dlqHelp,
    flags: dlqFlags,
    options: dlqOptions,
    run: runDlq as Command<z.ZodObject>['run'],
  },
  migrate: {
    summary: 'apply ClickHouse migrations',
    help: migrateHelp,
    flags: migrateFlags,
    options: dataDirOption,
    run: runMigrate as Command<z.ZodObject>['run'],
  },
  serve: {
    summary: 'run one service alone (ingest, processor, query or alerter), for production',
    help: serveHelp,
    flags: serveFlags,
    options: serveOptions,
    run: runServe as Command<z.ZodObject>['run'],
  },
}

const usage = `Usage: cxpulse <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run "cxpulse <command> --help" for a command's options.`

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage)
    return name ? 0 : 2
  }
  const command = commands[name]
  if (!command) {
    console.error(`cxpulse: unknown command "${name}"\n\n${usage}`)
    return 2
  }
  let values: Record<string, unknown>
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    })
    // Positional arguments reach the command as `_`; commands that take none refuse them.
    if (parsed.positionals.length > 0 && !('_' in command.flags.shape)) {
      throw new Error(`unexpected argument "${parsed.positionals[0]}"`)
    }
    values = { ...parsed.values, _: parsed.positionals }
  } catch (error) {
    console.error(`cxpulse ${name}: ${(error as Error).message}\n\n${command.help}`)
    return 2
  }
  if (values['help']) {
    console.log(command.help)
    return 0
  }
  const flags = command.flags.safeParse(values)
  if (!flags.success) {
    // Positional arguments are `_` in the schema; name them as the user sees them.
    const where = (path: PropertyKey[]) =>
      path[0] === '_'
        ? path.length > 1
          ? `argument ${Number(path[1]) + 1}`
          : 'arguments'
        : `--${path.join('.')}`
    console.error(flags.error.issues.map((i) => `${where(i.path)}: ${i.message}`).join('\n'))
    console.error(command.help)
    return 2
  }
  return command.run(flags.data)
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known =
      error instanceof ConfigError ||
      error instanceof MigrationError ||
      error instanceof LocalKafkaError ||
      error instanceof DlqError
    console.error(
      `cxpulse: ${known ? (error as Error).message : ((error as Error)?.stack ?? String(error))}`,
    )
    process.exit(1)
  },
)
