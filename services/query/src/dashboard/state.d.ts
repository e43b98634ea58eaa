// Types for state.js (a plain browser module; this file is for the TypeScript tests only).
export const DIMENSIONS: readonly string[]
export interface ViewState {
  page: string
  window: string
  from?: string
  to?: string
  filters: Record<string, string>
  by: string
  metric?: string
  sort?: string
  dir: 'asc' | 'desc'
  customer?: string
}
export function parseState(search: string): ViewState
export function toSearch(state: ViewState): string
