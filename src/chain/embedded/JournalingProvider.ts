/**
 * The EIP-1193 provider the embedded chain hands out: the engine's provider, with every write
 * journaled before it is acknowledged and no answer revealing a block before it is durable.
 *
 * - `eth_sendRawTransaction` (and, with `allowDevMethods`, `evm_mine`, `hardhat_mine`,
 *   `evm_increaseTime`, `evm_setNextBlockTimestamp`) join a queue. The queue runs in batches on
 *   the engine ({@link mineBatch}: the transactions of a batch are mined together, in arrival
 *   order, in as few blocks as the gas target allows); the records of every block mined are
 *   appended to the journal with one write and one `fdatasync`. Only then are the callers
 *   answered — with exactly what the engine answered, errors included. Journal order is
 *   therefore mining order, and a reverted transaction is journaled like any other.
 * - Engine and disk work overlap: while one batch's records are being written and synced, the
 *   next batch already runs on the engine; batches that finish meanwhile share the next append.
 * - Reads go to the engine at once, but an answer is held until every batch the engine may have
 *   run before answering is durable (answers that only show durable blocks — a receipt, a
 *   transaction or a block at or below the durable head — go out at once). So nobody observes a
 *   block before it is durable, and reads never wait for a batch to start or finish executing.
 * - Methods that would change state outside the journal are refused ({@link classifyRpcMethod}).
 * - If appending to the journal fails, the engine is ahead of the journal: the provider stops
 *   serving (fail-stop) and every later request, and every held answer, gets
 *   {@link ChainUnavailableError}.
 */
import type { Hex } from 'viem'
import { ChainUnavailableError } from '../../errors/chain.ts'
import { BLOCK_GAS_LIMIT, TRANSACTION_GAS_CAP } from './genesis.ts'
import type { Journal } from './Journal.ts'
import type { BlockRecord, ClockRecord } from './journalFormat.ts'
import type { ChainLogger } from './logger.ts'
import { mineBatch, type BatchOp } from './mineBatch.ts'
import type { RequestArguments, RequestFn } from './request.ts'
import { classifyRpcMethod } from './rpcPolicy.ts'

/** The engine provider this wraps (see engine.ts). */
export type EngineProvider = {
  request: RequestFn
  on(event: string, listener: (...args: any[]) => void): unknown
  removeListener(event: string, listener: (...args: any[]) => void): unknown
}

/** The part of {@link Journal} the provider uses. */
export type JournalAppender = Pick<Journal, 'append'>

/** The last durable block. */
export type JournaledHead = { number: bigint; hash: Hex; timestamp: bigint }

/** Parameters of the {@link JournalingProvider} constructor. */
export type JournalingProviderParameters = {
  engine: EngineProvider
  journal: JournalAppender
  /** The head the journal ends with (genesis for a new chain). */
  head: JournaledHead
  allowDevMethods: boolean
  logger: ChainLogger
  /** Most queued requests run in one batch (default 1024). */
  maxBatch?: number | undefined
  /**
   * Gas limits of the transactions mined in one block add up to at most this (default: the
   * EIP-1559 target, half of genesis.ts's block gas limit), so no block can raise the base fee.
   */
  blockGasTarget?: bigint | undefined
  /** Gas limit assumed for a transaction whose own cannot be read (default: the EIP-7825 cap). */
  transactionGasCap?: bigint | undefined
}

type QueuedWrite = BatchOp & { resolve(results: unknown[]): void; reject(err: unknown): void }
/** A batch the engine ran whose records are not durable yet. */
type Unjournaled = { seq: number; records: (BlockRecord | ClockRecord)[]; ops: QueuedWrite[] }
/** A held read answer, waiting for batch `seq` to be durable. */
type HeldRead = { seq: number; release(): void; fail(err: Error): void }

/** Batches the engine may run ahead of the journal (the next append takes them all). */
const MAX_UNJOURNALED = 4

/** Reads whose answer shows only blocks at or below the durable head can go out at once. */
const blockScopedReads = new Set(['eth_getTransactionReceipt', 'eth_getTransactionByHash', 'eth_getBlockByNumber', 'eth_getBlockByHash'])

/**
 * Journaling EIP-1193 provider; see the module comment. Use it with viem as `custom(provider)`.
 *
 * @example
 * const provider = new JournalingProvider({ engine, journal, head, allowDevMethods: false, logger })
 * const hash = await provider.request({ method: 'eth_sendRawTransaction', params: [signedTx] })
 */
export class JournalingProvider {
  readonly #engine: EngineProvider
  readonly #request: RequestFn
  readonly #journal: JournalAppender
  readonly #allowDevMethods: boolean
  readonly #logger: ChainLogger
  readonly #maxBatch: number
  readonly #blockGasTarget: bigint
  readonly #transactionGasCap: bigint
  #queue: QueuedWrite[] = []
  #draining: Promise<void> | undefined
  /** Executed batches waiting for the journal writer. */
  #unjournaled: Unjournaled[] = []
  #writing: Promise<void> | undefined
  /** Resolved (and replaced) whenever the writer takes batches or stops. */
  #writerProgress = deferred()
  /** Sequence number of the last batch that started on the engine / that is durable. */
  #started = 0
  #durable = 0
  #held: HeldRead[] = []
  #readsInFlight = 0
  #readsDone = deferred()
  /** Automine is switched off before the first batch: batches mine their own blocks. */
  #manualMining = false
  #engineHead: bigint
  #head: JournaledHead
  #closed = false
  #failure: Error | undefined

  constructor({
    engine,
    journal,
    head,
    allowDevMethods,
    logger,
    maxBatch = 1024,
    blockGasTarget = BLOCK_GAS_LIMIT / 2n,
    transactionGasCap = TRANSACTION_GAS_CAP,
  }: JournalingProviderParameters) {
    this.#engine = engine
    this.#request = (args) => engine.request(args)
    this.#journal = journal
    this.#head = head
    this.#engineHead = head.number
    this.#allowDevMethods = allowDevMethods
    this.#logger = logger
    this.#maxBatch = maxBatch
    this.#blockGasTarget = blockGasTarget
    this.#transactionGasCap = transactionGasCap
  }

  /** The last durable block. */
  get head(): JournaledHead {
    return this.#head
  }

  /** EIP-1193 `request`. */
  async request(args: RequestArguments): Promise<unknown> {
    this.#checkOpen()
    if (!args || typeof args !== 'object' || typeof args.method !== 'string') {
      throw Object.assign(new TypeError('request needs { method: string, params?: unknown[] }'), { code: -32600 })
    }
    const kind = classifyRpcMethod(args.method, { allowDevMethods: this.#allowDevMethods })
    // Every accepted transaction is mined before it is answered: automine, as callers see it
    // (the engine's own automine is off because batches mine their blocks themselves).
    if (args.method === 'hardhat_getAutomine') return true
    if (kind === 'read') return this.#read(args)
    const [result] = await this.#enqueue([args])
    return result
  }

  /**
   * Runs several write requests back to back as one journaled unit (e.g. increase time, then
   * mine) and returns their results. Bypasses the method policy: for the chain's own API only.
   *
   * @example
   * await provider.writeAtomically([{ method: 'evm_increaseTime', params: [60] }, { method: 'evm_mine', params: [] }])
   */
  async writeAtomically(requests: RequestArguments[]): Promise<unknown[]> {
    this.#checkOpen()
    return this.#enqueue(requests)
  }

  /** EIP-1193 events (subscriptions) come straight from the engine. */
  on(event: string, listener: (...args: any[]) => void): this {
    this.#engine.on(event, listener)
    return this
  }

  /** Removes a listener added with {@link on}. */
  removeListener(event: string, listener: (...args: any[]) => void): this {
    this.#engine.removeListener(event, listener)
    return this
  }

  /** Stops accepting requests and waits until every queued write is journaled and every read answered. */
  async close(): Promise<void> {
    this.#closed = true
    while (this.#draining || this.#writing) await (this.#draining ?? this.#writing)
    while (this.#readsInFlight > 0) await this.#readsDone.promise
  }

  #checkOpen(): void {
    if (this.#failure) throw this.#unavailable()
    if (this.#closed) throw new ChainUnavailableError({ reason: 'closed' })
  }

  #unavailable(): ChainUnavailableError {
    return new ChainUnavailableError({ reason: 'failed', cause: this.#failure })
  }

  /** A read: answered by the engine at once, released once nothing it may show is undurable. */
  async #read(args: RequestArguments): Promise<unknown> {
    this.#readsInFlight++
    try {
      let answer: { result: unknown } | { error: unknown }
      try {
        answer = { result: await this.#request(args) }
      } catch (error) {
        answer = { error }
      }
      const seq = this.#started
      if (seq > this.#durable && !('result' in answer && this.#showsOnlyDurable(args.method, answer.result))) {
        if (this.#failure) throw this.#unavailable()
        await new Promise<void>((release, fail) => this.#held.push({ seq, release, fail }))
      }
      if (this.#failure) throw this.#unavailable()
      if ('error' in answer) throw answer.error
      return answer.result
    } finally {
      if (--this.#readsInFlight === 0) this.#readsDone = settle(this.#readsDone)
    }
  }

  /** Whether a block-scoped answer shows nothing above the durable head (null: nothing at all). */
  #showsOnlyDurable(method: string, result: unknown): boolean {
    if (!blockScopedReads.has(method)) return false
    if (result === null) return true
    if (typeof result !== 'object') return false
    const { blockNumber, number } = result as { blockNumber?: unknown; number?: unknown }
    const block = method.startsWith('eth_getBlockBy') ? number : blockNumber
    return typeof block === 'string' && block.startsWith('0x') && BigInt(block) <= this.#head.number
  }

  #enqueue(requests: RequestArguments[]): Promise<unknown[]> {
    const promise = new Promise<unknown[]>((resolve, reject) => this.#queue.push({ requests, results: [], resolve, reject }))
    if (!this.#draining) {
      this.#draining = this.#drain().finally(() => {
        this.#draining = undefined
      })
    }
    return promise
  }

  /** The engine side: runs queued batches, each as soon as the previous one has executed. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      while (this.#unjournaled.length >= MAX_UNJOURNALED && !this.#failure) await this.#writerProgress.promise
      const batch = this.#queue.splice(0, this.#maxBatch)
      if (this.#failure) {
        for (const op of batch) op.reject(this.#unavailable())
        continue
      }
      const seq = ++this.#started
      try {
        if (!this.#manualMining) {
          await this.#request({ method: 'evm_setAutomine', params: [false] })
          this.#manualMining = true
        }
        const { records, head } = await mineBatch({
          request: this.#request,
          ops: batch,
          head: this.#engineHead,
          blockGasTarget: this.#blockGasTarget,
          transactionGasCap: this.#transactionGasCap,
        })
        this.#engineHead = head
        this.#unjournaled.push({ seq, records, ops: batch })
      } catch (err) {
        this.#fail(err as Error, batch)
        continue
      }
      this.#startWriter()
    }
  }

  /** Starts the journal writer unless it runs (it takes whatever is unjournaled when it loops). */
  #startWriter(): void {
    if (this.#writing || this.#unjournaled.length === 0 || this.#failure) return
    this.#writing = this.#writeJournal().finally(() => {
      this.#writing = undefined
      this.#writerProgress = settle(this.#writerProgress)
      this.#startWriter() // a batch may have arrived between the writer's last check and now
    })
  }

  /** The disk side: appends every executed batch (one synchronous write), then answers. */
  async #writeJournal(): Promise<void> {
    while (this.#unjournaled.length > 0 && !this.#failure) {
      const units = this.#unjournaled.splice(0)
      this.#writerProgress = settle(this.#writerProgress)
      try {
        await this.#journal.append(units.flatMap((u) => u.records))
      } catch (err) {
        this.#fail(err as Error, units.flatMap((u) => u.ops))
        return
      }
      for (const { records } of units) {
        for (const record of records) {
          if (record.kind === 'block') this.#head = { number: record.number, hash: record.hash, timestamp: record.timestamp }
        }
      }
      this.#durable = units.at(-1)!.seq
      for (const { ops } of units) {
        for (const op of ops) {
          if ('error' in op) op.reject(op.error)
          else op.resolve(op.results)
        }
      }
      const held = this.#held
      this.#held = []
      for (const read of held) {
        if (read.seq <= this.#durable) read.release()
        else this.#held.push(read)
      }
    }
  }

  /** Fail-stop: the engine may be ahead of the journal; nothing more is answered but errors. */
  #fail(err: Error, ops: QueuedWrite[]): void {
    this.#failure ??= err
    this.#logger.error({ err }, 'embedded chain: journaling failed; the node stops serving (fail-stop)')
    const unjournaled = this.#unjournaled.splice(0).flatMap((u) => u.ops)
    for (const op of [...ops, ...unjournaled]) op.reject(this.#unavailable())
    for (const read of this.#held.splice(0)) read.fail(this.#unavailable())
  }
}

type Deferred = { promise: Promise<void>; resolve(): void }
function deferred(): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}
/** Resolves `d` and returns a fresh one for the next waiters. */
function settle(d: Deferred): Deferred {
  d.resolve()
  return deferred()
}
