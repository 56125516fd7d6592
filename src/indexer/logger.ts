/**
 * The logging surface the indexer needs: a subset of pino's `Logger` (fields first, message
 * second), so a pino logger or a child of the node's logger can be passed as is.
 */

export type IndexerLogFn = (fields: Record<string, unknown>, message: string) => void

/**
 * @example
 * import pino from 'pino'
 * const indexer = new Indexer({ db, publicClient, deployment, logger: pino().child({ component: 'indexer' }) })
 */
export interface IndexerLogger {
  debug: IndexerLogFn
  info: IndexerLogFn
  warn: IndexerLogFn
  error: IndexerLogFn
}

/** A logger that drops everything. */
export const silentIndexerLogger: IndexerLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
