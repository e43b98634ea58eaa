import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyStore, generateApiKey } from '@cxpulse/auth'
import {
  EVENT_TYPES,
  parseEnrichedEvent,
  parseEvent,
  topicNames,
  type CxEventInput,
} from '@cxpulse/contracts'
import { DEFAULT_INGEST_CONFIG, startIngest, type IngestHandle } from '@cxpulse/ingest'
import { createSimulator } from '@cxpulse/simulator'
import { readWholeTopicEvents, recordReliability, testKafka, uniqueName } from '@cxpulse/testkit'
import { capturingLogger, LONG, rawRequest, Tally } from './security.support.ts'

/**
 * Property-based fuzzing of POST /v1/events against a real ingest and broker. Every answer must
 * be a 4xx, or a 202 whose accepted events all pass the contracts' own parser; at the end the
 * ingest's topics hold exactly the events those 202s accepted — nothing else from the run.
 *
 * Seeded: CXPULSE_FUZZ_SEED=<n> replays a run (the seed is printed and recorded). CI uses a
 * fixed seed; CXPULSE_RELIABILITY_LONG=1 runs ten times as many cases with a fresh seed.
 */
const SEED = Number(
  process.env['CXPULSE_FUZZ_SEED'] ?? (LONG ? Math.floor(Math.random() * 2 ** 31) : 20261123),
)
const SCALE = LONG ? 10 : 1
const FILE = 'test/reliability/security.fuzz.integration.test.ts'
const MAX_BODY = 256 * 1024
const MAX_EVENTS = 100
const MAX_FUTURE_MS = 5 * 60_000

describe('security: fuzzed ingest bodies', () => {
  const { kafka, brokers } = testKafka()
  const key = generateApiKey()
  const prefix = uniqueName('secfuzz')
  const { logger, lines } = capturingLogger('ingest-fuzz', 'info')
  let ingest: IngestHandle

  beforeAll(async () => {
    ingest = await startIngest(
      {
        ...DEFAULT_INGEST_CONFIG,
        host: '127.0.0.1',
        port: 0,
        topicPrefix: prefix,
        apiKeys: {},
        maxBodyBytes: MAX_BODY,
        maxEvents: MAX_EVENTS,
        eventTime: { maxFutureMs: MAX_FUTURE_MS, lateHorizonMs: null },
        ratePerSec: 1e9,
        rateBurst: 10_000_000,
        kafka: { brokers, clientId: uniqueName('secfuzz') },
        logLevel: 'info',
      },
      {
        kafka,
        logger,
        keys: createKeyStore([
          { id: 'fuzz-1', tenant_id: 'fuzz', hash: key.hash, scopes: ['ingest'] },
        ]),
      },
    )
  })

  afterAll(async () => {
    await ingest?.stop()
  })

  it('answers every fuzzed body with a 4xx or a 202 for valid events only; nothing invalid lands', async () => {
    // One valid event of every type (and every survey kind), from the simulator.
    const now = Date.now()
    // Lifecycle changes are rare in a few hours of believable traffic: the customer history has them.
    const sim = createSimulator({ seed: SEED })
    const from = new Date(now - 6 * 3600_000)
    const simulated = [...sim.history(from), ...sim.eventsBetween(from, new Date(now - 3600_000))]
    const bases = new Map<string, CxEventInput>()
    for (const e of simulated) {
      const k = e.type === 'survey.response' ? `survey.${e.kind}` : e.type
      if (!bases.has(k)) bases.set(k, e)
    }
    const nps = bases.get('survey.nps') as Record<string, unknown> | undefined
    if (nps && !bases.has('survey.csat'))
      bases.set('survey.csat', { ...nps, kind: 'csat', score: 4 } as CxEventInput)
    if (nps && !bases.has('survey.ces'))
      bases.set('survey.ces', {
        ...nps,
        kind: 'ces',
        score: 2,
        orientation: 'effort',
      } as CxEventInput)
    if (nps && !bases.has('survey.sent'))
      bases.set('survey.sent', {
        event_id: randomUUID(),
        type: 'survey.sent',
        occurred_at: nps['occurred_at'],
        customer_id: nps['customer_id'],
        survey_id: 'fuzz-survey',
        kind: 'nps',
      } as CxEventInput)
    const signedUp = bases.get('customer.signed_up')
    if (signedUp && !bases.has('customer.referred'))
      bases.set('customer.referred', {
        ...signedUp,
        event_id: randomUUID(),
        type: 'customer.referred',
      } as CxEventInput)
    expect(new Set([...bases.values()].map((e) => e.type))).toEqual(new Set(EVENT_TYPES))
    const baseList = [...bases.values()] as unknown as Record<string, unknown>[]

    // --- what happened ---------------------------------------------------------------------
    const statuses = new Tally()
    const families = new Map<string, Tally>()
    /** event_id → how many times a 202 accepted it (what Kafka must hold, exactly). */
    const accepted = new Map<string, number>()
    const acceptedInvalid: string[] = []
    const validRefused: string[] = []
    const crashes: string[] = []
    let last = ''

    /** The body's events as ingest would split them, or undefined when it is not a batch body. */
    const eventsOf = (body: string, ndjson: boolean): unknown[] | undefined => {
      if (ndjson) {
        return body
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => {
            try {
              return JSON.parse(l) as unknown
            } catch {
              return Symbol('not json')
            }
          })
      }
      try {
        const v = JSON.parse(body.replace(/^\uFEFF/, '')) as unknown
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          return 'events' in v && Array.isArray((v as { events: unknown }).events)
            ? (v as { events: unknown[] }).events
            : [v]
        }
      } catch {
        // not JSON
      }
      return undefined
    }

    /**
     * Sends one body and checks the answer against the contracts' parser. Returns whether the
     * answer was acceptable; every outcome is tallied.
     */
    async function post(
      family: string,
      body: string | Uint8Array,
      o: { contentType?: string; headers?: Record<string, string>; mustAccept?: boolean } = {},
    ): Promise<boolean> {
      const contentType = o.contentType ?? 'application/json'
      let status: number
      let text = ''
      try {
        const res = await fetch(`${ingest.url}/v1/events`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key.key}`,
            'content-type': contentType,
            ...o.headers,
          },
          body,
        })
        status = res.status
        text = await res.text()
      } catch (error) {
        crashes.push(`${family}: ${(error as Error).message} (${String((error as Error).cause)})`)
        statuses.add('dropped')
        last = 'dropped'
        return false
      }
      statuses.add(status)
      last = String(status)
      let fam = families.get(family)
      if (!fam) families.set(family, (fam = new Tally()))
      fam.add(status)
      if (status >= 500) return false
      const answeredAt = Date.now()
      const ndjson = /ndjson|jsonl|jsonlines/i.test(contentType)
      const decoded = typeof body === 'string' ? body : utf8(body)
      const events = decoded === undefined ? undefined : eventsOf(decoded, ndjson)
      if (status === 202) {
        if (!events) {
          acceptedInvalid.push(`${family}: 202 for a body that is no batch`)
          return false
        }
        const answer = JSON.parse(text) as { accepted: number; rejected: { index: number }[] }
        const rejected = new Set(answer.rejected.map((r) => r.index))
        let ok = true
        let count = 0
        events.forEach((e, i) => {
          if (rejected.has(i)) return
          count++
          // Ingest's clock read the request before `answeredAt`: anything it may accept passes here.
          const parsed = parseEvent(e, { now: answeredAt, maxFutureMs: MAX_FUTURE_MS })
          const tenant = (e as { tenant_id?: unknown } | null)?.tenant_id
          if (!parsed.ok || (tenant !== undefined && tenant !== 'fuzz')) {
            ok = false
            acceptedInvalid.push(`${family}: ${JSON.stringify(e)?.slice(0, 200)}`)
            return
          }
          accepted.set(parsed.event.event_id, (accepted.get(parsed.event.event_id) ?? 0) + 1)
        })
        if (count !== answer.accepted) {
          acceptedInvalid.push(`${family}: says ${answer.accepted} accepted, ${count} not rejected`)
          ok = false
        }
        return ok
      }
      if (status < 400) return false
      // A body of one event the parser calls valid must not be refused (JSON, within limits).
      if (o.mustAccept && events?.length === 1) {
        const parsed = parseEvent(events[0], {
          now: Date.now(),
          maxFutureMs: MAX_FUTURE_MS - 10_000,
        })
        const tenant = (events[0] as { tenant_id?: unknown }).tenant_id
        if (parsed.ok && (tenant === undefined || tenant === 'fuzz')) {
          validRefused.push(`${family} ${status}: ${text.slice(0, 200)}`)
          return false
        }
      }
      return true
    }

    const failures: string[] = []
    const timings: string[] = []
    let familyIndex = 0
    async function run<T>(
      family: string,
      arb: fc.Arbitrary<T>,
      numRuns: number,
      f: (v: T) => Promise<boolean>,
    ) {
      const started = Date.now()
      const details = await fc.check(fc.asyncProperty(arb, f), {
        numRuns,
        seed: SEED + familyIndex++,
      })
      timings.push(`${family} ${Date.now() - started} ms`)
      if (details.failed) {
        const shown = JSON.stringify(details.counterexample, (_k, v: unknown) =>
          v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('hex')}` : v,
        )
        failures.push(`${family}: ${shown?.slice(0, 300)} (${String(details.errorInstance ?? '')})`)
      }
    }

    // --- generators --------------------------------------------------------------------------
    const fresh = (e: Record<string, unknown>) => ({ ...e, event_id: randomUUID() })
    const base = fc.constantFrom(...baseList)
    const at = (ms: number) => new Date(Date.now() + ms).toISOString()
    const hugeString = fc
      .constantFrom(63, 64, 65, 127, 128, 129, 3999, 4000, 4001, 70_000)
      .chain((n) => fc.constantFrom('x', 'é', '😀', '\u0000', '\u202e').map((c) => c.repeat(n)))
    const anyChar16 = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 40,
    })
    const value = fc.oneof(
      // wrong types
      fc.constantFrom(null, true, false, 0, -1, 1.5, '', ' ', [], {}, '0', 'NaN', 1e308, -0, [1], {
        $gt: '',
      }),
      // scores and amounts out of scale
      fc.integer({ min: -1000, max: 1000 }),
      fc.double(),
      // ids
      fc.uuid(),
      fc.uuid().map((u) => u.toUpperCase()),
      fc.uuid().map((u) => `{${u}}`),
      fc.uuid().map((u) => u.replaceAll('-', '')),
      fc.uuid().map((u) => ` ${u}`),
      // text: arbitrary, lone surrogates and control characters, huge
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      anyChar16,
      hugeString,
      // times: far past and future, just inside and outside the future limit, malformed
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc
        .constantFrom(
          -86_400_000,
          60_000,
          4 * 60_000,
          6 * 60_000,
          86_400_000,
          10 * 365 * 86_400_000,
        )
        .map(at),
      fc.constantFrom(
        '1999-12-31T23:59:59Z',
        '2026-13-01T00:00:00Z',
        '2026-11-23T10:00:00',
        '2026-11-23',
        '2026-11-23T25:00:00Z',
        '+275760-09-13T00:00:00.000Z',
        'now',
      ),
      // structures
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
      fc.jsonValue({ maxDepth: 3 }),
      fc.constant(undefined), // the field removed
    )
    const fieldOf = (e: Record<string, unknown>) =>
      fc.constantFrom(
        ...Object.keys(e),
        'tenant_id',
        'kind',
        'scale_min',
        'scale_max',
        'positive_min',
        'orientation',
        'comment',
        'ticket_id',
        'survey_id',
        'amount',
        'currency',
        'criteria',
        'received_at',
        'schema_version',
        'unknown_field',
        'dimensions.channel',
        'dimensions.locale',
        'dimensions.unknown',
        '__proto__',
      )
    const mutated = base.chain((e) =>
      fc.tuple(fc.constant(e), fieldOf(e), value).map(([ev, field, v]) => {
        const out: Record<string, unknown> = fresh(ev)
        if (field.startsWith('dimensions.')) {
          out['dimensions'] = { ...(ev['dimensions'] as object), [field.slice(11)]: v }
        } else if (field === '__proto__') {
          Object.defineProperty(out, '__proto__', { value: v, enumerable: true })
        } else out[field] = v
        return { field, event: out }
      }),
    )
    const eventish = fc.oneof(
      base.map(fresh),
      mutated.map((m) => m.event),
      fc.jsonValue({ maxDepth: 3 }),
    )

    // --- 1. arbitrary JSON -------------------------------------------------------------------
    await run('arbitrary JSON', fc.jsonValue(), 150 * SCALE, async (v) =>
      post('arbitrary JSON', JSON.stringify(v) ?? 'null'),
    )
    // --- 2. a valid event with one field mutated (every type) --------------------------------
    await run('one field mutated', mutated, 300 * SCALE, async (m) =>
      post('one field mutated', JSON.stringify(m.event), { mustAccept: true }),
    )
    // --- 3. batches mixing valid, mutated and arbitrary events -------------------------------
    await run(
      'mixed batch',
      fc.tuple(
        fc.array(eventish, { maxLength: 20 }),
        fc.option(
          fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
        ),
      ),
      60 * SCALE,
      async ([events, extra]) => post('mixed batch', JSON.stringify({ events, ...extra })),
    )
    // --- 4. NDJSON with valid, invalid and broken lines --------------------------------------
    await run(
      'NDJSON',
      fc.array(
        fc.oneof(
          eventish.map((e) => JSON.stringify(e) ?? ''),
          fc.string({ maxLength: 60 }),
          fc.constant('{"event_id":'),
        ),
        { maxLength: 15 },
      ),
      50 * SCALE,
      async (ls) => post('NDJSON', ls.join('\n'), { contentType: 'application/x-ndjson' }),
    )
    // --- 5. raw bytes, and valid JSON with invalid UTF-8 spliced in --------------------------
    await run(
      'raw bytes',
      fc.oneof(
        fc.uint8Array({ maxLength: 400 }),
        fc
          .tuple(base, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 }))
          .map(([e, i, junk]) => {
            const text = Buffer.from(JSON.stringify(fresh(e)))
            const at = i % text.length
            return new Uint8Array(
              Buffer.concat([
                text.subarray(0, at),
                Buffer.from(junk.map((b) => b | 0x80)),
                text.subarray(at),
              ]),
            )
          }),
      ),
      50 * SCALE,
      async (bytes) => post('raw bytes', bytes),
    )
    // --- 6. content types and encodings -------------------------------------------------------
    await run(
      'content type',
      fc.tuple(
        base,
        fc.oneof(
          fc.constantFrom(
            'text/plain',
            'application/xml',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/json+evil',
            'application/javascript',
            '*/*',
            'APPLICATION/JSON',
            'application/json; charset=utf-16',
            'application/x-ndjson',
          ),
          fc
            .string({ unit: 'grapheme-ascii', maxLength: 40 })
            .filter((s) => /^[\x20-\x7e]*$/.test(s)),
        ),
        fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 3 },
          fc.constantFrom('gzip', 'deflate', 'br', 'identity, gzip', 'identity'),
        ),
      ),
      40 * SCALE,
      async ([e, type, encoding]) => {
        const r = await post('content type', JSON.stringify(fresh(e)), {
          contentType: type,
          ...(encoding ? { headers: { 'content-encoding': encoding } } : {}),
        })
        return r
      },
    )

    // --- 7. hand-picked hostile bodies -------------------------------------------------------
    const one = fresh(baseList[0]!)
    const fixed: [string, string | Uint8Array, string?][] = [
      ['deeply nested array', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
      ['deeply nested object', `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`],
      [
        'deeply nested events',
        JSON.stringify({
          events: [
            {
              ...one,
              dimensions: JSON.parse(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`) as unknown,
            },
          ],
        }),
      ],
      [
        'body over the limit',
        JSON.stringify({ events: [{ ...one, comment: 'x'.repeat(MAX_BODY) }] }),
      ],
      ['10 MB body', 'x'.repeat(10 * 1024 * 1024)],
      [
        'too many events',
        JSON.stringify({ events: Array.from({ length: MAX_EVENTS + 1 }, () => fresh(one)) }),
      ],
      ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
      ['overlong UTF-8 quote', new Uint8Array([0x7b, 0xc0, 0xa2, 0x7d])],
      ['UTF-16 body', new Uint8Array(Buffer.from(JSON.stringify(one), 'utf16le'))],
      ['truncated JSON', JSON.stringify(one).slice(0, 40)],
      ['empty body', ''],
      ['whitespace body', ' \n\t '],
      ['BOM only', '\uFEFF'],
      ['NUL bytes', `{"event_id":"\u0000"}`],
      ['JSON null', 'null'],
      ['events not an array', '{"events":{"length":1,"0":{}}}'],
      ['empty batch', '{"events":[]}'],
      [
        'duplicate keys',
        `{"tenant_id":"fuzz",${JSON.stringify(one).slice(1, -1)},"tenant_id":"globex"}`,
      ],
      ['__proto__ tenant', `{"__proto__":{"tenant_id":"globex"},${JSON.stringify(one).slice(1)}`],
      [
        'constructor.prototype',
        `{"constructor":{"prototype":{"polluted":1}},${JSON.stringify(one).slice(1)}`,
      ],
    ]
    const fixedStatuses: string[] = []
    let started = Date.now()
    for (const [name, body, type] of fixed) {
      await post('hand-picked', body, type ? { contentType: type } : {})
      fixedStatuses.push(`${name}: ${last}`)
    }
    timings.push(`hand-picked ${Date.now() - started} ms`)
    started = Date.now()
    const polluted =
      ({} as Record<string, unknown>)['tenant_id'] !== undefined ||
      ({} as Record<string, unknown>)['polluted'] !== undefined

    // --- 8. malformed HTTP, sent over a raw socket ------------------------------------------
    const { host } = new URL(ingest.url)
    const head = (extra: string) =>
      `POST /v1/events HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${key.key}\r\n${extra}`
    const raw: [string, string, { halfClose?: boolean }?][] = [
      [
        'bad chunk size',
        `${head('transfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n')}ZZ\r\nabc\r\n0\r\n\r\n`,
      ],
      [
        'content-length and chunked',
        `${head('content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n')}0\r\n\r\n`,
      ],
      ['two content-lengths', `${head('content-length: 2\r\ncontent-length: 4\r\n\r\n')}{}{}`],
      ['negative content-length', `${head('content-length: -1\r\n\r\n')}{}`],
      ['header too large', `${head(`x-pad: ${'a'.repeat(64 * 1024)}\r\n\r\n`)}`],
      ['not HTTP', 'HELLO\r\n\r\n'],
      [
        'upload cut short',
        `${head('content-length: 1000\r\ncontent-type: application/json\r\n\r\n')}{"event_id":`,
        { halfClose: true },
      ],
    ]
    const rawStatuses: string[] = []
    const rawTally = new Tally()
    for (const [name, bytes, o] of raw) {
      const s = await rawRequest(ingest.url, bytes, o)
      rawTally.add(s)
      rawStatuses.push(`${name}: ${s}`)
    }
    // A lying client may be answered with a 4xx or hung up on — never a 5xx, never a hang.
    timings.push(`raw HTTP ${Date.now() - started} ms`)
    started = Date.now()
    const rawBad = rawStatuses.filter((s) => / (5\d\d|timeout)$/.test(s))

    // --- the ledger: what reached Kafka ------------------------------------------------------
    const health = await fetch(`${ingest.url}/healthz`).then(
      (r) => r.status,
      () => 0,
    )
    const names = topicNames(prefix)
    const messages = await readWholeTopicEvents(kafka, [
      names.surveys,
      names.tickets,
      names.customers,
      names.qa,
    ])
    timings.push(`reading Kafka ${Date.now() - started} ms`)
    const onKafka = new Map<string, number>()
    const invalidOnKafka: string[] = []
    for (const m of messages) {
      const parsed = parseEnrichedEvent(m.value)
      if (!parsed.ok || parsed.event.tenant_id !== 'fuzz') {
        invalidOnKafka.push(m.value.slice(0, 200))
        continue
      }
      onKafka.set(parsed.event.event_id, (onKafka.get(parsed.event.event_id) ?? 0) + 1)
    }
    const unexpected = [...onKafka]
      .filter(([id, n]) => (accepted.get(id) ?? 0) < n)
      .map(([id]) => id)
    const missing = [...accepted].filter(([id, n]) => (onKafka.get(id) ?? 0) < n).map(([id]) => id)
    const acceptedTotal = [...accepted.values()].reduce((a, b) => a + b, 0)
    const serverErrors = lines.filter((l) => /"level":50/.test(l))
    const fiveXX = statuses.count((s) => s.startsWith('5'))

    const pass =
      failures.length === 0 &&
      fiveXX === 0 &&
      crashes.length === 0 &&
      acceptedInvalid.length === 0 &&
      validRefused.length === 0 &&
      invalidOnKafka.length === 0 &&
      unexpected.length === 0 &&
      missing.length === 0 &&
      rawBad.length === 0 &&
      serverErrors.length === 0 &&
      !polluted &&
      health === 200
    const summary =
      `[security fuzz] seed ${SEED}: ${statuses.total} requests (${statuses}); ` +
      [...families].map(([f, t]) => `${f}: ${t}`).join('; ') +
      `; raw HTTP: ${rawStatuses.join(', ')}; hand-picked: ${fixedStatuses.join(', ')}; ` +
      `${acceptedTotal} events accepted, ${messages.length} on Kafka; ${timings.join(', ')}`
    console.error(summary)
    for (const l of serverErrors) console.error(`[security fuzz] error logged: ${l.slice(0, 400)}`)
    await recordReliability({
      id: 'fuzz-ingest',
      category: 'security',
      fault: 'fuzzed ingest bodies',
      injection:
        `fast-check, seed ${SEED}: ${statuses.total} POST /v1/events — arbitrary JSON, one field of a valid event of each of the ${EVENT_TYPES.length} types mutated ` +
        `(wrong types, out-of-scale scores, bad UUIDs, control characters, lone surrogates, huge strings, past/future/malformed times, prototype keys), ` +
        `mixed batches, NDJSON, raw and invalid UTF-8 bytes, content types and encodings, ${fixed.length} hand-picked bodies (100,000-deep nesting, 10 MB, over the limits, truncated, empty); ` +
        `${raw.length} malformed HTTP requests over a raw socket`,
      trials: statuses.total + raw.length,
      produced: acceptedTotal,
      counted: messages.length,
      lost: missing.length,
      duplicated: unexpected.length,
      verdict: pass ? 'pass' : 'fail',
      notes:
        `answers ${statuses}; raw HTTP ${rawTally}; 5xx ${fiveXX}; dropped ${crashes.length}; invalid events accepted ${acceptedInvalid.length}; ` +
        `valid single events refused ${validRefused.length}; invalid or foreign messages on Kafka ${invalidOnKafka.length}; ` +
        `Kafka holds exactly the ${acceptedTotal} events the 202s accepted (produced = accepted, counted = messages on the topics); ` +
        `error-level log lines ${serverErrors.length}; /healthz after: ${health}.` +
        (failures.length ? ` Counterexamples: ${failures.join(' | ')}` : ''),
      test: FILE,
    })
    expect(failures).toEqual([])
    expect(crashes).toEqual([])
    expect(fiveXX).toBe(0)
    expect(acceptedInvalid).toEqual([])
    expect(validRefused).toEqual([])
    expect(invalidOnKafka).toEqual([])
    expect(unexpected).toEqual([])
    expect(missing).toEqual([])
    expect(rawBad).toEqual([])
    expect(serverErrors).toEqual([])
    expect(polluted).toBe(false)
    expect(health).toBe(200)
    expect(acceptedTotal).toBeGreaterThan(0)
  }, 600_000)
})

const decoder = new TextDecoder('utf-8', { fatal: true })
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes)
  } catch {
    return undefined
  }
}
