export { DEFAULT_CHANNELS, createSimulator, diurnalFactor } from './simulator.ts'
export type { Simulator, SimulatorOptions, Incident } from './simulator.ts'
export { runSimulation } from './run.ts'
export type { SimulationStats } from './run.ts'
