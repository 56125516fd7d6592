/**
 * Test support: every row of the indexed tables in a canonical order, to compare two
 * databases (e.g. after a reorganisation vs a fresh index of the same chain).
 */
import type { Kysely } from 'kysely'
import { appendOnlyTables, mutableTables, type Database, type IndexedTable } from '../schema.ts'

const orderOf: Record<IndexedTable, readonly string[]> = {
  ...mutableTables,
  ...Object.fromEntries(appendOnlyTables.map((t) => [t, ['block_number', 'log_index']])),
  listing_terms: ['term', 'listing_id'],
} as unknown as Record<IndexedTable, readonly string[]>

/** Every indexed table name. */
export const indexedTables = Object.keys(orderOf) as IndexedTable[]

/**
 * @example
 * assert.deepEqual(await dumpTables(reorged.db), await dumpTables(fresh.db))
 */
export async function dumpTables(db: Kysely<Database>, tables: readonly IndexedTable[] = indexedTables): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  for (const table of tables) {
    let q = (db as unknown as Kysely<any>).selectFrom(table).selectAll()
    for (const column of orderOf[table]) q = q.orderBy(column)
    out[table] = await q.execute()
  }
  return out
}
