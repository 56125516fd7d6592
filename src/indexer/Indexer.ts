/**
 * The chain indexer: polls the chain for the logs of the deployment's contracts in block
 * ranges and turns them into tables through one processor per event (./processors/registry.ts).
 *
 * - One database transaction per block range holds its rows, their undo records, the block
 *   hashes and the new `indexer_state.last_block`: a crash at any point leaves the state of the
 *   last committed range, and the next run resumes right after it.
 * - It indexes up to `head - confirmations`, checks before each range that the last indexed
 *   block is still on the chain, and on a reorganisation rolls back to the newest block that
 *   is (./reorg.ts) and indexes the new fork.
 *
 * @example
 * const indexer = new Indexer({ db, publicClient, deployment, logger })
 * await indexer.runOnce()          // catch up once (tests, CLI)
 * indexer.start()                  // or follow the chain (the node) …
 * await indexer.stop()             // … until shutdown
 */
import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import type { PublicClient } from 'viem'
import type { Deployment } from '../chain/deploy.ts'
import { lowerHex } from '../db/codec.ts'
import type { Database, IndexerStateTable } from '../db/schema.ts'
import { IndexerAlreadyRunningError, IndexerChainError, IndexerConfigurationError } from '../errors/db.ts'
import { ChainReader, RangeChangedError, type BlockRange } from './ChainReader.ts'
import { commitRange } from './commitRange.ts'
import type { ContractAddresses } from './contracts.ts'
import { prepareIndexerState, readIndexerState, storedBlockAtOrBelow, verifyDeployment } from './indexerState.ts'
import { silentIndexerLogger, type IndexerLogger } from './logger.ts'
import { processors as defaultProcessors } from './processors/registry.ts'
import type { ProcessorRegistry } from './processors/types.ts'
import { rollBack, type Reorganisation } from './reorg.ts'

/** The part of a {@link Deployment} the indexer needs. */
export type IndexerDeployment = Pick<Deployment, 'chainId' | 'credit' | 'alliance' | 'pricing' | 'marketplace' | 'supervision' | 'treasury' | 'fromBlock'>

export interface IndexerParameters {
  db: Kysely<Database>
  publicClient: PublicClient
  deployment: IndexerDeployment
  /** Name of this indexer's `indexer_state` row (default 'default'). */
  name?: string | undefined
  /** Blocks to stay behind the head (default 0: the embedded chain never reorganises). */
  confirmations?: number | undefined
  /** Blocks per eth_getLogs request and per transaction (default 2000). */
  batchSize?: number | undefined
  /**
   * Blocks behind the head for which undo data is kept (default 64): a reorganisation up to
   * this deep is rolled back; deeper ones stop the indexer with ReorgTooDeepError. 0 keeps
   * none (for chains with instant finality such as QBFT or the embedded chain).
   */
  reorgDepth?: number | undefined
  /** Pause between polls of {@link Indexer.start} (default 1000 ms). */
  pollIntervalMs?: number | undefined
  logger?: IndexerLogger | undefined
  /** Processors to use instead of the registry (tests inject failures this way). */
  processors?: ProcessorRegistry | undefined
}

/** Reported after each committed block range. */
export interface IndexerProgress {
  fromBlock: number
  toBlock: number
  events: number
  /** Where the run is heading: `min(head - confirmations, toBlock option)`. */
  targetBlock: number
  headBlock: number
  durationMs: number
}

/** Reported after a reorganisation was rolled back. */
export type IndexerReorg = Reorganisation

export interface IndexerEvents {
  progress: [IndexerProgress]
  reorg: [IndexerReorg]
  /** A run of the {@link Indexer.start} loop failed (it retries after a back-off). */
  error: [Error]
}

export interface RunOnceOptions {
  /** Index no further than this block (default: the confirmed head). */
  toBlock?: number | undefined
}

export interface RunOnceReturnType {
  /** Last indexed block after the run. */
  lastBlock: number
  headBlock: number
  batches: number
  events: number
  reorgs: IndexerReorg[]
}

/** What {@link Indexer.status} reports. */
export interface IndexerStatusReturnType {
  running: boolean
  /** Null before the first run. */
  lastBlock: number | null
  headBlock: number
  /** Blocks between the last indexed one and `head - confirmations`. */
  behind: number
}

/** A few retries when the chain changes under a range being read. */
const MAX_CONSECUTIVE_RETRIES = 8

export class Indexer extends EventEmitter<IndexerEvents> {
  readonly name: string
  readonly confirmations: number
  readonly batchSize: number
  readonly reorgDepth: number
  readonly pollIntervalMs: number
  readonly #db: Kysely<Database>
  readonly #client: PublicClient
  readonly #deployment: IndexerDeployment
  readonly #contracts: ContractAddresses
  readonly #reader: ChainReader
  readonly #log: IndexerLogger
  readonly #processors: ProcessorRegistry
  #verified = false
  #loop: Promise<void> | undefined
  #abort: AbortController | undefined

  constructor(p: IndexerParameters) {
    super()
    this.#db = p.db
    this.#client = p.publicClient
    this.#deployment = p.deployment
    this.name = p.name ?? 'default'
    this.confirmations = nonNegative('confirmations', p.confirmations ?? 0)
    this.batchSize = Math.max(1, nonNegative('batchSize', p.batchSize ?? 2000))
    this.reorgDepth = nonNegative('reorgDepth', p.reorgDepth ?? 64)
    this.pollIntervalMs = nonNegative('pollIntervalMs', p.pollIntervalMs ?? 1000)
    this.#log = p.logger ?? silentIndexerLogger
    this.#processors = p.processors ?? defaultProcessors
    this.#contracts = {
      Alliance: p.deployment.alliance,
      AllianceCredit: p.deployment.credit,
      Marketplace: p.deployment.marketplace,
      Pricing: p.deployment.pricing,
      Supervision: p.deployment.supervision,
    }
    this.#reader = new ChainReader({ publicClient: p.publicClient, contracts: this.#contracts })
  }

  /** True between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.#loop !== undefined
  }

  /**
   * Indexes every confirmed block not indexed yet (or up to `toBlock`), one transaction per
   * range of `batchSize` blocks, rolling back first if the chain reorganised.
   *
   * @throws {IndexerConfigurationError} the database belongs to another chain or deployment
   * @throws {ReorgTooDeepError} the chain replaced blocks beyond the undo window
   * @throws {IndexerProcessorError} a processor failed (its range is not committed)
   * @throws {IndexerChainError} the node did not answer
   */
  async runOnce(options: RunOnceOptions = {}): Promise<RunOnceReturnType> {
    let state = await this.#prepare()
    const result: RunOnceReturnType = { lastBlock: state.last_block, headBlock: state.last_block, batches: 0, events: 0, reorgs: [] }
    let retries = 0
    while (!this.#abort?.signal.aborted) {
      const head = await this.#reader.head()
      result.headBlock = head
      const target = Math.min(head - this.confirmations, options.toBlock ?? Number.POSITIVE_INFINITY)

      // Is the last indexed block (or, when the head is below it, the newest stored block the
      // head reaches) still on the chain? A node that lags behind is waited for, not rolled back.
      const probe = state.last_block <= head ? { block_number: state.last_block, block_hash: state.last_block_hash } : await storedBlockAtOrBelow(this.#db, head)
      const onChain = probe && (await this.#reader.block(probe.block_number))
      if (!probe || onChain?.hash !== probe.block_hash) {
        if (++retries > MAX_CONSECUTIVE_RETRIES) throw new IndexerChainError({ reading: `blocks ${state.last_block}..${head}`, cause: new Error('the chain keeps changing under the indexer') })
        const reorg = await this.#rollBack(state)
        result.reorgs.push(reorg)
        state = await readIndexerState(this.#db, this.name)
        continue
      }
      if (state.last_block >= target) break

      const fromBlock = state.last_block + 1
      const toBlock = Math.min(fromBlock + this.batchSize - 1, target)
      let range: BlockRange
      try {
        range = await this.#reader.readRange(fromBlock, toBlock)
        if (range.blocks.get(fromBlock)!.parentHash !== state.last_block_hash) throw new RangeChangedError(state.last_block)
      } catch (error) {
        if (!(error instanceof RangeChangedError)) throw error
        if (++retries > MAX_CONSECUTIVE_RETRIES) throw new IndexerChainError({ reading: `blocks ${fromBlock}..${toBlock}`, cause: error })
        this.#log.debug({ fromBlock, toBlock, block: error.blockNumber }, 'the chain changed while reading; reading again')
        continue
      }
      retries = 0
      const started = performance.now()
      state = await commitRange({ db: this.#db, name: this.name, range, state, head, reorgDepth: this.reorgDepth, processors: this.#processors, treasury: lowerHex(this.#deployment.treasury) })
      const progress: IndexerProgress = { fromBlock, toBlock, events: range.logs.length, targetBlock: target, headBlock: head, durationMs: Math.round(performance.now() - started) }
      result.batches++
      result.events += range.logs.length
      this.#log.info({ ...progress, undecoded: range.undecoded || undefined }, 'indexed blocks')
      this.emit('progress', progress)
    }
    result.lastBlock = state.last_block
    return result
  }

  /**
   * Follows the chain in the background: {@link runOnce}, then waits `pollIntervalMs`, until
   * {@link stop}. A failed run is logged, emitted as 'error' (when listened to) and retried
   * with a back-off of up to 30 s.
   *
   * @throws {IndexerAlreadyRunningError}
   */
  start(): void {
    if (this.#loop) throw new IndexerAlreadyRunningError()
    const abort = new AbortController()
    this.#abort = abort
    this.#loop = (async () => {
      let failures = 0
      while (!abort.signal.aborted) {
        let delay = this.pollIntervalMs
        try {
          await this.runOnce()
          failures = 0
        } catch (error) {
          failures++
          delay = Math.min(30_000, this.pollIntervalMs * 2 ** Math.min(failures, 5))
          this.#log.error({ err: error, failures, retryInMs: delay }, 'indexing failed')
          if (this.listenerCount('error') > 0) this.emit('error', error as Error)
        }
        await sleep(delay, undefined, { signal: abort.signal }).catch(() => {})
      }
    })()
    this.#log.info({ name: this.name, confirmations: this.confirmations, reorgDepth: this.reorgDepth }, 'indexer started')
  }

  /**
   * Where the indexer stands against the chain, for health checks: `behind` counts the blocks
   * it still has to index (confirmations included).
   *
   * @example
   * const { lastBlock, behind } = await indexer.status() // behind 0: caught up
   */
  async status(): Promise<IndexerStatusReturnType> {
    const [state, headBlock] = await Promise.all([
      this.#db.selectFrom('indexer_state').select('last_block').where('name', '=', this.name).executeTakeFirst(),
      this.#reader.head(),
    ])
    const lastBlock = state?.last_block ?? null
    const target = headBlock - this.confirmations
    return { running: this.running, lastBlock, headBlock, behind: Math.max(0, target - (lastBlock ?? Number(this.#deployment.fromBlock) - 1)) }
  }

  /** Stops the loop of {@link start} after the range in progress commits (or fails). */
  async stop(): Promise<void> {
    const loop = this.#loop
    if (!loop) return
    this.#abort!.abort()
    await loop
    this.#loop = undefined
    this.#abort = undefined
    this.#log.info({ name: this.name }, 'indexer stopped')
  }

  /** Creates the state row on first use; checks it and the chain against the deployment. */
  async #prepare(): Promise<IndexerStateTable> {
    if (!this.#verified) {
      await verifyDeployment(this.#client, this.#deployment)
      this.#verified = true
    }
    const { state, created } = await prepareIndexerState({ db: this.#db, reader: this.#reader, client: this.#client, name: this.name, deployment: this.#deployment, contracts: this.#contracts })
    if (created) this.#log.info({ name: this.name, fromBlock: state.from_block }, 'indexer state created')
    return state
  }

  async #rollBack(state: IndexerStateTable): Promise<IndexerReorg> {
    const reorg = await rollBack(this.#db, this.#reader, this.name, state)
    this.#log.warn({ ...reorg }, 'chain reorganisation: rolled back to the newest block still on the chain')
    this.emit('reorg', reorg)
    return reorg
  }
}

function nonNegative(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new IndexerConfigurationError(`Indexer option ${name} must be a non-negative integer, not ${value}.`)
  return value
}

