import { z } from 'zod'

/** Thrown when the environment does not satisfy a service's schema; names every bad variable. */
export class ConfigError extends Error {
  readonly problems: readonly { variable: string; message: string }[]
  constructor(problems: readonly { variable: string; message: string }[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
    )
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/**
 * Parses environment variables with a zod object schema whose keys are the variable names.
 * Collects every problem before failing so an operator fixes them all in one go.
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  // An empty variable (`KAFKA_BROKERS=` in a shell or compose file) means unset.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))
  const result = schema.safeParse(set)
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => ({
    variable: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }))
  throw new ConfigError(problems)
}

/** `true/false/1/0/yes/no` (any case) as a boolean, with a default when unset. */
export function envBoolean(defaultValue: boolean) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return defaultValue
      const s = v.trim().toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(s)) return true
      if (['0', 'false', 'no', 'off'].includes(s)) return false
      ctx.addIssue({ code: 'custom', message: `expected true/false, got "${v}"` })
      return z.NEVER
    })
}

/** A comma-separated list; empty entries are dropped. */
export function envList() {
  return z.string().transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  )
}

/**
 * Variables that no longer exist, each with what replaces it: set, they fail the parse with a
 * message naming the replacement instead of being silently ignored.
 */
export function retiredEnv<K extends string>(replacements: Record<K, string>) {
  const shape = {} as Record<K, z.ZodOptional<z.ZodUndefined>>
  for (const name of Object.keys(replacements) as K[]) {
    shape[name] = z.undefined({ error: `no longer used: ${replacements[name]}` }).optional()
  }
  return z.object(shape)
}
