/**
 * Re-mining the journaled blocks on a fresh engine, and proving the result is the same chain.
 *
 * Per block: `evm_setNextBlockTimestamp`, its raw transactions, `evm_mine` (automine off). The
 * requests of a chunk of blocks are issued without waiting for each answer (the engine handles
 * them in order), which hides the per-request round trip. After every chunk the hash of the
 * chunk's last block is compared with the journal's, so a divergence stops replay early; the
 * head hash check at the end is therefore implied, and repeated explicitly.
 */
import { JournalCorruptError, ReplayFailedError, ReplayMismatchError } from '../../errors/chain.ts'
import type { BlockRecord } from './journalFormat.ts'
import { getBlockNumber, getBlockSummary, type RequestFn } from './request.ts'

/** Parameters of {@link replayJournal}. */
export type ReplayJournalParameters = {
  /** The engine's request function (not the journaling provider). */
  request: RequestFn
  blocks: readonly BlockRecord[]
  /** Called with (blocks done, blocks total) at the start, after each chunk and at the end. */
  onProgress?: ((done: number, total: number) => void) | undefined
  /** The engine's version, quoted in a mismatch error. */
  engine?: string | undefined
  /** Blocks issued before waiting and checking (default 512). */
  chunkSize?: number | undefined
  /** Journal path, quoted if block numbers are not contiguous. */
  journalPath?: string | undefined
}

/**
 * Replays `blocks` (which must continue the engine's current head) and checks the hashes.
 *
 * @example
 * await replayJournal({ request: engine.request, blocks, onProgress: (d, t) => bar.update(d, { total: t }) })
 */
export async function replayJournal({
  request,
  blocks,
  onProgress,
  engine,
  chunkSize = 512,
  journalPath = 'journal',
}: ReplayJournalParameters): Promise<void> {
  const total = blocks.length
  onProgress?.(0, total)
  if (total === 0) return
  let expectedNumber = (await getBlockNumber(request)) + 1n
  for (const block of blocks) {
    if (block.number !== expectedNumber) {
      throw new JournalCorruptError({
        path: journalPath,
        offset: -1,
        reason: `block ${block.number} recorded where block ${expectedNumber} was expected`,
      })
    }
    expectedNumber++
  }

  const automine = (await request({ method: 'hardhat_getAutomine' })) === true
  if (automine) await request({ method: 'evm_setAutomine', params: [false] })
  try {
    for (let start = 0; start < total; start += chunkSize) {
      const chunk = blocks.slice(start, start + chunkSize)
      await Promise.all(chunk.flatMap((block) => mineBlock(request, block)))
      const last = chunk[chunk.length - 1]!
      const actual = await getBlockSummary(request, last.number).catch(() => undefined)
      if (actual?.hash !== last.hash) {
        const firstDivergentBlock = await findFirstDivergent(request, blocks.slice(0, start + chunk.length))
        throw new ReplayMismatchError({
          blockNumber: last.number,
          expected: last.hash,
          actual: actual?.hash ?? 'none (block missing)',
          firstDivergentBlock,
          engine,
        })
      }
      onProgress?.(start + chunk.length, total)
    }
  } finally {
    if (automine) await request({ method: 'evm_setAutomine', params: [true] })
  }

  const head = blocks[total - 1]!
  const headNow = await getBlockNumber(request)
  const actual = await getBlockSummary(request, headNow)
  if (headNow !== head.number || actual.hash !== head.hash) {
    throw new ReplayMismatchError({ blockNumber: head.number, expected: head.hash, actual: actual.hash, engine })
  }
}

/** Issues the requests that re-mine one block; each failure names the block. */
function mineBlock(request: RequestFn, block: BlockRecord): Promise<unknown>[] {
  const fail = (err: unknown) => {
    throw new ReplayFailedError({ blockNumber: block.number, cause: err as Error })
  }
  return [
    request({ method: 'evm_setNextBlockTimestamp', params: [Number(block.timestamp)] }).catch(fail),
    ...block.txs.map((raw) => request({ method: 'eth_sendRawTransaction', params: [raw] }).catch(fail)),
    request({ method: 'evm_mine', params: [] }).catch(fail),
  ]
}

/** Binary search for the first block whose replayed hash differs (hashes chain, so differences persist). */
async function findFirstDivergent(request: RequestFn, blocks: readonly BlockRecord[]): Promise<bigint | undefined> {
  const matches = async (i: number) =>
    (await getBlockSummary(request, blocks[i]!.number).catch(() => undefined))?.hash === blocks[i]!.hash
  let lo = 0
  let hi = blocks.length - 1
  if (await matches(hi)) return undefined
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (await matches(mid)) lo = mid + 1
    else hi = mid
  }
  return blocks[lo]!.number
}
