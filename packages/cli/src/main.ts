import { parseArgs } from 'node:util'
import { MigrationError } from '@cxpulse/clickhouse'
import { ConfigError } from '@cxpulse/config'
import { LocalKafkaError } from '@cxpulse/local-kafka'
import { commands } from './commands.ts'
import { DlqError } from './dlq.command.ts'

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

// A reader that went away (`cxpulse dlq --json | head`) is not an error of ours: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? 0)
  })
}

/**
 * Exits once stdout and stderr are written out: process.exit right after a large write to a
 * pipe cut the output at the pipe's buffer (64 KiB).
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code
  let pending = 2
  for (const stream of [process.stdout, process.stderr]) {
    stream.write('', () => {
      if (--pending === 0) process.exit(code)
    })
  }
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (error: unknown) => {
    const known =
      error instanceof ConfigError ||
      error instanceof MigrationError ||
      error instanceof LocalKafkaError ||
      error instanceof DlqError
    console.error(
      `cxpulse: ${known ? (error as Error).message : ((error as Error)?.stack ?? String(error))}`,
    )
    exitWhenFlushed(1)
  },
)
