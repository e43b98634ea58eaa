import { z } from 'zod'
import { logEnv, parseEnv } from '@cxpulse/config'

/** What the commands themselves read from the environment (services read theirs by schema). */
const cliEnv = z.object({
  /** The API key of send, import, query and simulate when no --key is given. */
  CXPULSE_API_KEY: z.string().min(1).optional(),
  /** Quieter than the services' default: a command's output is its answer. */
  LOG_LEVEL: logEnv.shape.LOG_LEVEL.unwrap().default('error'),
})

/** The commands' environment, parsed when a command runs; a ConfigError names a bad variable. */
export const cliEnvironment = (env: Record<string, string | undefined> = process.env) =>
  parseEnv(cliEnv, env)
