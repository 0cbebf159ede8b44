export { sqliteStore } from './sqlite.js';
export type { SqliteStoreOptions } from './sqlite.js';
export { postgresStore } from './postgres.js';
export type { PostgresStoreOptions, PostgresConnectionOptions } from './postgres.js';
export { entitySchemas } from './entities.js';
export { columnName } from './naming.js';
export { coreMigrations } from './migrations/index.js';
export { sqlMigration } from './migration-plan.js';
export type { MigrationSet, Snapshot } from './migration-plan.js';
