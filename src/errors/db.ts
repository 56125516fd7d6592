/**
 * Errors of the off-chain database (src/db) and the chain indexer (src/indexer).
 *
 * Query errors ({@link QueryParameterError}, {@link InvalidCursorError}) name the field and
 * the reason so the API can answer 400 with them; everything else is an operator problem.
 * Database URLs are reported without their credentials ({@link redactDatabaseUrl}).
 */
import { BaseError, type BaseErrorParameters } from './base.ts'

const dbDocs = 'src/db/README.md'
const indexerDocs = 'src/indexer/README.md'

/**
 * A database URL or path with any `user:password@` removed, for messages and logs.
 *
 * @example
 * redactDatabaseUrl('postgres://bourse:secret@db:5432/bourse') // 'postgres://***@db:5432/bourse'
 */
export function redactDatabaseUrl(urlOrPath: string): string {
  return urlOrPath.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@')
}

/** The database location is neither a `postgres://` URL nor a usable SQLite path. */
export type DatabaseLocationErrorType = DatabaseLocationError & { name: 'DatabaseLocationError' }
/**
 * @example
 * throw new DatabaseLocationError({ location: 'mysql://x', reason: 'unsupported scheme "mysql:"' })
 */
export class DatabaseLocationError extends BaseError {
  constructor({ location, reason }: { location: string; reason: string }) {
    super(`Cannot use "${redactDatabaseUrl(location)}" as the database: ${reason}.`, {
      name: 'DatabaseLocationError',
      docsPath: dbDocs,
      metaMessages: ['Give a data directory or file path (SQLite) or a postgres://user@host:port/database URL.'],
    })
  }
}

/** Opening or connecting to the database failed. */
export type DatabaseConnectionErrorType = DatabaseConnectionError & { name: 'DatabaseConnectionError' }
/**
 * @example
 * throw new DatabaseConnectionError({ location: url, cause: error })
 */
export class DatabaseConnectionError extends BaseError {
  constructor({ location, cause }: { location: string; cause: Error }) {
    super(`Cannot open the database at ${redactDatabaseUrl(location)}.`, { name: 'DatabaseConnectionError', docsPath: dbDocs, cause })
  }
}

/** A schema migration failed; the database keeps the migrations that completed before it. */
export type MigrationErrorType = MigrationError & { name: 'MigrationError' }
/**
 * @example
 * throw new MigrationError({ migration: '0001_initial', cause })
 */
export class MigrationError extends BaseError {
  readonly migration: string | undefined
  constructor({ migration, cause }: { migration?: string | undefined; cause?: Error | undefined }) {
    super(migration ? `Database migration ${migration} failed.` : 'Database migration failed.', { name: 'MigrationError', docsPath: dbDocs, cause })
    this.migration = migration
  }
}

/** A query parameter is out of range or malformed (the API answers 400 naming `field`). */
export type QueryParameterErrorType = QueryParameterError & { name: 'QueryParameterError' }
/**
 * @example
 * throw new QueryParameterError({ field: 'limit', reason: 'must be between 1 and 100' })
 */
export class QueryParameterError extends BaseError {
  readonly field: string
  readonly reason: string
  constructor({ field, reason }: { field: string; reason: string }) {
    super(`Invalid query parameter "${field}": ${reason}.`, { name: 'QueryParameterError', docsPath: dbDocs })
    this.field = field
    this.reason = reason
  }
}

/** A pagination cursor was not produced by this query (tampered, or from another sort order). */
export type InvalidCursorErrorType = InvalidCursorError & { name: 'InvalidCursorError' }
/**
 * @example
 * throw new InvalidCursorError({ reason: 'not base64url JSON' })
 */
export class InvalidCursorError extends QueryParameterError {
  constructor({ reason }: { reason: string }) {
    super({ field: 'cursor', reason })
    this.name = 'InvalidCursorError'
  }
}

/**
 * The database was indexed for another chain or contract deployment, or the indexer's
 * configuration contradicts what the chain says.
 */
export type IndexerConfigurationErrorType = IndexerConfigurationError & { name: 'IndexerConfigurationError' }
/**
 * @example
 * throw new IndexerConfigurationError('The database indexes chain 1, not chain 31337.')
 */
export class IndexerConfigurationError extends BaseError {
  constructor(message: string, args: BaseErrorParameters = {}) {
    super(message, {
      name: 'IndexerConfigurationError',
      docsPath: indexerDocs,
      metaMessages: ['Point the node at the database of this deployment, or at an empty database to index it from scratch.'],
      ...args,
    })
  }
}

/** The chain reorganised deeper than the indexer keeps undo data for. */
export type ReorgTooDeepErrorType = ReorgTooDeepError & { name: 'ReorgTooDeepError' }
/**
 * @example
 * throw new ReorgTooDeepError({ lastBlock: 120, oldestKnown: 60 })
 */
export class ReorgTooDeepError extends BaseError {
  readonly lastBlock: number
  constructor({ lastBlock, oldestKnown }: { lastBlock: number; oldestKnown: number | undefined }) {
    super(
      `The chain replaced indexed blocks below ${oldestKnown ?? lastBlock}, deeper than the indexer can undo (last indexed block ${lastBlock}).`,
      {
        name: 'ReorgTooDeepError',
        docsPath: indexerDocs,
        metaMessages: ['Raise `reorgDepth` (and `confirmations`), then re-index into an empty database.'],
      },
    )
    this.lastBlock = lastBlock
  }
}

/** A processor failed on one event; the block range it belonged to was rolled back. */
export type IndexerProcessorErrorType = IndexerProcessorError & { name: 'IndexerProcessorError' }
/**
 * @example
 * throw new IndexerProcessorError({ event: 'Marketplace.TradeOpened', blockNumber: 42, logIndex: 3, cause })
 */
export class IndexerProcessorError extends BaseError {
  readonly event: string
  readonly blockNumber: number
  readonly logIndex: number
  constructor({ event, blockNumber, logIndex, cause }: { event: string; blockNumber: number; logIndex: number; cause: Error }) {
    super(`Indexing ${event} at block ${blockNumber} (log ${logIndex}) failed; its block range was not committed.`, {
      name: 'IndexerProcessorError',
      docsPath: indexerDocs,
      cause,
    })
    this.event = event
    this.blockNumber = blockNumber
    this.logIndex = logIndex
  }
}

/**
 * The events contradict the indexed state (e.g. a trade of an unknown listing): the database
 * misses earlier blocks of this deployment, or was edited by hand.
 */
export type IndexerInconsistencyErrorType = IndexerInconsistencyError & { name: 'IndexerInconsistencyError' }
/**
 * @example
 * throw new IndexerInconsistencyError('TradeOpened names listing 7, which was never listed.')
 */
export class IndexerInconsistencyError extends BaseError {
  constructor(message: string) {
    super(message, {
      name: 'IndexerInconsistencyError',
      docsPath: indexerDocs,
      metaMessages: ['Check that the indexer starts at the deployment block (`fromBlock`), then re-index into an empty database.'],
    })
  }
}

/** Reading logs or blocks from the chain failed (the run is retried on the next poll). */
export type IndexerChainErrorType = IndexerChainError & { name: 'IndexerChainError' }
/**
 * @example
 * throw new IndexerChainError({ reading: 'blocks 100..199', cause })
 */
export class IndexerChainError extends BaseError {
  constructor({ reading, cause }: { reading: string; cause: Error }) {
    super(`Reading ${reading} from the chain failed.`, { name: 'IndexerChainError', docsPath: indexerDocs, cause })
  }
}

/** `start()` was called on an indexer that is already running. */
export type IndexerAlreadyRunningErrorType = IndexerAlreadyRunningError & { name: 'IndexerAlreadyRunningError' }
export class IndexerAlreadyRunningError extends BaseError {
  constructor() {
    super('The indexer is already running.', { name: 'IndexerAlreadyRunningError', docsPath: indexerDocs })
  }
}

/** Another indexer process committed to the same database and indexer name concurrently. */
export type IndexerConflictErrorType = IndexerConflictError & { name: 'IndexerConflictError' }
/**
 * @example
 * throw new IndexerConflictError({ name: 'default', expected: 41, found: 57 })
 */
export class IndexerConflictError extends BaseError {
  constructor({ name, expected, found }: { name: string; expected: number; found: number | undefined }) {
    super(`Indexer "${name}" moved from block ${expected} to ${found ?? 'nothing'} under this process: another indexer writes to the same database.`, {
      name: 'IndexerConflictError',
      docsPath: indexerDocs,
      metaMessages: ['Run one indexer per database (each node its own database, or distinct indexer names).'],
    })
  }
}
