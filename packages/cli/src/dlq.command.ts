import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { parseEnv, kafkaEnv } from '@cxpulse/config'
import { deadLetterSchema, topicNames, type DeadLetter } from '@cxpulse/contracts'
import { createIdempotentProducer, createKafka } from '@cxpulse/kafka'
import { createLogger } from '@cxpulse/logger'

export const dlqHelp = `Usage: cxpulse dlq [inspect|replay] [options]

The processor sends what it cannot count to the dead-letter topic, with the original
message and a machine-readable reason. "inspect" (the default) counts them by reason and
shows samples; "replay" sends the original messages back to their topics — after a fix, so
the processor reads them again. Replaying twice is safe: the processor counts each event_id
once. Without --yes, replay only says what it would send.

Options:
  --brokers LIST        Kafka bootstrap servers (default: $KAFKA_BROKERS)
  --topic-prefix P      topic prefix of the pipeline (default cxpulse)
  --reason R            only dead letters with this reason (e.g. schema, too_late)
  --topic T             only dead letters from this original topic
  --limit N             samples shown by inspect (default 10)
  --yes                 replay for real
  -h, --help            this text`

export const dlqOptions = {
  brokers: { type: 'string' },
  'topic-prefix': { type: 'string' },
  reason: { type: 'string' },
  topic: { type: 'string' },
  limit: { type: 'string' },
  yes: { type: 'boolean' },
} as const

export const dlqFlags = z.object({
  _: z.array(z.enum(['inspect', 'replay'], { message: 'expected inspect or replay' })).max(1),
  brokers: z.string().min(1).optional(),
  'topic-prefix': z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/)
    .default('cxpulse'),
  reason: z.string().min(1).optional(),
  topic: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(0).max(1000).default(10),
  yes: z.boolean().default(false),
})

/** Every dead letter currently in the topic (read from the start to the end offsets seen now). */
async function readDeadLetters(kafka: ReturnType<typeof createKafka>, topic: string) {
  const admin = kafka.admin()
  await admin.connect()
  const ends = await admin.fetchTopicOffsets(topic)
  const pending = new Set(
    ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => e.partition),
  )
  const letters: DeadLetter[] = []
  let unreadable = 0
  if (pending.size > 0) {
    const groupId = `cxpulse-dlq-reader-${randomUUID()}`
    const consumer = kafka.consumer({ groupId })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((done) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const parsed = deadLetterSchema.safeParse(JSON.parse(String(message.value ?? 'null')))
          if (parsed.success) letters.push(parsed.data)
          else unreadable++
          const end = ends.find((e) => e.partition === partition)!
          if (BigInt(message.offset) >= BigInt(end.high) - 1n) pending.delete(partition)
          if (pending.size === 0) done()
        },
      })
    })
    await consumer.disconnect()
    await admin.deleteGroups([groupId]).catch(() => undefined)
  }
  await admin.disconnect()
  return { letters, unreadable }
}

export async function runDlq(flags: z.output<typeof dlqFlags>): Promise<number> {
  const action = flags._[0] ?? 'inspect'
  const brokers = flags.brokers?.split(',') ?? parseEnv(kafkaEnv).KAFKA_BROKERS
  if (!brokers || brokers.length === 0) {
    console.error('cxpulse dlq: give --brokers or set KAFKA_BROKERS')
    return 2
  }
  const kafka = createKafka(
    { brokers, clientId: 'cxpulse-dlq' },
    createLogger({ name: 'dlq', level: 'error' }),
  )
  const dlqTopic = topicNames(flags['topic-prefix']).deadLetter
  const { letters, unreadable } = await readDeadLetters(kafka, dlqTopic)
  const chosen = letters.filter(
    (l) =>
      (!flags.reason || l.reason === flags.reason) && (!flags.topic || l.topic === flags.topic),
  )
  const byReason = new Map<string, number>()
  for (const l of chosen) byReason.set(l.reason, (byReason.get(l.reason) ?? 0) + 1)
  console.log(
    `${dlqTopic}: ${letters.length} dead letters${unreadable ? ` (+${unreadable} unreadable)` : ''}, ${chosen.length} selected`,
  )
  for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1]))
    console.log(`  ${reason.padEnd(24)} ${n}`)

  if (action === 'inspect') {
    for (const l of chosen.slice(0, flags.limit)) {
      const why = l.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')
      console.log(
        `\n${l.topic}[${l.partition}]@${l.offset} ${l.reason} at ${l.at}${why ? `\n  ${why}` : ''}`,
      )
      console.log(
        `  ${l.raw_encoding === 'utf8' ? l.raw.slice(0, 200) : `(base64, ${l.raw.length} chars)`}`,
      )
    }
    return 0
  }
  if (!flags.yes) {
    console.log(
      `\nwould replay ${chosen.length} messages to their original topics; add --yes to do it`,
    )
    return 0
  }
  const producer = createIdempotentProducer(kafka)
  await producer.connect()
  try {
    for (let i = 0; i < chosen.length; i += 500) {
      const byTopic = new Map<string, { key: string | null; value: Buffer }[]>()
      for (const l of chosen.slice(i, i + 500)) {
        const value = Buffer.from(l.raw, l.raw_encoding === 'base64' ? 'base64' : 'utf8')
        byTopic.set(l.topic, [...(byTopic.get(l.topic) ?? []), { key: l.key ?? null, value }])
      }
      await producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      })
    }
  } finally {
    await producer.disconnect()
  }
  console.log(`\nreplayed ${chosen.length} messages`)
  return 0
}
