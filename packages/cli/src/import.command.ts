import { readFile } from 'node:fs/promises'
import { basename, extname, resolve } from 'node:path'
import { z } from 'zod'
import {
  DEFAULT_SCALES,
  DIMENSION_KEYS,
  EVENT_TYPES,
  deterministicUuid,
  parseEvent,
  type CxEventInput,
  type FieldError,
} from '@cxpulse/contracts'
import { deliverEvents, printSummary, type LineRejection } from './delivery.ts'
import { parseCsv } from './records.ts'
import { cliEnvironment } from './cli.env.ts'

export const importHelp = `Usage: cxpulse import [options] FILE

Imports history from a CSV export (a header row, then one event per row) through the ingest
API: survey responses, a customer base (sign-ups, churns, reactivations, referrals),
purchases, or ticket history. Each row becomes one event; rows that cannot be read or mapped
are reported by line and never stop the others. Ends with "accepted N, rejected M"; exits 1
when anything was rejected.

The event type of a row: its type column (--map type=COLUMN), else --type (default
survey.response). Column mapping (--map FIELD=COLUMN, comma-separated or repeated; a column
named exactly like a field is used without one; an empty cell is an absent field):
  every type     occurred_at (required): RFC 3339, 2024-03-01, "2024-03-01 14:05[:09]" (UTC
                 when no offset), or Unix seconds/milliseconds; customer_id (required);
                 id: the source's row id, the key for idempotency (recommended);
                 dimensions.K, K one of ${DIMENSION_KEYS.join(', ')} (or K alone: channel=COLUMN)
  survey.response  score (required), kind (csat, nps or ces; or --kind), comment, survey_id,
                 ticket_id, scale_min, scale_max, positive_min, orientation
  survey.sent    survey_id (required), kind
  customer.signed_up / churned / reactivated: nothing more; customer.referred:
                 referred_customer_id
  customer.purchase  currency (required), amount ("49.90") or amount_minor (4990),
                 gross_margin (0–1)
  ticket.created / first_response / agent_replied / customer_replied / resolved / reopened /
  escalated      ticket_id (required), complaint (true/false), queue_wait_seconds

Re-running is safe: every event_id is a name-based UUID (SHA-256, version nibble 5) of
"cxpulse-import", the --source name and the row key: the mapped id column's value, or else
the row's whole content (every column, by header name). The same row therefore always gets
the same event_id and the processor counts it once, at any age. Without an id column two
identical rows are one event; they are reported as duplicates and sent once.

Options:
  --map F=C[,F=C…]     column mapping, see above (repeatable)
  --type T             the event type of every row without a type column
                       (default survey.response)
  --kind K             csat, nps or ces for every survey row without a kind column
  --scale LO-HI        the scale of every survey row without scale columns, e.g. 1-5, 0-10,
                       1-7 (default per kind: csat 1-5, nps 0-10, ces 1-7)
  --source NAME        the system the file came from, part of every event_id
                       (default: the file name without extension); keep it across re-runs
  --max-age-days N     reject rows older than this locally (default 0: off; ingest refuses
                       what the pipeline's event-time policy refuses, row by row)
  --url URL            ingest base URL (default http://127.0.0.1:8080)
  --key KEY            API key with the ingest scope (default: $CXPULSE_API_KEY)
  --batch-size N       events per request (default 500)
  --rate N             send at most N events per second (default: as fast as accepted)
  --rejects-file PATH  write every rejection as NDJSON
  --dry-run            map and validate only; send nothing
  -h, --help           this text`

export const importOptions = {
  map: { type: 'string', multiple: true },
  type: { type: 'string' },
  kind: { type: 'string' },
  scale: { type: 'string' },
  source: { type: 'string' },
  'max-age-days': { type: 'string' },
  url: { type: 'string' },
  key: { type: 'string' },
  'batch-size': { type: 'string' },
  rate: { type: 'string' },
  'rejects-file': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const

const KINDS = ['csat', 'nps', 'ces'] as const
type Kind = (typeof KINDS)[number]

/** Fields a column may be mapped to (which apply to which type: the help text). */
const IMPORT_FIELDS = [
  'id',
  'type',
  'occurred_at',
  'customer_id',
  'score',
  'kind',
  'comment',
  'survey_id',
  'ticket_id',
  'scale_min',
  'scale_max',
  'positive_min',
  'orientation',
  'referred_customer_id',
  'currency',
  'amount',
  'amount_minor',
  'gross_margin',
  'complaint',
  'queue_wait_seconds',
  ...DIMENSION_KEYS.map((k) => `dimensions.${k}` as const),
] as const
export type ImportField = (typeof IMPORT_FIELDS)[number]
const FIELD_SET = new Set<string>(IMPORT_FIELDS)

/** `score=rating,occurred_at=date` (possibly several flags) → field → column. */
export function parseMapping(values: readonly string[]): Map<ImportField, string> {
  const mapping = new Map<ImportField, string>()
  for (const value of values) {
    for (const pair of value.split(',')) {
      const i = pair.indexOf('=')
      const name = pair.slice(0, i).trim()
      // A dimension may be named alone: channel=source is dimensions.channel=source.
      const field = (DIMENSION_KEYS as readonly string[]).includes(name)
        ? `dimensions.${name}`
        : name
      const column = pair.slice(i + 1).trim()
      if (i < 1 || column === '') {
        throw new Error(`"${pair}" is not FIELD=COLUMN`)
      }
      if (!FIELD_SET.has(field)) {
        throw new Error(`unknown field "${field}"; fields: ${IMPORT_FIELDS.join(', ')}`)
      }
      if (mapping.has(field as ImportField)) throw new Error(`field "${field}" is mapped twice`)
      mapping.set(field as ImportField, column)
    }
  }
  return mapping
}

export const importFlags = z.object({
  _: z.array(z.string()).length(1, 'give exactly one FILE'),
  map: z
    .array(z.string())
    .default([])
    .transform((values, ctx) => {
      try {
        return parseMapping(values)
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message })
        return z.NEVER
      }
    }),
  type: z
    .enum(EVENT_TYPES, { message: `expected one of ${EVENT_TYPES.join(', ')}` })
    .default('survey.response'),
  kind: z.enum(KINDS, { message: 'expected csat, nps or ces' }).optional(),
  scale: z
    .string()
    .regex(/^\d{1,2}-\d{1,2}$/, 'expected LO-HI, e.g. 1-5')
    .transform((s) => s.split('-').map(Number) as [number, number])
    .optional(),
  source: z
    .string()
    .regex(/^[A-Za-z0-9._:/@-]{1,128}$/, 'must be 1-128 of [A-Za-z0-9._:/@-]')
    .optional(),
  'max-age-days': z.coerce.number().min(0).max(36_500).default(0),
  url: z.url().default('http://127.0.0.1:8080'),
  key: z.string().min(1).optional(),
  'batch-size': z.coerce.number().int().min(1).max(10_000).default(500),
  rate: z.coerce.number().positive().max(1_000_000).optional(),
  'rejects-file': z.string().min(1).optional(),
  'dry-run': z.boolean().default(false),
})
export type ImportFlags = z.output<typeof importFlags>

/**
 * An export's time as RFC 3339: with an offset as given; a bare date or "date time" as UTC;
 * 10 digits as Unix seconds, 13 as milliseconds. Undefined when it is none of these.
 */
export function parseImportTime(value: string): string | undefined {
  const s = value.trim()
  if (/^\d{10}$/.test(s)) return new Date(Number(s) * 1000).toISOString()
  if (/^\d{13}$/.test(s)) return new Date(Number(s)).toISOString()
  const m =
    /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
      s,
    )
  if (!m) return undefined
  const [, date, time, offset] = m
  const iso = `${date}T${time ?? '00:00'}${time && time.length === 5 ? ':00' : ''}${offset ?? 'Z'}`
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return undefined
  // Date.parse rolls 2024-02-30 over to March; a calendar date that does not exist is an error.
  if (!offset && new Date(t).toISOString().slice(0, 10) !== date) return undefined
  return new Date(t).toISOString()
}

export interface ImportPlan {
  source: string
  /** Field → column index in the header. */
  columns: Map<ImportField, number>
  header: string[]
  /** The type of every row without a type column. */
  type: (typeof EVENT_TYPES)[number]
  kind: Kind | undefined
  scale: [number, number] | undefined
  maxAgeMs: number
}

/**
 * Checks the mapping against the header: every mapped column exists, the required fields are
 * there, a kind is known. Columns named like a field are used when not mapped otherwise.
 * Throws with a message naming the flag and what is missing.
 */
export function planImport(header: string[], flags: ImportFlags, file: string): ImportPlan {
  const columns = new Map<ImportField, number>()
  const mapped = new Set(flags.map.values())
  for (const [field, column] of flags.map) {
    const i = header.indexOf(column)
    if (i < 0) {
      throw new Error(
        `--map ${field}=${column}: the file has no column "${column}"; columns: ${header.join(', ')}`,
      )
    }
    columns.set(field, i)
  }
  header.forEach((column, i) => {
    if (FIELD_SET.has(column) && !columns.has(column as ImportField) && !mapped.has(column)) {
      columns.set(column as ImportField, i)
    }
  })
  // With a type column each row says what it is and the contract checks its fields; with one
  // type for every row, what that type needs is checked here, once, against the header.
  const surveys = !columns.has('type') && flags.type === 'survey.response'
  const required = ['occurred_at', 'customer_id', ...(surveys ? ['score' as const] : [])] as const
  const missing = required.filter((f) => !columns.has(f))
  if (missing.length > 0) {
    throw new Error(
      `--map: nothing gives ${missing.join(', ')}; e.g. --map ${missing.map((f) => `${f}=COLUMN`).join(',')} (columns: ${header.join(', ')})`,
    )
  }
  if (surveys && !columns.has('kind') && !flags.kind) {
    throw new Error('--kind: give the survey kind (csat, nps or ces) or --map kind=COLUMN')
  }
  return {
    source: flags.source ?? basename(file, extname(file)),
    columns,
    header,
    type: flags.type,
    kind: flags.kind,
    scale: flags.scale,
    maxAgeMs: flags['max-age-days'] * 86_400_000,
  }
}

/** The row key's name-based id; see the help text. */
export function importEventId(
  source: string,
  header: string[],
  cells: string[],
  idColumn: number | undefined,
): string {
  if (idColumn !== undefined)
    return deterministicUuid('cxpulse-import', source, 'id', cells[idColumn]!.trim())
  const content = header
    .map((h, i) => [h, cells[i] ?? ''] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return deterministicUuid('cxpulse-import', source, 'row', JSON.stringify(content))
}

const INTEGER_FIELDS = new Set<ImportField>([
  'score',
  'scale_min',
  'scale_max',
  'positive_min',
  'amount_minor',
])
const NUMBER_FIELDS = new Set<ImportField>(['gross_margin', 'queue_wait_seconds'])
const BOOLEANS: Record<string, boolean> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  '1': true,
  '0': false,
}

/** One CSV row as an event, or the errors that name the field and its column. */
export function mapRow(
  plan: ImportPlan,
  cells: string[],
  now = Date.now(),
): { ok: true; event: CxEventInput } | { ok: false; reason: string; errors: FieldError[] } {
  const errors: FieldError[] = []
  const event: Record<string, unknown> = { type: plan.type }
  const dimensions: Record<string, string> = {}
  const where = (field: ImportField) =>
    `${field} (column "${plan.header[plan.columns.get(field)!]}")`
  for (const [field, index] of plan.columns) {
    if (field === 'id') continue
    const cell = cells[index]!.trim()
    if (cell === '') continue
    if (field.startsWith('dimensions.')) {
      dimensions[field.slice('dimensions.'.length)] = cell
    } else if (INTEGER_FIELDS.has(field)) {
      if (/^-?\d+(\.0+)?$/.test(cell)) event[field] = Number.parseInt(cell, 10)
      else errors.push({ path: where(field), message: `"${cell}" is not an integer` })
    } else if (NUMBER_FIELDS.has(field)) {
      const n = Number(cell)
      if (/^-?\d+(\.\d+)?$/.test(cell) && Number.isFinite(n)) event[field] = n
      else errors.push({ path: where(field), message: `"${cell}" is not a number` })
    } else if (field === 'complaint') {
      const b = BOOLEANS[cell.toLowerCase()]
      if (b === undefined)
        errors.push({ path: where(field), message: `"${cell}" is not true or false` })
      else event[field] = b
    } else if (field === 'occurred_at') {
      const at = parseImportTime(cell)
      if (at === undefined) {
        errors.push({
          path: where(field),
          message: `"${cell}" is not a time (RFC 3339, YYYY-MM-DD[ HH:MM[:SS]] or Unix seconds)`,
        })
      } else if (plan.maxAgeMs > 0 && Date.parse(at) < now - plan.maxAgeMs) {
        errors.push({
          path: where(field),
          message: `${at} is older than --max-age-days ${plan.maxAgeMs / 86_400_000}`,
        })
      } else event[field] = at
    } else if (field === 'kind' || field === 'type') {
      event[field] = cell.toLowerCase()
    } else if (field === 'currency') {
      event[field] = cell.toUpperCase()
    } else {
      // comment keeps its inner whitespace and line breaks.
      event[field] = field === 'comment' ? cells[index] : cell
    }
  }
  if (Object.keys(dimensions).length > 0) event['dimensions'] = dimensions
  if (event['type'] === 'survey.response') surveyDefaults(plan, event)
  event['event_id'] = importEventId(plan.source, plan.header, cells, plan.columns.get('id'))
  const idColumn = plan.columns.get('id')
  if (idColumn !== undefined && cells[idColumn]!.trim() === '') {
    errors.push({ path: where('id'), message: 'is empty; the row has no key' })
  }
  if (errors.length > 0) return { ok: false, reason: 'mapping', errors }
  const parsed = parseEvent(event, { now })
  if (!parsed.ok) {
    // Name the CSV column next to the field, so the fix is obvious in the source file.
    return {
      ok: false,
      reason: parsed.reason,
      errors: parsed.errors.map((e) => {
        const field = IMPORT_FIELDS.find((f) => e.path === f || e.path.startsWith(`${f}.`))
        return field && plan.columns.has(field) ? { ...e, path: where(field) } : e
      }),
    }
  }
  return { ok: true, event: event as CxEventInput }
}

/** A survey row's kind and scale from --kind / --scale, else the kind's default scale. */
function surveyDefaults(plan: ImportPlan, event: Record<string, unknown>): void {
  event['kind'] ??= plan.kind
  const kind = event['kind']
  if (event['scale_min'] !== undefined || event['scale_max'] !== undefined) return
  if (plan.scale) {
    ;[event['scale_min'], event['scale_max']] = plan.scale
  } else if (typeof kind === 'string' && kind in DEFAULT_SCALES) {
    const d = DEFAULT_SCALES[kind as Kind]
    ;[event['scale_min'], event['scale_max']] = [d.scale_min, d.scale_max]
  }
}

export async function runImport(flags: ImportFlags): Promise<number> {
  const file = resolve(flags._[0]!)
  const key = flags.key ?? cliEnvironment().CXPULSE_API_KEY
  if (!key && !flags['dry-run']) {
    console.error('cxpulse import: give --key or set CXPULSE_API_KEY')
    return 2
  }
  const [header, ...rows] = parseCsv(await readFile(file, 'utf8'))
  if (!header) {
    console.error(`cxpulse import: ${file} is empty`)
    return 2
  }
  let plan: ImportPlan
  try {
    plan = planImport(
      header.cells.map((c) => c.trim()),
      flags,
      file,
    )
  } catch (error) {
    console.error(`cxpulse import: ${(error as Error).message}`)
    return 2
  }

  const rejections: LineRejection[] = []
  const events: { line: number; event: CxEventInput }[] = []
  const firstLine = new Map<string, number>()
  const duplicates: { line: number; of: number }[] = []
  const now = Date.now()
  for (const { line, cells } of rows) {
    if (cells.length !== plan.header.length) {
      rejections.push({
        line,
        event_id: null,
        reason: 'unreadable',
        errors: [
          { path: '', message: `expected ${plan.header.length} columns, found ${cells.length}` },
        ],
      })
      continue
    }
    const mapped = mapRow(plan, cells, now)
    if (!mapped.ok) {
      rejections.push({ line, event_id: null, reason: mapped.reason, errors: mapped.errors })
      continue
    }
    const earlier = firstLine.get(mapped.event.event_id)
    if (earlier !== undefined) {
      duplicates.push({ line, of: earlier })
      continue
    }
    firstLine.set(mapped.event.event_id, line)
    events.push({ line, event: mapped.event })
  }

  if (duplicates.length > 0) {
    console.log(
      `skipped ${duplicates.length} rows with the key of an earlier row (sent once): ${duplicates
        .slice(0, 20)
        .map((d) => `line ${d.line} = line ${d.of}`)
        .join(', ')}${duplicates.length > 20 ? ', …' : ''}`,
    )
  }
  if (flags['dry-run']) {
    await printSummary(
      0,
      rejections,
      flags['rejects-file'],
      `dry run (source "${plan.source}"): ${events.length} to send, rejected ${rejections.length}`,
    )
    return rejections.length > 0 ? 1 : 0
  }
  return deliverEvents({
    command: 'import',
    events,
    rejections,
    url: flags.url,
    apiKey: key!,
    batchSize: flags['batch-size'],
    rate: flags.rate,
    rejectsFile: flags['rejects-file'],
  })
}
