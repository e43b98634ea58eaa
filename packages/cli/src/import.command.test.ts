import { describe, expect, it } from 'vitest'
import {
  importEventId,
  importFlags,
  mapRow,
  parseImportTime,
  parseMapping,
  planImport,
} from './import.command.ts'
import { parseCsv } from './records.ts'

const now = Date.UTC(2026, 10, 23, 12, 0, 0)
const flags = (over: Record<string, unknown>) => importFlags.parse({ _: ['x.csv'], ...over })

describe('cxpulse import mapping', () => {
  it('reads FIELD=COLUMN lists from one or several flags and names what is wrong', () => {
    expect([
      ...parseMapping(['score=rating,occurred_at=date', 'dimensions.channel=via,agent=who']),
    ]).toEqual([
      ['score', 'rating'],
      ['occurred_at', 'date'],
      ['dimensions.channel', 'via'],
      ['dimensions.agent', 'who'],
    ])
    expect(() => parseMapping(['rating'])).toThrow(/"rating" is not FIELD=COLUMN/)
    expect(() => parseMapping(['stars=rating'])).toThrow(/unknown field "stars"/)
    expect(() => parseMapping(['score=a', 'score=b'])).toThrow(/mapped twice/)
    const bad = importFlags.safeParse({ _: ['x.csv'], map: ['dimensions.color=c'], scale: '1to5' })
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['map', 'scale'])
  })

  it('checks the mapping against the header', () => {
    const header = ['resp', 'cust', 'date', 'rating', 'channel']
    expect(() => planImport(header, flags({ map: ['score=stars'] }), 'x.csv')).toThrow(
      /--map score=stars: the file has no column "stars"; columns: resp, cust/,
    )
    expect(() =>
      planImport(header, flags({ map: ['score=rating'], kind: 'csat' }), 'x.csv'),
    ).toThrow(/nothing gives occurred_at, customer_id/)
    expect(() =>
      planImport(
        header,
        flags({ map: ['score=rating,occurred_at=date,customer_id=cust'] }),
        'x.csv',
      ),
    ).toThrow(/--kind/)
    const plan = planImport(
      header,
      flags({ map: ['score=rating,occurred_at=date,customer_id=cust,id=resp'], kind: 'csat' }),
      '/tmp/legacy-export.csv',
    )
    expect(plan.source).toBe('legacy-export')
    expect(plan.columns.get('id')).toBe(0)
  })

  const csv = [
    'id,cust,date,rating,channel,note,kind',
    'r1,c1,2026-11-01,5,chat,"great, thanks",csat',
    'r2,c2,2026-11-02 10:30,9,email,,NPS',
    'r3,c3,01/11/2026,4,chat,,csat',
    'r4,c4,2026-11-03T08:00:00+02:00,seven,,,csat',
    'r5,c5,2026-11-03,6,,,csat',
    'r6,c6,2020-01-01,3,,,csat',
  ].join('\n')
  const [head, ...rows] = parseCsv(csv)
  const plan = planImport(
    head!.cells,
    flags({
      map: [
        'score=rating,occurred_at=date,customer_id=cust,dimensions.channel=channel,comment=note',
      ],
      'max-age-days': '90',
    }),
    'legacy.csv',
  )
  const mapped = rows.map((r) => mapRow(plan, r.cells, now))

  it('maps rows to survey events with the kind default scale, and names the column of a bad cell', () => {
    expect(mapped[0]).toEqual({
      ok: true,
      event: {
        type: 'survey.response',
        event_id: importEventId('legacy', head!.cells, rows[0]!.cells, 0),
        customer_id: 'c1',
        occurred_at: '2026-11-01T00:00:00.000Z',
        score: 5,
        kind: 'csat',
        scale_min: 1,
        scale_max: 5,
        comment: 'great, thanks',
        dimensions: { channel: 'chat' },
      },
    })
    expect(mapped[1]).toMatchObject({
      ok: true,
      event: { kind: 'nps', scale_min: 0, scale_max: 10, occurred_at: '2026-11-02T10:30:00.000Z' },
    })
    expect(mapped[2]).toMatchObject({
      ok: false,
      reason: 'mapping',
      errors: [
        { path: 'occurred_at (column "date")', message: expect.stringMatching(/not a time/) },
      ],
    })
    expect(mapped[3]).toMatchObject({
      errors: [{ path: 'score (column "rating")', message: '"seven" is not an integer' }],
    })
    expect(mapped[4]).toMatchObject({
      ok: false,
      reason: 'schema',
      errors: [
        {
          path: 'score (column "rating")',
          message: expect.stringMatching(/outside its scale 1–5/),
        },
      ],
    })
    expect(mapped[5]).toMatchObject({
      errors: [
        {
          path: 'occurred_at (column "date")',
          message: expect.stringMatching(/older than --max-age-days 90/),
        },
      ],
    })
  })

  it('has no age limit of its own by default: history of any age goes to ingest', () => {
    const p = planImport(
      ['when', 'who', 'stars'],
      flags({ map: ['occurred_at=when,customer_id=who,score=stars'], kind: 'csat' }),
      'x.csv',
    )
    expect(mapRow(p, ['2020-01-01', 'c', '4'], now)).toMatchObject({ ok: true })
  })

  it('loads a customer base, purchases and ticket history (--type, or a type column)', () => {
    const base = planImport(
      ['customer', 'since'],
      flags({ map: ['customer_id=customer,occurred_at=since'], type: 'customer.signed_up' }),
      'crm.csv',
    )
    expect(mapRow(base, ['c-1', '2024-11-02'], now)).toMatchObject({
      ok: true,
      event: {
        type: 'customer.signed_up',
        customer_id: 'c-1',
        occurred_at: '2024-11-02T00:00:00.000Z',
      },
    })

    const purchases = planImport(
      ['order', 'customer_id', 'occurred_at', 'amount', 'currency', 'gross_margin'],
      flags({ map: ['id=order'], type: 'customer.purchase' }),
      'shop.csv',
    )
    expect(
      mapRow(purchases, ['o1', 'c-1', '2025-01-05', '49.90', 'eur', '0.4'], now),
    ).toMatchObject({
      ok: true,
      event: { type: 'customer.purchase', amount: '49.90', currency: 'EUR', gross_margin: 0.4 },
    })
    expect(
      mapRow(purchases, ['o2', 'c-1', '2025-01-05', '49.90', 'eur', 'forty'], now),
    ).toMatchObject({
      ok: false,
      errors: [
        { path: 'gross_margin (column "gross_margin")', message: '"forty" is not a number' },
      ],
    })

    const tickets = planImport(
      ['type', 'customer_id', 'occurred_at', 'ticket_id', 'complaint', 'dimensions.agent'],
      flags({}),
      'helpdesk.csv',
    )
    expect(
      mapRow(tickets, ['ticket.created', 'c-1', '2025-02-01 09:00', 't-1', 'yes', ''], now),
    ).toMatchObject({
      ok: true,
      event: { type: 'ticket.created', ticket_id: 't-1', complaint: true },
    })
    expect(
      mapRow(tickets, ['ticket.first_response', 'c-1', '2025-02-01 09:04', 't-1', '', 'ana'], now),
    ).toMatchObject({ ok: true, event: { dimensions: { agent: 'ana' } } })
    expect(
      mapRow(tickets, ['ticket.closed', 'c-1', '2025-02-01', 't-1', '', ''], now),
    ).toMatchObject({ ok: false, reason: 'schema', errors: [{ path: 'type (column "type")' }] })
    expect(
      mapRow(tickets, ['ticket.created', 'c-1', '2025-02-01', 't-1', 'maybe', ''], now),
    ).toMatchObject({
      ok: false,
      errors: [{ path: 'complaint (column "complaint")', message: '"maybe" is not true or false' }],
    })
    // A survey column only matters when the rows are surveys.
    expect(() =>
      planImport(['customer_id', 'occurred_at'], flags({ type: 'customer.churned' }), 'x.csv'),
    ).not.toThrow()
    expect(() => planImport(['customer_id', 'occurred_at'], flags({}), 'x.csv')).toThrow(
      /nothing gives score/,
    )
  })

  it('applies --scale and --kind to every row', () => {
    const p = planImport(
      ['when', 'who', 'stars'],
      flags({ map: ['occurred_at=when,customer_id=who,score=stars'], kind: 'csat', scale: '1-10' }),
      'x.csv',
    )
    expect(mapRow(p, ['2026-11-01', 'c', '8'], now)).toMatchObject({
      ok: true,
      event: { kind: 'csat', scale_min: 1, scale_max: 10, score: 8 },
    })
  })

  it('derives stable ids from the source and the row key, or from the whole row', () => {
    const header = ['a', 'b']
    expect(importEventId('s', header, ['1', 'x'], 0)).toBe(
      importEventId('s', header, ['1', 'y'], 0),
    )
    expect(importEventId('s', header, ['1', 'x'], 0)).not.toBe(
      importEventId('t', header, ['1', 'x'], 0),
    )
    // By content: column order does not matter, any cell does.
    expect(importEventId('s', header, ['1', 'x'], undefined)).toBe(
      importEventId('s', ['b', 'a'], ['x', '1'], undefined),
    )
    expect(importEventId('s', header, ['1', 'x'], undefined)).not.toBe(
      importEventId('s', header, ['1', 'y'], undefined),
    )
    expect(importEventId('s', header, ['1', 'x'], 0)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  })
})

describe('import times', () => {
  it('reads RFC 3339, dates, date-times as UTC and Unix times; refuses the rest', () => {
    expect(parseImportTime('2026-11-01T10:00:00+01:00')).toBe('2026-11-01T09:00:00.000Z')
    expect(parseImportTime('2026-11-01')).toBe('2026-11-01T00:00:00.000Z')
    expect(parseImportTime('2026-11-01 10:05')).toBe('2026-11-01T10:05:00.000Z')
    expect(parseImportTime('2026-11-01 10:05:09')).toBe('2026-11-01T10:05:09.000Z')
    expect(parseImportTime('1790000000')).toBe('2026-09-21T14:13:20.000Z')
    expect(parseImportTime('1790000000123')).toBe('2026-09-21T14:13:20.123Z')
    expect(parseImportTime('2026-02-30')).toBeUndefined()
    expect(parseImportTime('01/11/2026')).toBeUndefined()
    expect(parseImportTime('yesterday')).toBeUndefined()
  })
})
