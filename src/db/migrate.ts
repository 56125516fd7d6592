/**
 * Runs the schema migrations (./migrations) with Kysely's Migrator. Both dialects run the
 * same list; Kysely records what ran in `kysely_migration` and serialises concurrent runs
 * with a lock (an advisory lock in PostgreSQL).
 */
import { Migrator, type Kysely, type MigrationResult } from 'kysely'
import { MigrationError } from '../errors/db.ts'
import { migrations } from './migrations/index.ts'

/** What {@link migrateToLatest} did. */
export interface MigrateToLatestReturnType {
  /** Names of the migrations executed by this call (empty when already up to date). */
  executed: string[]
}

/**
 * Brings the schema to the latest migration.
 *
 * @example
 * const { executed } = await migrateToLatest(db) // ['0001_initial'] on a new database
 * await migrateToLatest(pgDb, { schema: 'bourse' }) // PostgreSQL: the schema the tables live in
 * @throws {MigrationError} naming the migration that failed
 */
export async function migrateToLatest(db: Kysely<any>, options: { schema?: string | undefined } = {}): Promise<MigrateToLatestReturnType> {
  // Kysely looks for its own tables in every schema unless told which one (PostgreSQL).
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, migrationTableSchema: options.schema })
  let results: MigrationResult[] | undefined
  let error: unknown
  try {
    ;({ results, error } = await migrator.migrateToLatest())
  } catch (e) {
    error = e
  }
  const failed = results?.find((r) => r.status === 'Error')
  if (error !== undefined || failed) {
    throw new MigrationError({ migration: failed?.migrationName, cause: error instanceof Error ? error : undefined })
  }
  return { executed: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}
