import { readFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { z } from 'zod'
import { deterministicUuid } from '@cxpulse/contracts'
import { parseCsv, type SourceRecord } from './records.ts'
import { deliverRecords } from './send.command.ts'

export const importHelp = `Usage: cxpulse import [options] FILE

Imports historical survey responses from a CSV export (any column names) into cxpulse:
each row becomes a survey.response event, sent through the ingest API like "cxpulse send".
Re-running the same import counts nothing twice: every row's event_id is derived from
--source and the row's key (the --map id column when given, otherwise the row's content).

Options:
  --map T=COLUMN,...   which CSV column holds each field; required: score, occurred_at,
                       customer_id; optional: id (a stable row key), comment, survey_id,
                       ticket_id, channel, agent, team, product, region, segment, locale
  --kind K             csat, nps or ces (default csat)
  --scale MIN-MAX      the survey's scale (default: 1-5 CSAT, 0-10 NPS, 1-7 CES)
  --orientation O      CES only: agreement or effort (default agreement)
  --source NAME        names this export in event ids (default: the file name)
  --url URL            ingest base URL (default http://127.0.0.1:8080)
  --key KEY            API key with the ingest scope (default: $CXPULSE_API_KEY)
  --batch-size N       events per request (default 500)
  --rejects-file PATH  write every rejection as NDJSON
  -h, --help           this text

Example:
  cxpulse import --map score=rating,occurred_at=answered_at,customer_id=email,id=response_id,channel=source \\
    --kind csat --scale 1-5 responses.csv`

export const importOptions = {
  map: { type: 'string' },
  kind: { type: 'string' },
  scale: { type: 'string' },
  orientation: { type: 'string' },
  source: { type: 'string' },
  url: { type: 'string' },
  key: { type: 'string' },
  'batch-size': { type: 'string' },
  'rejects-file': { type: 'string' },
} as const

const TARGETS = [
  'score',
  'occurred_at',
  'customer_id',
  'id',
  'comment',
  'survey_id',
  'ticket_id',
  'channel',
  'agent',
  'team',
  'product',
  'region',
  'segment',
  'locale',
] as const
const DIMENSIONS = new Set(['channel', 'agent', 'team', 'product', 'region', 'segment', 'locale'])

const mapping = z.string().transform((s, ctx) => {
  const pairs = s.split(',').map((p) => p.split('=', 2).map((x) => x.trim()))
  const out: Partial<Record<(typeof TARGETS)[number], string>> = {}
  for (const [target, column] of pairs) {
    if (!(TARGETS as readonly string[]).includes(target ?? '') || !column) {
      ctx.addIssue({
        code: 'custom',
        message: `"${target}=${column ?? ''}": expected FIELD=COLUMN with FIELD one of ${TARGETS.join(', ')}`,
      })
      return z.NEVER
    }
    out[target as (typeof TARGETS)[number]] = column
  }
  for (const required of ['score', 'occurred_at', 'customer_id'] as const) {
    if (!out[required]) {
      ctx.addIssue({ code: 'custom', message: `map the ${required} column (${required}=COLUMN)` })
      return z.NEVER
    }
  }
  return out
})

export const importFlags = z.object({
  _: z.array(z.string()).length(1, 'give exactly one FILE'),
  map: mapping,
  kind: z.enum(['csat', 'nps', 'ces']).default('csat'),
  scale: z
    .string()
    .regex(/^\d{1,2}-\d{1,2}$/, 'expected MIN-MAX, e.g. 1-5')
    .optional(),
  orientation: z.enum(['agreement', 'effort']).default('agreement'),
  source: z.string().min(1).max(200).optional(),
  url: z.url().default('http://127.0.0.1:8080'),
  key: z.string().min(1).optional(),
  'batch-size': z.coerce.number().int().min(1).max(10_000).default(500),
  'rejects-file': z.string().min(1).optional(),
})

/** CSV rows → survey.response events under a column mapping, with stable ids. */
export function importRecords(
  text: string,
  flags: z.output<typeof importFlags>,
  source: string,
): SourceRecord[] {
  const [header, ...rows] = parseCsv(text)
  if (!header) return []
  const index = new Map(header.cells.map((c, i) => [c.trim(), i]))
  const missing = Object.values(flags.map).filter((column) => !index.has(column))
  if (missing.length > 0) {
    throw new Error(
      `columns not in the CSV header: ${missing.join(', ')} (header: ${header.cells.join(', ')})`,
    )
  }
  const [min, max] = flags.scale?.split('-').map(Number) ?? []
  return rows.map(({ line, cells }) => {
    if (cells.length !== header.cells.length) {
      return {
        line,
        value: null,
        error: `expected ${header.cells.length} columns, found ${cells.length}`,
      }
    }
    const cell = (target: (typeof TARGETS)[number]) => {
      const column = flags.map[target]
      const v = column === undefined ? undefined : cells[index.get(column)!]?.trim()
      return v === '' ? undefined : v
    }
    const rowKey = cell('id') ?? JSON.stringify(cells)
    const scoreText = cell('score')
    const occurred = cell('occurred_at')
    const dimensions = Object.fromEntries(
      TARGETS.filter((t) => DIMENSIONS.has(t) && cell(t) !== undefined).map((t) => [t, cell(t)]),
    )
    const value: Record<string, unknown> = {
      event_id: deterministicUuid('import', source, rowKey),
      type: 'survey.response',
      // A date without a zone is read as UTC (RFC 3339 needs one).
      occurred_at:
        occurred && /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$/.test(occurred)
          ? new Date(
              `${occurred.replace(' ', 'T')}${occurred.length === 10 ? 'T00:00:00' : ''}Z`,
            ).toISOString()
          : occurred,
      customer_id: cell('customer_id'),
      kind: flags.kind,
      score: scoreText !== undefined && /^-?\d+$/.test(scoreText) ? Number(scoreText) : scoreText,
      ...(min !== undefined && max !== undefined ? { scale_min: min, scale_max: max } : {}),
      ...(flags.kind === 'ces' ? { orientation: flags.orientation } : {}),
      ...(Object.keys(dimensions).length > 0 ? { dimensions } : {}),
    }
    for (const optional of ['comment', 'survey_id', 'ticket_id'] as const) {
      if (cell(optional) !== undefined) value[optional] = cell(optional)
    }
    return { line, value }
  })
}

export async function runImport(flags: z.output<typeof importFlags>): Promise<number> {
  const file = resolve(flags._[0]!)
  const source = flags.source ?? basename(file)
  let records: SourceRecord[]
  try {
    records = importRecords(await readFile(file, 'utf8'), flags, source)
  } catch (error) {
    console.error(`cxpulse import: ${(error as Error).message}`)
    return 2
  }
  return deliverRecords('import', records, {
    url: flags.url,
    key: flags.key,
    batchSize: flags['batch-size'],
    rejectsFile: flags['rejects-file'],
  })
}
