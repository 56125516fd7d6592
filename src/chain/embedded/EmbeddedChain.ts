/**
 * The embedded, durable chain: the EDR engine (Hardhat 3's) in process, made durable by a
 * write-ahead journal in `<dataDir>/chain/` (genesis.json, journal.bin, LOCK). See README.md
 * beside this file.
 */
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Address, EIP1193Provider } from 'viem'
import { ForbiddenRpcMethodError, GenesisConflictError, ReplayMismatchError } from '../../errors/chain.ts'
import { alignChainClock } from './clock.ts'
import { createEngine, type Engine } from './engine.ts'
import { directoryCreationDate, newGenesis, readGenesis, writeGenesis, type Genesis } from './genesis.ts'
import { Journal } from './Journal.ts'
import type { BlockRecord, ClockRecord } from './journalFormat.ts'
import { JournalingProvider, type JournaledHead } from './JournalingProvider.ts'
import { acquireLock, type DirectoryLock } from './lock.ts'
import { silentLogger, type ChainLogger } from './logger.ts'
import { replayJournal } from './replay.ts'
import { getBlockSummary } from './request.ts'

/** Parameters of {@link EmbeddedChain.open}. */
export type EmbeddedChainOpenParameters = {
  /** The node's data directory; the chain lives in `<dataDir>/chain/`. */
  dataDir: string
  /** Chain id for a new data directory (default 31337); must match an existing one. */
  chainId?: number | undefined
  /** Native coin balances (wei) for a new data directory. Gas is free, so none are needed. */
  alloc?: Record<Address, bigint> | undefined
  logger?: ChainLogger | undefined
  /** Serve (and journal) evm_mine, hardhat_mine, evm_increaseTime, evm_setNextBlockTimestamp. */
  allowDevMethods?: boolean | undefined
  /** Replay progress in blocks: (done, total). */
  onProgress?: ((done: number, total: number) => void) | undefined
}

/** What happened while opening. */
export type EmbeddedChainStartup = {
  createdGenesis: boolean
  replayedBlocks: number
  replayedTransactions: number
  replayMs: number
  /** Bytes of torn journal tail removed (a crash cut the last, unacknowledged append). */
  truncatedBytes: number
}

/**
 * A running embedded chain.
 *
 * @example
 * const chain = await EmbeddedChain.open({ dataDir: '.bourse' })
 * const client = createPublicClient({ transport: custom(chain.provider) })
 * // sign with maxFeePerGas: 0n, maxPriorityFeePerGas: 0n: gas is free
 * await chain.close()
 */
export class EmbeddedChain {
  /** EIP-1193 provider; writes are durable when they resolve. Use with viem's `custom()`. */
  readonly provider: EIP1193Provider
  readonly chainId: number
  readonly dataDir: string
  readonly genesis: Genesis
  readonly startup: EmbeddedChainStartup
  readonly #journaling: JournalingProvider
  readonly #allowDevMethods: boolean
  readonly #close: () => Promise<void>
  #closing: Promise<void> | undefined

  private constructor(args: {
    journaling: JournalingProvider
    genesis: Genesis
    dataDir: string
    startup: EmbeddedChainStartup
    allowDevMethods: boolean
    close: () => Promise<void>
  }) {
    this.#journaling = args.journaling
    this.provider = args.journaling as unknown as EIP1193Provider
    this.genesis = args.genesis
    this.chainId = args.genesis.chainId
    this.dataDir = args.dataDir
    this.startup = args.startup
    this.#allowDevMethods = args.allowDevMethods
    this.#close = args.close
  }

  /**
   * Opens the chain in `dataDir` (creating it on first use), replays its journal, checks the
   * replayed head hash, and moves the chain clock to wall time.
   *
   * @throws JournalCorruptError, JournalMismatchError, ReplayMismatchError, ReplayFailedError,
   *   GenesisConflictError, ChainLockedError
   * @example
   * const chain = await EmbeddedChain.open({ dataDir, onProgress: (done, total) => bar.update(done / total) })
   */
  static async open({
    dataDir,
    chainId,
    alloc,
    logger = silentLogger,
    allowDevMethods = false,
    onProgress,
  }: EmbeddedChainOpenParameters): Promise<EmbeddedChain> {
    const chainDir = join(resolve(dataDir), 'chain')
    await mkdir(chainDir, { recursive: true })
    const lock = await acquireLock(join(chainDir, 'LOCK'))
    let engine: Engine | undefined
    let journal: Journal | undefined
    try {
      let genesis = await readGenesis(chainDir)
      const createdGenesis = genesis === undefined
      if (!genesis) {
        genesis = newGenesis({ chainId, initialDate: await directoryCreationDate(dataDir), alloc })
      } else if (chainId !== undefined && chainId !== genesis.chainId) {
        throw new GenesisConflictError({ field: 'chainId', existing: String(genesis.chainId), requested: String(chainId) })
      }
      // Automine off: replay and the journaling provider mine every block explicitly.
      engine = await createEngine(genesis, { autoMine: false })
      const request = engine.provider.request.bind(engine.provider)
      const block0 = await getBlockSummary(request, 0n)
      const engineVersion = String(await request({ method: 'web3_clientVersion' }))
      if (genesis.genesisHash && genesis.genesisHash !== block0.hash) {
        throw new ReplayMismatchError({ blockNumber: 0n, expected: genesis.genesisHash, actual: block0.hash, engine: engineVersion })
      }
      if (!genesis.genesisHash) {
        genesis = { ...genesis, genesisHash: block0.hash, engine: engineVersion }
        await writeGenesis(chainDir, genesis)
      }
      for (const [address, wei] of Object.entries(genesis.alloc)) {
        await request({ method: 'hardhat_setBalance', params: [address, `0x${BigInt(wei).toString(16)}`] })
      }

      const opened = await Journal.open({
        path: join(chainDir, 'journal.bin'),
        header: { chainId: BigInt(genesis.chainId), genesisHash: block0.hash },
        logger,
      })
      journal = opened.journal
      const blocks = opened.records.filter((r): r is BlockRecord => r.kind === 'block')
      const clocks = opened.records.filter((r): r is ClockRecord => r.kind === 'clock')
      const started = performance.now()
      await replayJournal({ request, blocks, onProgress, engine: engineVersion, journalPath: journal.path })
      const replayMs = Math.round(performance.now() - started)
      await alignChainClock(request, clocks.at(-1)?.offsetSeconds ?? 0n)

      const last = blocks.at(-1)
      const head: JournaledHead = last
        ? { number: last.number, hash: last.hash, timestamp: last.timestamp }
        : { number: 0n, hash: block0.hash, timestamp: BigInt(block0.timestamp) }
      const startup: EmbeddedChainStartup = {
        createdGenesis,
        replayedBlocks: blocks.length,
        replayedTransactions: blocks.reduce((n, b) => n + b.txs.length, 0),
        replayMs,
        truncatedBytes: opened.truncatedBytes,
      }
      logger.info({ chainDir, chainId: genesis.chainId, head: head.number, ...startup }, 'embedded chain: open')
      const journaling = new JournalingProvider({
        engine: engine.provider,
        journal,
        head,
        allowDevMethods,
        logger,
        blockGasTarget: BigInt(genesis.blockGasLimit) / 2n,
        transactionGasCap: BigInt(genesis.transactionGasCap),
      })
      const openEngine = engine
      const openJournal = journal
      return new EmbeddedChain({
        journaling,
        genesis,
        dataDir,
        startup,
        allowDevMethods,
        close: async () => {
          try {
            await journaling.close()
          } finally {
            await openJournal.close()
            await openEngine.close()
            await lock.release()
          }
        },
      })
    } catch (err) {
      await journal?.close().catch(() => undefined)
      await engine?.close().catch(() => undefined)
      await lock.release()
      throw err
    }
  }

  /**
   * The last durable block.
   *
   * @example
   * const { number, hash, timestamp } = chain.headBlock()
   */
  headBlock(): JournaledHead {
    return this.#journaling.head
  }

  /**
   * Moves chain time forward by `seconds` and mines one block (journaled). Needs `allowDevMethods`.
   *
   * @example
   * await chain.increaseTime(7 * 24 * 3600) // pass a confirmation deadline in a demo
   */
  async increaseTime(seconds: number): Promise<JournaledHead> {
    if (!this.#allowDevMethods) throw new ForbiddenRpcMethodError({ method: 'evm_increaseTime', reason: 'dev-disabled' })
    if (!Number.isSafeInteger(seconds) || seconds < 0) throw new RangeError(`seconds must be a non-negative integer, got ${seconds}`)
    await this.#journaling.writeAtomically([
      { method: 'evm_increaseTime', params: [seconds] },
      { method: 'evm_mine', params: [] },
    ])
    return this.#journaling.head
  }

  /**
   * Waits for queued writes to be journaled, then stops the engine and releases the data directory.
   *
   * @example
   * await chain.close()
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }
}
