/**
 * Reorganisation handling: find the newest indexed block that is still on the chain, and
 * roll every table back to the state right after it.
 *
 * Rolling back uses what the indexer kept for the recent blocks: `indexer_undo` holds the
 * previous image of every mutable row changed in an undoable block (restored newest first),
 * and every append-only row carries its block number (deleted above the ancestor).
 */
import type { Kysely, Transaction } from 'kysely'
import { ReorgTooDeepError } from '../errors/db.ts'
import { appendOnlyTables, mutableTables, type Database, type IndexerStateTable, type MutableTable } from '../db/schema.ts'
import type { ChainReader } from './ChainReader.ts'
import { claimState } from './indexerState.ts'

/** What a rollback did. */
export interface Reorganisation {
  /** Last indexed block when the reorganisation was noticed. */
  lastBlock: number
  /** Newest block still on the chain; the tables now reflect the state after it. */
  ancestor: number
  /** Mutable row changes undone. */
  restored: number
  /** Append-only rows deleted. */
  deleted: number
}

/**
 * Rolls indexer `name` back from `state` to the newest indexed block the chain still has, in
 * one transaction (state row included).
 *
 * @throws {ReorgTooDeepError} the tables are left as they were
 * @throws {IndexerConflictError}
 */
export async function rollBack(db: Kysely<Database>, reader: ChainReader, name: string, state: IndexerStateTable): Promise<Reorganisation> {
  const ancestor = await findCommonAncestor(db, reader, state.last_block)
  return db.transaction().execute(async (trx) => {
    const anchor = await trx.selectFrom('indexer_blocks').select('block_hash').where('block_number', '=', ancestor).executeTakeFirstOrThrow()
    await claimState(trx, name, state.last_block, { last_block: ancestor, last_block_hash: anchor.block_hash })
    const undone = await rollbackTo(trx, ancestor, state.last_block)
    return { lastBlock: state.last_block, ancestor, restored: undone.restored, deleted: undone.deleted }
  })
}

/**
 * The highest stored block whose hash the chain still has at that height. Stored blocks form
 * a hash chain with the chain's, so "still canonical" holds for every block up to the fork and
 * for none after: a binary search needs O(log n) header reads.
 *
 * @throws {ReorgTooDeepError} when no stored block is canonical any more
 */
export async function findCommonAncestor(db: Kysely<Database>, reader: ChainReader, lastBlock: number): Promise<number> {
  const stored = await db
    .selectFrom('indexer_blocks')
    .select(['block_number', 'block_hash'])
    .where('block_number', '<=', lastBlock)
    .orderBy('block_number', 'asc')
    .execute()
  const canonical = async (i: number) => (await reader.block(stored[i]!.block_number))?.hash === stored[i]!.block_hash
  let low = 0
  let high = stored.length - 1
  let found = -1
  while (low <= high) {
    const mid = (low + high) >> 1
    if (await canonical(mid)) {
      found = mid
      low = mid + 1
    } else {
      high = mid - 1
    }
  }
  if (found < 0) throw new ReorgTooDeepError({ lastBlock, oldestKnown: stored[0]?.block_number })
  return stored[found]!.block_number
}

/** What {@link rollbackTo} undid. */
export interface RollbackReturnType {
  ancestor: number
  /** Mutable row changes undone. */
  restored: number
  /** Append-only rows deleted. */
  deleted: number
}

/**
 * Returns every indexed table to its state after block `ancestor`, inside `trx`. The caller
 * sets the indexer's last block to `ancestor` in the same transaction.
 *
 * @throws {ReorgTooDeepError} when a block above `ancestor` was indexed without undo data
 */
export async function rollbackTo(trx: Transaction<Database>, ancestor: number, lastBlock: number): Promise<RollbackReturnType> {
  const final = await trx
    .selectFrom('indexer_blocks')
    .select('block_number')
    .where('block_number', '>', ancestor)
    .where('undoable', '=', 0)
    .orderBy('block_number', 'desc')
    .executeTakeFirst()
  if (final) throw new ReorgTooDeepError({ lastBlock, oldestKnown: final.block_number + 1 })

  const db = trx as unknown as Kysely<any>
  const undo = await trx
    .selectFrom('indexer_undo')
    .selectAll()
    .where('block_number', '>', ancestor)
    .orderBy('block_number', 'desc')
    .orderBy('seq', 'desc')
    .execute()
  for (const entry of undo) {
    const table = entry.table_name as MutableTable
    const key = JSON.parse(entry.row_key) as Record<string, unknown>
    let remove = db.deleteFrom(table)
    for (const column of mutableTables[table]) remove = remove.where(column, '=', key[column])
    await remove.execute()
    if (entry.previous !== null) await db.insertInto(table).values(JSON.parse(entry.previous)).execute()
  }

  let deleted = 0
  for (const table of appendOnlyTables) {
    const result = await db.deleteFrom(table).where('block_number', '>', ancestor).executeTakeFirst()
    deleted += Number(result.numDeletedRows)
  }
  await trx.deleteFrom('indexer_undo').where('block_number', '>', ancestor).execute()
  await trx.deleteFrom('indexer_blocks').where('block_number', '>', ancestor).execute()
  return { ancestor, restored: undo.length, deleted }
}
