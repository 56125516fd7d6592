/**
 * The logging surface the embedded chain needs: a subset of pino's `Logger`, so a pino logger
 * (or `console`-like adapter) can be passed as is.
 */

/** Structured log call: fields first, message second (pino's argument order). */
export type ChainLogFn = (fields: Record<string, unknown>, message: string) => void

/**
 * Logger accepted by the embedded chain.
 *
 * @example
 * import pino from 'pino'
 * const chain = await EmbeddedChain.open({ dataDir, logger: pino() })
 */
export type ChainLogger = { info: ChainLogFn; warn: ChainLogFn; error: ChainLogFn }

/** A logger that drops everything. */
export const silentLogger: ChainLogger = { info: () => {}, warn: () => {}, error: () => {} }
