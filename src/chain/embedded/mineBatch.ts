/**
 * Executing one batch of queued writes on the engine (automine off) and reading back what it
 * mined, as journal records. The journaling provider decides when the records are durable and
 * answers the callers then; this file only talks to the engine.
 *
 * Transactions that arrive one per write join a group; a group is sent to the engine at once
 * (the engine takes requests in order) and mined as one block with `evm_mine`, then that block
 * is read back. A group closes before any other request (dev methods keep their order) and
 * before the gas limits of its transactions would exceed the block's EIP-1559 gas target, so no
 * block can raise the base fee above zero.
 */
import { isHex, type Hex } from 'viem'
import { JournalGapError, TransactionNotMinedError } from '../../errors/chain.ts'
import { readClockOffset } from './clock.ts'
import type { BlockRecord, ClockRecord } from './journalFormat.ts'
import { transactionGasLimit } from './rawTransaction.ts'
import { getBlockNumber, getBlockSummary, type RequestArguments, type RequestFn, type RpcBlockSummary } from './request.ts'
import { clockMethods } from './rpcPolicy.ts'

/** One queued write: its requests, and what the engine answered (results, or the first error). */
export type BatchOp = { requests: RequestArguments[]; results: unknown[]; error?: unknown }

/** Parameters of {@link mineBatch}. */
export type MineBatchParameters = {
  /** The engine's request function; its automine must be off. */
  request: RequestFn
  ops: BatchOp[]
  /** The engine's head block number before this batch. */
  head: bigint
  /** Most gas (declared gas limits) one block may hold. */
  blockGasTarget: bigint
  /** Gas limit assumed for a transaction whose own cannot be read. */
  transactionGasCap: bigint
}

/** Result of {@link mineBatch}: records for every block mined (and the clock, if it changed). */
export type MineBatchReturnType = { records: (BlockRecord | ClockRecord)[]; head: bigint }

/**
 * Runs `ops` on the engine in order, filling in each op's results or error, and returns the
 * records of every block mined. Throws only when mining itself fails or a mined block holds a
 * transaction that did not come through this batch ({@link JournalGapError}): the engine may
 * then be ahead of the journal.
 *
 * @example
 * const { records, head } = await mineBatch({ request, ops, head: 7n, blockGasTarget: 30_000_000n, transactionGasCap: 16_777_216n })
 */
export async function mineBatch({ request, ops, head, blockGasTarget, transactionGasCap }: MineBatchParameters): Promise<MineBatchReturnType> {
  const run: BatchRun = { request, raws: new Map(), mined: new Map(), scanNeeded: false, clockTouched: false }
  let group: GroupedSend[] = []
  let groupGas = 0n
  const close = async () => {
    if (group.length > 0) await mineGroup(group, run)
    group = []
    groupGas = 0n
  }
  for (const op of ops) {
    const [only] = op.requests
    if (op.requests.length === 1 && only!.method === 'eth_sendRawTransaction') {
      const gas = transactionGasLimit(rawParam(only!) ?? '0x') ?? transactionGasCap
      if (groupGas + gas > blockGasTarget) await close()
      group.push({ op, args: only! })
      groupGas += gas
      continue
    }
    await close()
    try {
      for (const args of op.requests) {
        if (args.method === 'eth_sendRawTransaction') {
          await mineGroup([{ op, args }], run)
          if ('error' in op) break
          continue
        }
        run.scanNeeded = true
        if (clockMethods.has(args.method)) run.clockTouched = true
        op.results.push(await request(args))
      }
    } catch (err) {
      op.error = err
    }
  }
  await close()

  const blocks = await newBlocks(run, head)
  const clock: ClockRecord[] = run.clockTouched ? [{ kind: 'clock', offsetSeconds: await readClockOffset(request) }] : []
  return { records: [...blocks, ...clock], head: blocks.at(-1)?.number ?? head }
}

/** A single-transaction write waiting to be mined with others. */
type GroupedSend = { op: BatchOp; args: RequestArguments }

/** What one batch did: raw bytes of each mined transaction (by hash), the blocks it read back. */
type BatchRun = {
  request: RequestFn
  raws: Map<string, Hex>
  mined: Map<bigint, RpcBlockSummary>
  /** A development method ran: it may have mined any number of blocks. */
  scanNeeded: boolean
  clockTouched: boolean
}

/**
 * Sends a group of transactions, then mines them as one block unless the engine refused every
 * one. A transaction the engine accepted but did not mine (a nonce gap, a replacement) is
 * dropped from its mempool and answered with {@link TransactionNotMinedError}, so nothing waits
 * in a mempool outside the journal. Each op gets its hash or its error.
 */
async function mineGroup(group: GroupedSend[], run: BatchRun): Promise<void> {
  const { request } = run
  const sends = group.map(({ args }) => request(args))
  // As soon as one transaction is in the mempool, mining is queued behind the rest (the engine
  // takes requests in order), so the engine does not idle while their answers travel back. If
  // the engine refuses them all, nothing is mined.
  const mining = Promise.any(sends).then(
    () => Promise.allSettled([request({ method: 'evm_mine', params: [] }), getBlockSummary(request, 'latest')]),
    () => undefined,
  )
  const sent = await Promise.allSettled(sends)
  const outcomes: unknown[] = sent.map((s) => (s.status === 'fulfilled' ? s.value : s.reason))
  const accepted: number[] = []
  sent.forEach((s, i) => {
    if (s.status === 'fulfilled' && typeof s.value === 'string') {
      accepted.push(i)
      run.raws.set(s.value.toLowerCase(), rawParam(group[i]!.args)!)
    }
  })
  const mined = await mining
  if (mined) {
    const [mine, latest] = mined
    if (mine.status === 'rejected') throw mine.reason
    if (latest.status === 'rejected') throw latest.reason
    run.mined.set(BigInt(latest.value.number), latest.value)
    const inBlock = new Set(latest.value.transactions.map((hash) => hash.toLowerCase()))
    for (const i of accepted) {
      const hash = (outcomes[i] as string).toLowerCase()
      if (inBlock.has(hash)) continue
      run.raws.delete(hash)
      outcomes[i] = await dropUnmined(request, hash)
    }
  }
  group.forEach(({ op }, i) => {
    const outcome = outcomes[i]
    if (sent[i]!.status === 'rejected' || outcome instanceof TransactionNotMinedError) op.error = outcome
    else op.results.push(outcome)
  })
}

/** Removes an accepted but unmined transaction from the engine's mempool; the error its sender gets. */
async function dropUnmined(request: RequestFn, hash: string): Promise<TransactionNotMinedError> {
  const tx = (await request({ method: 'eth_getTransactionByHash', params: [hash] })) as { from: string; nonce: string } | null
  await request({ method: 'hardhat_dropTransaction', params: [hash] })
  if (!tx) return new TransactionNotMinedError({ hash, reason: 'replaced' })
  const expectedNonce = BigInt((await request({ method: 'eth_getTransactionCount', params: [tx.from, 'latest'] })) as string)
  const nonce = BigInt(tx.nonce)
  return nonce > expectedNonce
    ? new TransactionNotMinedError({ hash, reason: 'nonce-gap', nonce, expectedNonce })
    : new TransactionNotMinedError({ hash, reason: 'not-includable' })
}

/**
 * Records for every block after `head`, with each transaction's raw bytes. Blocks the groups
 * already read are reused; after a development method the engine's head is asked for.
 */
async function newBlocks({ request, raws, mined, scanNeeded }: BatchRun, head: bigint): Promise<BlockRecord[]> {
  let last = head
  for (const n of mined.keys()) if (n > last) last = n
  if (scanNeeded) last = await getBlockNumber(request)
  const numbers: bigint[] = []
  for (let n = head + 1n; n <= last; n++) numbers.push(n)
  const blocks = await Promise.all(numbers.map((n) => mined.get(n) ?? getBlockSummary(request, n)))
  return blocks.map((block, i) => {
    const number = BigInt(block.number)
    if (number !== numbers[i]) throw new Error(`the engine answered block ${number} for block ${numbers[i]}`)
    const txs = block.transactions.map((hash) => {
      const raw = raws.get(hash.toLowerCase())
      if (raw === undefined) throw new JournalGapError({ blockNumber: number, txHash: hash })
      return raw
    })
    return { kind: 'block', number, timestamp: BigInt(block.timestamp), hash: block.hash, txs }
  })
}

/** The raw transaction of an `eth_sendRawTransaction` request, if it is a hex string. */
function rawParam(args: RequestArguments): Hex | undefined {
  const raw = Array.isArray(args.params) ? args.params[0] : undefined
  return typeof raw === 'string' && isHex(raw, { strict: true }) ? raw : undefined
}
