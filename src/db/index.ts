/**
 * The off-chain database: the factory, the schema types, the migrations and the queries.
 *
 * @example
 * import { openDatabase, searchListings } from './db/index.ts'
 * const { db, close } = await openDatabase(process.env.DATABASE ?? '.bourse')
 * const page = await searchListings(db, { category: 1 })
 */
export { openDatabase, sqliteFileOf, SQLITE_FILE_NAME, type BourseDatabase, type DatabaseDialect, type OpenDatabaseOptions, type OpenDatabaseReturnType } from './openDatabase.ts'
export { migrateToLatest, type MigrateToLatestReturnType } from './migrate.ts'
export { decodeAmount, encodeAmount } from './codec.ts'
export type * from './schema.ts'
export * from './queries/index.ts'
