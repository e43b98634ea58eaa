// Types for chart.js (a plain browser module; this file is for the TypeScript tests only).
export interface SeriesPoint {
  at: string
  value: number | null
  n: number
  ci95?: [number, number] | null
}
export interface ChartOptions {
  from: string
  to: string
  intervalMs: number
  tickMs: number
  domain: [number, number]
  minSpan?: number
}
export interface ChartModel {
  empty: boolean
  width: number
  height: number
  plot: { left: number; right: number; top: number; bottom: number }
  yTicks: { y: number; label: string }[]
  xTicks: { x: number; label: string }[]
  linePath: string
  bandPaths: string[]
  points: {
    x: number
    y: number
    at: string
    value: number
    n: number
    ci95: [number, number] | null
  }[]
}
export const SIZE: {
  width: number
  height: number
  left: number
  right: number
  top: number
  bottom: number
}
export function niceTicks(
  lo: number,
  hi: number,
  target?: number,
): { lo: number; hi: number; step: number; ticks: number[] }
export function chartModel(series: readonly SeriesPoint[], o: ChartOptions): ChartModel
export function renderChart(
  model: ChartModel,
  o: { title: string; unit: string; describe: (p: ChartModel['points'][number]) => string },
): unknown
