/**
 * The EIP-1193 provider the embedded chain hands out: the engine's provider, with every write
 * journaled before it is acknowledged.
 *
 * - `eth_sendRawTransaction` (and, with `allowDevMethods`, `evm_mine`, `hardhat_mine`,
 *   `evm_increaseTime`, `evm_setNextBlockTimestamp`) join a queue. The queue runs in batches:
 *   each request of the batch goes to the engine in arrival order (automine: one block per
 *   transaction), then every block mined meanwhile is read back (number, timestamp, hash,
 *   transactions) and appended to the journal with one `fdatasync`. Only then are the callers
 *   answered — with exactly what the engine answered, errors included. Journal order is
 *   therefore mining order, and a reverted transaction is journaled like any other.
 * - Reads run concurrently but never during a batch (readers-writer gate), so nobody sees a
 *   block before it is durable.
 * - Methods that would change state outside the journal are refused ({@link classifyRpcMethod}).
 * - If appending to the journal fails, the engine is ahead of the journal: the provider stops
 *   serving (fail-stop) and every later request gets {@link ChainUnavailableError}.
 */
import { isHex, keccak256, type Hex } from 'viem'
import { ChainUnavailableError, JournalGapError } from '../../errors/chain.ts'
import { readClockOffset } from './clock.ts'
import type { Journal } from './Journal.ts'
import type { BlockRecord, ClockRecord } from './journalFormat.ts'
import type { ChainLogger } from './logger.ts'
import { getBlockNumber, getBlockSummary, type RequestArguments, type RequestFn } from './request.ts'
import { classifyRpcMethod, clockMethods } from './rpcPolicy.ts'
import { RwGate } from './RwGate.ts'

/** The engine provider this wraps (Hardhat's EDR provider satisfies it). */
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
}

type QueuedWrite = {
  requests: RequestArguments[]
  results: unknown[]
  error?: unknown
  resolve(results: unknown[]): void
  reject(err: unknown): void
}

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
  readonly #gate = new RwGate()
  #queue: QueuedWrite[] = []
  #draining: Promise<void> | undefined
  #head: JournaledHead
  #closed = false
  #failure: Error | undefined

  constructor({ engine, journal, head, allowDevMethods, logger, maxBatch = 1024 }: JournalingProviderParameters) {
    this.#engine = engine
    this.#request = (args) => engine.request(args)
    this.#journal = journal
    this.#head = head
    this.#allowDevMethods = allowDevMethods
    this.#logger = logger
    this.#maxBatch = maxBatch
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
    if (kind === 'read') return this.#gate.read(() => this.#request(args))
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

  /** Stops accepting requests and waits until every queued write is journaled and every read done. */
  async close(): Promise<void> {
    this.#closed = true
    while (this.#draining) await this.#draining
    await this.#gate.write(async () => undefined)
  }

  #checkOpen(): void {
    if (this.#failure) throw new ChainUnavailableError({ reason: 'failed', cause: this.#failure })
    if (this.#closed) throw new ChainUnavailableError({ reason: 'closed' })
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

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch)
      if (this.#failure) {
        for (const op of batch) op.reject(new ChainUnavailableError({ reason: 'failed', cause: this.#failure }))
        continue
      }
      try {
        await this.#gate.write(() => this.#runBatch(batch))
      } catch (err) {
        this.#failure = err as Error
        this.#logger.error({ err }, 'embedded chain: journaling failed; the node stops serving (fail-stop)')
        for (const op of batch) op.reject(new ChainUnavailableError({ reason: 'failed', cause: this.#failure }))
        continue
      }
      for (const op of batch) {
        if ('error' in op) op.reject(op.error)
        else op.resolve(op.results)
      }
    }
  }

  /** Executes a batch on the engine, then journals every block it mined. Throws only on journal failure. */
  async #runBatch(batch: QueuedWrite[]): Promise<void> {
    const raws = new Map<string, Hex>()
    let clockTouched = false
    for (const op of batch) {
      try {
        for (const args of op.requests) {
          if (args.method === 'eth_sendRawTransaction') {
            const raw = Array.isArray(args.params) ? args.params[0] : undefined
            if (typeof raw === 'string' && isHex(raw, { strict: true }) && raw.length % 2 === 0) raws.set(keccak256(raw), raw)
          }
          if (clockMethods.has(args.method)) clockTouched = true
          op.results.push(await this.#request(args))
        }
      } catch (err) {
        op.error = err
      }
    }
    const records: (BlockRecord | ClockRecord)[] = await this.#newBlocks(raws)
    if (clockTouched) records.push({ kind: 'clock', offsetSeconds: await readClockOffset(this.#request) })
    await this.#journal.append(records)
    for (const record of records) {
      if (record.kind === 'block') this.#head = { number: record.number, hash: record.hash, timestamp: record.timestamp }
    }
  }

  /** Records for every block after the journaled head, with each transaction's raw bytes. */
  async #newBlocks(raws: Map<string, Hex>): Promise<BlockRecord[]> {
    const head = await getBlockNumber(this.#request)
    const numbers: bigint[] = []
    for (let n = this.#head.number + 1n; n <= head; n++) numbers.push(n)
    const blocks = await Promise.all(numbers.map((n) => getBlockSummary(this.#request, n)))
    return blocks.map((block) => {
      const number = BigInt(block.number)
      const txs = block.transactions.map((hash) => {
        const raw = raws.get(hash.toLowerCase())
        if (raw === undefined) throw new JournalGapError({ blockNumber: number, txHash: hash })
        return raw
      })
      return { kind: 'block', number, timestamp: BigInt(block.timestamp), hash: block.hash, txs }
    })
  }
}
