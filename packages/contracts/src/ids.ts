import { createHash } from 'node:crypto'

/**
 * A UUID-shaped id derived from its parts (SHA-256, version nibble 5): the same parts always
 * give the same id. Used where a retry or a second instance must name the same thing the
 * same way — an event re-sent from the same file line, an alert incident.
 */
export function deterministicUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}
