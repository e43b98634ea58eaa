import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { commands } from './commands.ts'

/** The zod type under defaults, optionals and transforms: what parseArgs must deliver. */
function base(type: z.ZodType): string {
  const def = (type as unknown as { _zod: { def: Record<string, unknown> } })._zod.def
  if (['default', 'prefault', 'optional', 'nullable'].includes(def['type'] as string)) {
    return base(def['innerType'] as z.ZodType)
  }
  if (def['type'] === 'pipe') return base(def['in'] as z.ZodType)
  return def['type'] as string
}

describe('the command table', () => {
  it.each(Object.entries(commands))(
    '%s: every flag has a parseArgs option of the right kind, and every option a flag',
    (_name, command) => {
      const shape = command.flags.shape as Record<string, z.ZodType>
      const options = command.options ?? {}
      const flags = Object.keys(shape).filter((k) => k !== '_')
      expect(Object.keys(options).sort()).toEqual([...flags].sort())
      for (const flag of flags) {
        const kind = base(shape[flag]!)
        const option = options[flag]!
        expect({ flag, multiple: option.multiple === true }).toEqual({
          flag,
          multiple: kind === 'array',
        })
        expect({ flag, type: option.type }).toEqual({
          flag,
          type: kind === 'boolean' ? 'boolean' : 'string',
        })
      }
    },
  )

  it('every command has help that starts with its usage line', () => {
    for (const [name, command] of Object.entries(commands)) {
      expect(command.help).toMatch(new RegExp(`^Usage: cxpulse ${name}\\b`))
    }
  })
})
