/**
 * The read queries the HTTP API and CLI call. Each takes the `Kysely<Database>` of
 * {@link openDatabase} and validates its parameters, throwing `QueryParameterError` (with the
 * field) for bad input.
 */
export * from './indexerStatus.ts'
export * from './listings.ts'
export * from './members.ts'
export * from './pagination.ts'
export * from './pricing.ts'
export * from './trades.ts'
