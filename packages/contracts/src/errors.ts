import type { z } from 'zod'

/** One broken rule: where (`dimensions.channel`, `criteria[2].weight`, `` for the whole body) and which. */
export interface FieldError {
  path: string
  message: string
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else out += out === '' ? String(seg) : `.${String(seg)}`
  }
  return out
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

/** Turns zod issues into `{path, message}` errors that name the field and the rule it broke. */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[], input?: unknown): FieldError[] {
  const out: FieldError[] = []
  for (const issue of issues) {
    const path = formatPath(issue.path)
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push({
            path: formatPath([...issue.path, key]),
            message: 'unknown field (not in the contract)',
          })
        }
        break
      case 'invalid_union': {
        const disc = (issue as { discriminator?: string; options?: unknown[] }).discriminator
        const options = (issue as { options?: unknown[] }).options
        if (disc && options) {
          const got = valueAt(input, issue.path)
          out.push({
            path,
            message:
              got === undefined
                ? `required; one of ${options.join(', ')}`
                : `unknown ${disc} ${JSON.stringify(got)}; expected one of ${options.join(', ')}`,
          })
        } else {
          out.push({ path, message: issue.message })
        }
        break
      }
      case 'invalid_type': {
        const got = valueAt(input, issue.path)
        out.push({
          path,
          message:
            got === undefined && issue.path.length > 0
              ? 'required'
              : /^Invalid input/.test(issue.message)
                ? `must be ${article(issue.expected)} ${issue.expected}, got ${describeType(got)}`
                : issue.message,
        })
        break
      }
      default:
        out.push({ path, message: issue.message })
    }
  }
  return out
}

function article(word: string) {
  return /^[aeiou]/.test(word) ? 'an' : 'a'
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<PropertyKey, unknown>)[seg]
  }
  return cur
}
