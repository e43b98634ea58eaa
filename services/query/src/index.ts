export { createQuery } from './query.ts'
export type { QueryDeps, QueryHandle } from './query.ts'
export {
  DEFAULT_CATCHING_UP_LAG,
  DEFAULT_QUERY_CONFIG,
  DEFAULT_QUERY_LIMITS,
  loadQueryConfig,
  queryEnv,
} from './config.ts'
export type { ProcessorLagConfig, QueryConfig, QueryLimits } from './config.ts'
export { buildOpenApi } from './openapi.ts'
