/**
 * One block range, one transaction: claim the state row, run each log's processor, write the
 * queued rows, undo records and block hashes, prune what is older than the undo window.
 */
import type { Kysely } from 'kysely'
import { argsJson, lowerHex } from '../db/codec.ts'
import type { Database, IndexerStateTable } from '../db/schema.ts'
import { IndexerProcessorError } from '../errors/db.ts'
import type { BlockRange } from './ChainReader.ts'
import { ChangeWriter } from './ChangeWriter.ts'
import type { AnyIndexedLog } from './contracts.ts'
import { claimState } from './indexerState.ts'
import type { ProcessorContext, ProcessorRegistry } from './processors/types.ts'

export interface CommitRangeParameters {
  db: Kysely<Database>
  name: string
  range: BlockRange
  /** The state the range follows (its `last_block` is `range.fromBlock - 1`). */
  state: IndexerStateTable
  /** The chain head when the range was read: blocks within `reorgDepth` of it get undo records. */
  head: number
  reorgDepth: number
  processors: ProcessorRegistry
  /** Lower-case treasury address. */
  treasury: string
}

type AnyProcessor = (ctx: ProcessorContext, log: AnyIndexedLog) => Promise<void>

/**
 * Commits `range` atomically and returns the new state.
 *
 * @throws {IndexerProcessorError} a processor failed: nothing of the range is committed
 * @throws {IndexerConflictError} another indexer advanced the state row
 */
export async function commitRange(p: CommitRangeParameters): Promise<IndexerStateTable> {
  const { range } = p
  const next: IndexerStateTable = { ...p.state, last_block: range.toBlock, last_block_hash: range.blocks.get(range.toBlock)!.hash, updated_at: Date.now() }
  const undoable = (block: number) => block > p.head - p.reorgDepth
  await p.db.transaction().execute(async (trx) => {
    await claimState(trx, p.name, p.state.last_block, next)
    const store = new ChangeWriter(trx)
    const ctx: ProcessorContext = { store, treasury: p.treasury }
    for (const log of range.logs) {
      store.beginBlock(log.blockNumber, undoable(log.blockNumber))
      store.append('events', {
        block_number: log.blockNumber,
        log_index: log.logIndex,
        tx_hash: lowerHex(log.txHash),
        block_time: log.blockTime,
        contract: log.contract,
        address: lowerHex(log.address),
        event: log.eventName,
        args: argsJson(log.args),
      })
      const processor = (p.processors[log.contract] as Record<string, AnyProcessor | null>)[log.eventName]
      if (!processor) continue
      try {
        await processor(ctx, log)
      } catch (error) {
        throw new IndexerProcessorError({ event: `${log.contract}.${log.eventName}`, blockNumber: log.blockNumber, logIndex: log.logIndex, cause: error as Error })
      }
    }
    await store.flush()
    await trx
      .insertInto('indexer_blocks')
      .values([...range.blocks.values()].map((b) => ({ block_number: b.number, block_hash: b.hash, block_time: b.timestamp, undoable: undoable(b.number) ? (1 as const) : (0 as const) })))
      .execute()
    await prune(trx, range.toBlock - p.reorgDepth)
  })
  return next
}

/**
 * Forgets block hashes and undo records below `cutoff`, keeping the newest older block as the
 * anchor a rollback can still return to.
 */
async function prune(db: Kysely<Database>, cutoff: number): Promise<void> {
  const anchor = await db.selectFrom('indexer_blocks').select('block_number').where('block_number', '<', cutoff).orderBy('block_number', 'desc').limit(1).executeTakeFirst()
  if (!anchor) return
  await db.deleteFrom('indexer_blocks').where('block_number', '<', anchor.block_number).execute()
  await db.deleteFrom('indexer_undo').where('block_number', '<=', anchor.block_number).execute()
}
