export { createClickHouse, assertIdentifier } from './client.ts'
export type { ClickHouse, ClickHouseConfig, ClickHouseMode } from './client.ts'
export {
  runMigrations,
  MigrationError,
  loadMigrations,
  DEFAULT_MIGRATIONS_DIR,
} from './migrations.ts'
export type { Migration, MigrationResult } from './migrations.ts'
export { queryRows } from './query.ts'
export type { NamedQuery } from './query.ts'
