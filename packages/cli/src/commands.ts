/** The cxpulse commands: each one's help, flags schema, parseArgs options and runner. */
import type { parseArgs } from 'node:util'
import type { z } from 'zod'
import { migrateFlags, migrateHelp, runMigrate } from './migrate.command.ts'
import { dlqFlags, dlqHelp, dlqOptions, runDlq } from './dlq.command.ts'
import { importFlags, importHelp, importOptions, runImport } from './import.command.ts'
import { keysFlags, keysHelp, keysOptions, runKeys } from './keys.command.ts'
import { queryFlags, queryHelp, queryOptions, runQuery } from './query.command.ts'
import { runSend, sendFlags, sendHelp, sendOptions } from './send.command.ts'
import { runServe, serveFlags, serveHelp, serveOptions } from './serve.command.ts'
import { runSimulate, simulateFlags, simulateHelp, simulateOptions } from './simulate.command.ts'
import { runStart, startFlags, startHelp, startOptions } from './start.command.ts'

export interface Command<S extends z.ZodObject> {
  summary: string
  help: string
  flags: S
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options']
  run: (flags: z.output<S>) => Promise<number>
}

const dataDirOption = { 'data-dir': { type: 'string' as const } }

export const commands: Record<string, Command<z.ZodObject>> = {
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
