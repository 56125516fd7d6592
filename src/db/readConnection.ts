/**
 * A second, read-only SQLite connection for hot reads (the API's record verifications).
 *
 * Kysely's SQLite driver serialises every query of the node through one connection and a
 * promise mutex, a dozen microtask hops around a statement that itself takes ~10 µs. This
 * connection answers a compiled query synchronously instead. Being a separate connection in
 * WAL mode, it reads only committed data (its own snapshot per statement): it never sees a
 * transaction the writer has open, never blocks the writer and is never blocked by it.
 * SQLite files only — PostgreSQL reads go through the pool as any other query.
 */
import SqliteDatabase from 'better-sqlite3'
import type { CompiledQuery } from 'kysely'
import { withStatementCache } from './statementCache.ts'

/** Page cache of each SQLite connection (the writer's too), in KiB. */
export const SQLITE_CACHE_KIB = 64 * 1024

/** Bytes of the database file the read connection maps into memory. */
const MMAP_BYTES = 256 * 1024 * 1024

export interface ReadConnection {
  /** The database file it reads (another thread may open its own connection to it). */
  readonly file: string
  /** The rows of a compiled SELECT, read from the last committed state. */
  rows<R>(query: CompiledQuery): R[]
  close(): void
}

/**
 * Opens `file` (an existing SQLite database in WAL mode, already migrated) read-only.
 *
 * @example
 * const reader = openReadConnection(file)
 * const [row] = reader.rows<{ n: number }>(db.selectFrom('trades').select((eb) => eb.fn.countAll<number>().as('n')).compile())
 */
export function openReadConnection(file: string): ReadConnection {
  const database = new SqliteDatabase(file, { readonly: true, fileMustExist: true })
  database.pragma('busy_timeout = 5000')
  // Reads through a memory map rather than a read() per page (no copy, no system call), and
  // the same page cache as the writer for what the map does not cover.
  database.pragma(`mmap_size = ${MMAP_BYTES}`)
  database.pragma(`cache_size = ${-SQLITE_CACHE_KIB}`)
  const statements = withStatementCache(database)
  return {
    file,
    rows<R>(query: CompiledQuery): R[] {
      return (statements.prepare(query.sql) as unknown as SqliteDatabase.Statement).all(query.parameters as unknown[]) as R[]
    },
    close: () => {
      if (database.open) statements.close()
    },
  }
}
