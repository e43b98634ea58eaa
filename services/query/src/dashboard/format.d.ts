// Types for format.js (a plain browser module; this file is for the TypeScript tests only).
export interface WindowSpec {
  label: string
  ms: number
  interval: 'minute' | 'hour' | 'day'
  tickMs: number
}
export const WINDOWS: Readonly<Record<'1h' | '24h' | '7d' | '30d', WindowSpec>>
export const EMPTY: string
export function fixed(v: number, decimals: number): string
export function formatDuration(seconds: number): string
export function formatValue(unit: string | undefined, v: number | null | undefined): string
export function formatDelta(unit: string | undefined, d: number | null | undefined): string | null
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string
export function windowRange(name: keyof typeof WINDOWS, now?: number): { from: string; to: string }
export function keyFromHash(hash: string): string | null
export const MAX_CUSTOM_DAYS: number
export function spanLabel(ms: number): string
export function customWindow(fromMs: number, toMs: number): WindowSpec
export function customRange(
  fromInput: string,
  toInput: string,
): { from: string; to: string } | { error: string }
export function toLocalInput(ms: number): string
