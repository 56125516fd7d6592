/**
 * The one factory of the off-chain database: embedded SQLite (better-sqlite3, WAL) by default,
 * PostgreSQL for scale-out, the same Kysely<Database> and the same migrations for both.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, extname, join, resolve } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { CompiledQuery, Kysely, sql, SqliteDialect, SqliteDriver, type DatabaseConnection, type Dialect, type SqliteDialectConfig } from 'kysely'
import { withStatementCache } from './statementCache.ts'
import { openReadConnection, SQLITE_CACHE_KIB, type ReadConnection } from './readConnection.ts'
import pg from 'pg'
import { DatabaseConnectionError, DatabaseLocationError, redactDatabaseUrl } from '../errors/db.ts'
import { migrateToLatest } from './migrate.ts'
import { SqliteWriterThread } from './writerThread.ts'
import { PostgresSchemaDialect } from './PostgresSchemaDialect.ts'
import type { Database } from './schema.ts'

/** The file name of the embedded database inside a data directory. */
export const SQLITE_FILE_NAME = 'bourse.sqlite'

/** The page size of a new SQLite database file (SQLite's default is 4 KiB). */
export const SQLITE_PAGE_BYTES = 16 * 1024

export type DatabaseDialect = 'sqlite' | 'postgres'

export interface OpenDatabaseOptions {
  /** Run the migrations on open (default true). */
  migrate?: boolean | undefined
  /**
   * PostgreSQL schema to use (created if missing); the URL's `?schema=` parameter does the
   * same. Default: the server's search_path (normally `public`).
   */
  schema?: string | undefined
  /** PostgreSQL pool size (default 10). */
  poolSize?: number | undefined
}

/** An open database. */
export interface BourseDatabase {
  readonly db: Kysely<Database>
  readonly dialect: DatabaseDialect
  /** Where it is, without credentials (for logs). */
  readonly location: string
  /** The PostgreSQL schema the tables live in (`current_schema()`); undefined for SQLite. */
  readonly schema: string | undefined
  /**
   * A read-only connection for hot reads that must not queue behind the node's other queries
   * (SQLite files only: undefined for PostgreSQL and `:memory:`). See readConnection.ts.
   */
  readonly reader?: ReadConnection | undefined
  /**
   * A writer thread with its own connection, for write-heavy paths that should not run on the
   * main thread (SQLite files only). See writerThread.ts.
   */
  readonly writer?: SqliteWriterThread | undefined
  /** Closes every connection. */
  close(): Promise<void>
}

export type OpenDatabaseReturnType = BourseDatabase
export type OpenDatabaseErrorType = DatabaseLocationError | DatabaseConnectionError

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** Parses PostgreSQL int8 (bigint, count(*)) as a JS number; every int8 we store is below 2^53. */
function parseInt8(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} is beyond Number.MAX_SAFE_INTEGER`)
  return n
}

const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
}

/**
 * Opens (and by default migrates) the database at `urlOrPath`:
 * - `postgres://user@host:port/db[?schema=name]` (or `postgresql://`): PostgreSQL;
 * - a path ending in `.sqlite`, `.sqlite3` or `.db`, or `:memory:`: that SQLite file;
 * - any other path: a data directory; the database is `<dir>/bourse.sqlite`.
 *
 * @example
 * const { db, close } = await openDatabase('.bourse')                        // embedded
 * const pgDb = await openDatabase('postgres://bourse@db.internal:5432/bourse') // scale-out
 * @throws {DatabaseLocationError} for an unsupported URL scheme or bad schema name
 * @throws {DatabaseConnectionError} when the database cannot be opened or reached
 */
export async function openDatabase(urlOrPath: string, options: OpenDatabaseOptions = {}): Promise<OpenDatabaseReturnType> {
  const location = urlOrPath.trim()
  if (location === '') throw new DatabaseLocationError({ location, reason: 'the location is empty' })
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]?.toLowerCase()
  let opened: BourseDatabase
  if (scheme === 'postgres' || scheme === 'postgresql') opened = await openPostgres(location, options)
  else if (scheme === 'sqlite' || scheme === 'file') opened = openSqlite(location.replace(/^[a-z]+:\/\//i, ''))
  else if (scheme !== undefined) throw new DatabaseLocationError({ location, reason: `unsupported scheme "${scheme}:"` })
  else opened = openSqlite(location)

  if (options.migrate ?? true) {
    try {
      await migrateToLatest(opened.db, { schema: opened.schema })
    } catch (error) {
      await opened.close()
      throw error
    }
  }
  if (opened.dialect !== 'sqlite' || opened.location === ':memory:') return opened
  // Opened after the migrations, so its statements compile against the current schema.
  const reader = openReadConnection(opened.location)
  const writer = new SqliteWriterThread(opened.location)
  return {
    ...opened,
    reader,
    writer,
    close: async () => {
      await writer.close() // its transactions already given are committed first
      reader.close()
      await opened.close()
    },
  }
}

/** The SQLite file a path designates (see {@link openDatabase}). */
export function sqliteFileOf(path: string): string {
  if (path === ':memory:') return path
  const ext = extname(path).toLowerCase()
  const isFile = ['.sqlite', '.sqlite3', '.db'].includes(ext) || (existsSync(path) && statSync(path).isFile())
  return isFile ? resolve(path) : join(resolve(path), SQLITE_FILE_NAME)
}

function openSqlite(path: string): BourseDatabase {
  const file = sqliteFileOf(path)
  let database: SqliteDatabase.Database
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    database = new SqliteDatabase(file)
    // 16 KiB pages instead of 4 KiB: a supervision record row is ~1 KiB and its indexes are
    // keyed by random ids, so an insert touches a page per B-tree wherever it lands; four times
    // fewer, larger pages cut the writer's time per record by about a third (measured: 36 ->
    // 23 µs per record with its leaf, bench/README.md). Only a new file takes it (before WAL is
    // set); an existing database keeps the page size it was created with.
    database.pragma(`page_size = ${SQLITE_PAGE_BYTES}`)
    database.pragma('journal_mode = WAL')
    // FULL: a commit is on disk when it returns, so off-chain records survive power loss too.
    database.pragma('synchronous = FULL')
    database.pragma('busy_timeout = 5000')
    database.pragma('foreign_keys = ON')
    // 64 MiB of page cache instead of SQLite's 2 MiB: the supervision tables' indexes are keyed
    // by random ids (record ids, trade ids), so once they outgrow the cache nearly every insert
    // reads pages back from the OS. Measured with 120,000 records: 90 -> 75 µs per record.
    database.pragma(`cache_size = ${-SQLITE_CACHE_KIB}`)
  } catch (error) {
    throw new DatabaseConnectionError({ location: file, cause: error as Error })
  }
  const db = new Kysely<Database>({ dialect: immediateTransactions({ database: withStatementCache(database) }) })
  return { db, dialect: 'sqlite', location: file, schema: undefined, close: () => db.destroy() }
}

/**
 * The dialect with transactions that begin IMMEDIATE (taking the write lock at BEGIN) instead
 * of SQLite's default DEFERRED. With a second writer on the file (the writer thread), a
 * deferred transaction that reads and then writes fails with SQLITE_BUSY if the other
 * committed in between — the busy timeout cannot help, its snapshot is stale. An immediate
 * one waits for the lock at BEGIN and then reads the latest state.
 */
function immediateTransactions(config: SqliteDialectConfig): Dialect {
  const dialect = new SqliteDialect(config)
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => new ImmediateSqliteDriver(config),
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<BourseDatabase> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new DatabaseLocationError({ location: url, reason: 'not a valid URL' })
  }
  const schema = options.schema ?? (parsed.searchParams.get('schema') || undefined)
  parsed.searchParams.delete('schema')
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new DatabaseLocationError({ location: url, reason: `schema name "${schema}" must match ${SCHEMA_NAME.source}` })
  }
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: options.poolSize ?? 10,
    types: pgTypes,
    // Every connection resolves unqualified table names in `schema` first.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {})
  const db = new Kysely<Database>({ dialect: new PostgresSchemaDialect({ pool }) })
  const location = redactDatabaseUrl(url)
  let current: string | null | undefined
  try {
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db)
    current = (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
  } catch (error) {
    await db.destroy()
    throw new DatabaseConnectionError({ location: url, cause: error as Error })
  }
  if (!current) {
    await db.destroy()
    throw new DatabaseConnectionError({ location: url, cause: new Error('no schema of the search_path exists (current_schema() is null)') })
  }
  return { db, dialect: 'postgres', location, schema: current, close: () => db.destroy() }
}
