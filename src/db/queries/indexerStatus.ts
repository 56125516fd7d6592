/** Where an indexer stands, for the health endpoint and `bourse status`. */
import type { Kysely } from 'kysely'
import type { Hex } from 'viem'
import type { Database } from '../schema.ts'

export interface IndexerStatus {
  name: string
  chainId: number
  fromBlock: number
  /** Every event up to this block is in the tables. */
  lastBlock: number
  lastBlockHash: Hex | null
  /** Wall-clock ms of the last commit. */
  updatedAt: number
}

/**
 * The state of indexer `name`, or undefined before its first run.
 *
 * @example
 * const status = await getIndexerStatus(db)
 * status?.lastBlock
 */
export async function getIndexerStatus(db: Kysely<Database>, name = 'default'): Promise<IndexerStatus | undefined> {
  const row = await db.selectFrom('indexer_state').selectAll().where('name', '=', name).executeTakeFirst()
  if (!row) return undefined
  return {
    name: row.name,
    chainId: row.chain_id,
    fromBlock: row.from_block,
    lastBlock: row.last_block,
    lastBlockHash: row.last_block_hash as Hex | null,
    updatedAt: row.updated_at,
  }
}
