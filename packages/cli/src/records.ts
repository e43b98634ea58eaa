/** One input record with the line it starts on (for error messages). */
export interface SourceRecord {
  line: number
  value: unknown
  /** Set when the record could not be read at all (bad JSON, ragged CSV row). */
  error?: string
}

/**
 * RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. Returns rows
 * with the line each starts on.
 */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = []
  let cells: string[] = []
  let cell = ''
  let quoted = false
  let line = 1
  let rowLine = 1
  const endRow = () => {
    cells.push(cell)
    if (!(cells.length === 1 && cells[0] === '')) rows.push({ line: rowLine, cells })
    cells = []
    cell = ''
  }
  // Spreadsheet exports often start with a byte-order mark; it is not part of the first column name.
  for (let i = text.startsWith('\uFEFF') ? 1 : 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else {
        if (c === '\n') line++
        cell += c
      }
    } else if (c === '"' && cell === '') quoted = true
    else if (c === ',') {
      cells.push(cell)
      cell = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      endRow()
      line++
      rowLine = line
    } else cell += c
  }
  if (cell !== '' || cells.length > 0) endRow()
  return rows
}

/** Fields whose CSV cells are numbers (everything else stays text, e.g. ids like "007"). */
const NUMERIC = new Set([
  'score',
  'scale_min',
  'scale_max',
  'positive_min',
  'queue_wait_seconds',
  'amount_minor',
  'gross_margin',
])
const BOOLEAN = new Set(['complaint'])

/**
 * A CSV row as an event: `a.b` columns become nested objects (`dimensions.channel`), empty
 * cells are left out, numeric and boolean fields are converted.
 */
export function csvRecords(text: string): SourceRecord[] {
  const [header, ...rows] = parseCsv(text)
  if (!header) return []
  const columns = header.cells.map((c) => c.trim())
  return rows.map(({ line, cells }) => {
    if (cells.length !== columns.length) {
      return {
        line,
        value: null,
        error: `expected ${columns.length} columns, found ${cells.length}`,
      }
    }
    const value: Record<string, unknown> = {}
    columns.forEach((column, i) => {
      const cell = cells[i]!
      if (cell === '') return
      const path = column.split('.')
      const field = path.at(-1)!
      let v: unknown = cell
      if (NUMERIC.has(field) && /^-?\d+(\.\d+)?$/.test(cell.trim())) v = Number(cell)
      if (BOOLEAN.has(field) && /^(true|false)$/i.test(cell.trim()))
        v = cell.trim().toLowerCase() === 'true'
      let target = value
      for (const p of path.slice(0, -1)) target = (target[p] ??= {}) as Record<string, unknown>
      target[field] = v
    })
    return { line, value }
  })
}

export function ndjsonRecords(text: string): SourceRecord[] {
  const out: SourceRecord[] = []
  text.split('\n').forEach((raw, i) => {
    const s = raw.trim()
    if (s === '') return
    try {
      out.push({ line: i + 1, value: JSON.parse(s) as unknown })
    } catch (error) {
      out.push({ line: i + 1, value: null, error: `not JSON: ${(error as Error).message}` })
    }
  })
  return out
}
