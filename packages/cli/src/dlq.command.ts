import { createHash, randomUUID } from 'node:crypto'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { kafkaEnv, parseEnv } from '@cxpulse/config'
import {
  DEFAULT_TOPIC_PREFIX,
  deadLetterSchema,
  parseEnrichedEvent,
  RECORD_FORMAT,
  RECORD_FORMAT_HEADER,
  recordLines,
  topicNames,
  type DeadLetter,
} from '@cxpulse/contracts'
import { createIdempotentProducer, createKafka } from '@cxpulse/kafka'
import { localKafkaStatus } from '@cxpulse/local-kafka'
import { createLogger } from '@cxpulse/logger'
import { cliEnvironment } from './cli.env.ts'

export const dlqHelp = `Usage: cxpulse dlq [inspect|replay] [options]

Reads the dead-letter topic (<prefix>.dead-letter.v1: everything the processor could not count,
with the reason; see services/processor/README.md) from its start to its current end.

  inspect (default)   counts by reason and by original topic, and the newest samples per
                      reason with the original topic, partition, offset and errors
  replay              re-produces the original raw values, with their original keys, to their
                      original topics, after a fix. A dry run unless --yes. Safe to repeat:
                      each distinct message is replayed once per run, the raw value keeps its
                      event_id and received_at, and the processor skips an event_id it
                      already counted; a message that still fails is dead-lettered again.

Options:
  --brokers H:P[,H:P]   Kafka brokers (default: $KAFKA_BROKERS, else the local broker that
                        "cxpulse start" runs for --data-dir)
  --data-dir DIR        the local broker's data dir (default .data)
  --topic-prefix P      topic prefix (default ${DEFAULT_TOPIC_PREFIX})
  --reason R            only dead letters with this reason (repeatable)
  --topic T             only dead letters from this original topic (repeatable)
  --samples N           samples per reason for inspect (default 3)
  --json                inspect: print the counts and samples as JSON
  --yes                 replay: really produce (otherwise only say what would be replayed)
  --timeout-ms N        give up reading after this long without progress (default 20000)
  -h, --help            this text`

export const dlqOptions = {
  brokers: { type: 'string' },
  'data-dir': { type: 'string' },
  'topic-prefix': { type: 'string' },
  reason: { type: 'string', multiple: true },
  topic: { type: 'string', multiple: true },
  samples: { type: 'string' },
  json: { type: 'boolean' },
  yes: { type: 'boolean' },
  'timeout-ms': { type: 'string' },
} as const

export const dlqFlags = z.object({
  _: z
    .array(z.enum(['inspect', 'replay'], { message: 'expected inspect or replay' }))
    .max(1, 'give at most one action')
    .default([]),
  brokers: z
    .string()
    .transform((s) => s.split(',').map((b) => b.trim()))
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected HOST:PORT')).min(1))
    .optional(),
  'data-dir': z.string().min(1).default('.data'),
  'topic-prefix': z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'must be 1-200 of [A-Za-z0-9._-]')
    .default(DEFAULT_TOPIC_PREFIX),
  reason: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a snake_case reason')).default([]),
  topic: z.array(z.string().min(1)).default([]),
  samples: z.coerce.number().int().min(0).max(1000).default(3),
  json: z.boolean().default(false),
  yes: z.boolean().default(false),
  'timeout-ms': z.coerce.number().int().min(100).max(600_000).default(20_000),
})
export type DlqFlags = z.output<typeof dlqFlags>

/** One record of the dead-letter topic and where it sits there. */
interface DeadLetterRecord {
  partition: number
  offset: string
  letter: DeadLetter | undefined
  /** Why the record itself could not be read (not a dead-letter record). */
  error?: string
}

type Kafka = ReturnType<typeof createKafka>

/**
 * Every record of `topic` up to the end each partition had when reading began. A throwaway
 * consumer group without commits reads it; `idleMs` bounds a read that stops progressing.
 */
async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  idleMs: number,
): Promise<{ records: DeadLetterRecord[]; complete: boolean }> {
  const admin = kafka.admin()
  await admin.connect()
  let ends: Map<number, bigint>
  try {
    if (!(await admin.listTopics()).includes(topic)) return { records: [], complete: true }
    const offsets = await admin.fetchTopicOffsets(topic)
    ends = new Map(
      offsets
        .filter((o) => BigInt(o.high) > BigInt(o.low))
        .map((o) => [o.partition, BigInt(o.high)]),
    )
  } finally {
    await admin.disconnect()
  }
  const records: DeadLetterRecord[] = []
  if (ends.size === 0) return { records, complete: true }

  const groupId = `cxpulse-dlq-${randomUUID()}`
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false })
  const remaining = new Set(ends.keys())
  let progressAt = Date.now()
  let finish!: () => void
  const finished = new Promise<void>((r) => (finish = r))
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition)
        if (end === undefined) return
        for (const m of batch.messages) {
          if (BigInt(m.offset) >= end) continue
          progressAt = Date.now()
          const rec: DeadLetterRecord = {
            partition: batch.partition,
            offset: m.offset,
            letter: undefined,
          }
          try {
            const parsed = deadLetterSchema.safeParse(JSON.parse(m.value?.toString('utf8') ?? ''))
            if (parsed.success) rec.letter = parsed.data
            else
              rec.error = parsed.error.issues
                .map((i) => `${i.path.join('.')}: ${i.message}`)
                .join('; ')
          } catch (error) {
            rec.error = `not JSON: ${(error as Error).message}`
          }
          records.push(rec)
        }
        const last = batch.messages.at(-1)
        if (last && BigInt(last.offset) >= end - 1n) {
          remaining.delete(batch.partition)
          if (remaining.size === 0) finish()
        }
      },
    })
    const idle = setInterval(() => {
      if (Date.now() - progressAt > idleMs) finish()
    }, 250)
    await finished
    clearInterval(idle)
  } finally {
    await consumer.disconnect()
    const cleanup = kafka.admin()
    await cleanup
      .connect()
      .then(() => cleanup.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => cleanup.disconnect())
  }
  records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)))
  return { records, complete: remaining.size === 0 }
}

async function resolveBrokers(flags: DlqFlags): Promise<string[]> {
  if (flags.brokers) return flags.brokers
  const env = parseEnv(kafkaEnv)
  if (env.KAFKA_BROKERS) return env.KAFKA_BROKERS
  const local = await localKafkaStatus(join(resolve(flags['data-dir']), 'kafka'))
  if (local?.running) return [local.brokers]
  throw new DlqError(
    `no Kafka broker: give --brokers, set KAFKA_BROKERS, or run "cxpulse start" (no broker is running for ${flags['data-dir']})`,
  )
}

export class DlqError extends Error {
  override name = 'DlqError'
}

const countBy = <T>(xs: T[], key: (x: T) => string) => {
  const out = new Map<string, number>()
  for (const x of xs) out.set(key(x), (out.get(key(x)) ?? 0) + 1)
  return [...out].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
}

const rawBytes = (l: DeadLetter) =>
  Buffer.from(l.raw, l.raw_encoding === 'base64' ? 'base64' : 'utf8')

/**
 * The record a replay writes for a dead letter: a topic format v2 record. A letter about one
 * line of a multi-event record (it has `index`) holds just that line, so the replay is a record
 * of one event; a letter about a whole record (bad encoding) holds the whole value. The original
 * key goes with it: ingest keys a record by its first event and every event of the record maps
 * to the same partition, so the replay lands on the partition of the first copy, where the
 * processor drops an event_id it already counted.
 */
export function replayMessage(l: DeadLetter): {
  key: string | null
  value: Buffer
  headers: Record<string, string>
} {
  return {
    key: l.key ?? null,
    value: rawBytes(l),
    headers: { [RECORD_FORMAT_HEADER]: RECORD_FORMAT },
  }
}

/** Whether every event a letter holds passes the current event schema. */
const passesSchema = (l: DeadLetter) => {
  if (l.raw_encoding !== 'utf8') return false
  const lines = recordLines(l.raw)
  return lines.length > 0 && lines.every((line) => parseEnrichedEvent(line).ok)
}

/** The same original message dead-lettered several times (replays, batch replays) is one. */
const identity = (l: DeadLetter) =>
  createHash('sha256')
    .update(`${l.topic}\0${l.key ?? ''}\0${l.raw_encoding}\0${l.raw}`)
    .digest('hex')

export async function runDlq(flags: DlqFlags): Promise<number> {
  const action = flags._[0] ?? 'inspect'
  const topics = topicNames(flags['topic-prefix'])
  const logger = createLogger({
    name: 'cxpulse-dlq',
    level: cliEnvironment().LOG_LEVEL,
    destination: process.stderr,
  })
  const brokers = await resolveBrokers(flags)
  const kafka = createKafka({ brokers, clientId: 'cxpulse-dlq' }, logger)
  const { records, complete } = await readDeadLetters(kafka, topics.deadLetter, flags['timeout-ms'])
  if (!complete) {
    console.error(
      `cxpulse dlq: stopped reading ${topics.deadLetter} after ${flags['timeout-ms']} ms without progress; the numbers below are partial`,
    )
  }
  const unreadable = records.filter((r) => !r.letter)
  const letters = records
    .filter((r): r is DeadLetterRecord & { letter: DeadLetter } => r.letter !== undefined)
    .filter((r) => flags.reason.length === 0 || flags.reason.includes(r.letter.reason))
    .filter((r) => flags.topic.length === 0 || flags.topic.includes(r.letter.topic))
  const filtered = flags.reason.length > 0 || flags.topic.length > 0
  const distinct = new Map<string, DeadLetter>()
  for (const r of letters)
    if (!distinct.has(identity(r.letter))) distinct.set(identity(r.letter), r.letter)

  if (action === 'inspect') {
    const byReason = countBy(letters, (r) => r.letter.reason)
    const byTopic = countBy(letters, (r) => r.letter.topic)
    // Newest first: the offsets of one partition are in order, `at` orders across partitions.
    const newest = [...letters].sort((a, b) => (a.letter.at < b.letter.at ? 1 : -1))
    const samples = byReason.flatMap(([reason]) =>
      newest.filter((r) => r.letter.reason === reason).slice(0, flags.samples),
    )
    if (flags.json) {
      console.log(
        JSON.stringify(
          {
            topic: topics.deadLetter,
            total: letters.length,
            distinct: distinct.size,
            unreadable: unreadable.length,
            by_reason: Object.fromEntries(byReason),
            by_topic: Object.fromEntries(byTopic),
            samples: samples.map((s) => ({
              dead_letter: { partition: s.partition, offset: s.offset },
              ...s.letter,
            })),
          },
          null,
          2,
        ),
      )
      return 0
    }
    console.log(
      `${topics.deadLetter}: ${records.length - unreadable.length} dead letters, ${letters.length} selected, ${distinct.size} distinct messages${unreadable.length ? `, ${unreadable.length} unreadable records` : ''}`,
    )
    if (letters.length === 0) return 0
    console.log('by reason:')
    for (const [reason, n] of byReason) console.log(`  ${reason.padEnd(24)} ${n}`)
    console.log('by original topic:')
    for (const [topic, n] of byTopic) console.log(`  ${topic.padEnd(40)} ${n}`)
    if (samples.length > 0) console.log(`samples (newest ${flags.samples} per reason):`)
    for (const { letter: l } of samples) {
      console.log(
        `  ${l.topic} partition ${l.partition} offset ${l.offset}  ${l.reason}  at ${l.at}`,
      )
      for (const e of l.errors.slice(0, 3))
        console.log(`    ${e.path ? `${e.path}: ` : ''}${e.message}`)
      const raw = l.raw.length > 160 ? `${l.raw.slice(0, 160)}…` : l.raw
      console.log(
        `    raw${l.raw_encoding === 'base64' ? ' (base64)' : ''}: ${JSON.stringify(raw)}`,
      )
    }
    return 0
  }

  // Replay only to this deployment's event topics; anything else is not ours to write.
  const eventTopics = new Set([topics.surveys, topics.tickets, topics.customers, topics.qa])
  const replayable = [...distinct.values()].filter((l) => eventTopics.has(l.topic))
  const foreign = distinct.size - replayable.length
  const passing = replayable.filter(passesSchema).length
  const plan = countBy(replayable, (l) => l.topic)
  const summary = plan.map(([t, n]) => `${t} ${n}`).join(', ') || 'nothing'
  console.log(
    `${letters.length} dead letters${filtered ? ' (filtered)' : ''}, ${replayable.length} distinct messages to replay: ${summary}`,
  )
  console.log(
    `  ${passing} of them pass the current event schema; the processor decides on the rest (lateness, future, …)`,
  )
  if (foreign > 0)
    console.log(
      `  ${foreign} from topics that are not ${flags['topic-prefix']} event topics are left out`,
    )
  if (!flags.yes) {
    console.log(
      `dry run: would replay ${replayable.length} messages; nothing produced (run again with --yes)`,
    )
    return 0
  }
  if (replayable.length === 0) return 0
  const producer = createIdempotentProducer(kafka)
  await producer.connect()
  try {
    for (const [topic] of plan) {
      const messages = replayable.filter((l) => l.topic === topic).map(replayMessage)
      for (let i = 0; i < messages.length; i += 500) {
        await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) })
      }
    }
  } finally {
    await producer.disconnect()
  }
  console.log(
    `replayed ${replayable.length} messages; each event_id is counted once, and what still fails returns to ${topics.deadLetter}`,
  )
  return 0
}
