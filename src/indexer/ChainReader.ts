/**
 * What the indexer reads from the chain: the head, block hashes, and the decoded logs of a
 * block range with the headers they need — checked to come from one consistent fork.
 */
import { BlockNotFoundError, type Hex, type PublicClient } from 'viem'
import { IndexerChainError } from '../errors/db.ts'
import { addressIndex, decodeIndexedLog, type AnyIndexedLog, type ContractAddresses, type ContractName } from './contracts.ts'

/** A block header as far as the indexer cares. */
export interface BlockInfo {
  number: number
  hash: Hex
  parentHash: Hex
  /** Unix seconds. */
  timestamp: number
}

/** The logs of one block range and the headers of every block that has some, plus both ends. */
export interface BlockRange {
  fromBlock: number
  toBlock: number
  logs: AnyIndexedLog[]
  /** By block number: `fromBlock`, `toBlock` and every block with logs. */
  blocks: Map<number, BlockInfo>
  /** Logs the ABIs could not decode (ignored, reported in the logs). */
  undecoded: number
}

/** The chain changed while a range was read; reading it again will see one fork. */
export class RangeChangedError extends Error {
  constructor(readonly blockNumber: number) {
    super(`block ${blockNumber} changed while its range was read`)
  }
}

export interface ChainReaderParameters {
  publicClient: PublicClient
  contracts: ContractAddresses
  /** Headers fetched in parallel (default 8). */
  concurrency?: number
}

export class ChainReader {
  readonly #client: PublicClient
  readonly #addresses: `0x${string}`[]
  readonly #byAddress: Map<string, ContractName>
  readonly #concurrency: number

  constructor(p: ChainReaderParameters) {
    this.#client = p.publicClient
    this.#byAddress = addressIndex(p.contracts)
    this.#addresses = Object.values(p.contracts)
    this.#concurrency = p.concurrency ?? 8
  }

  /**
   * The latest block number.
   * @throws {IndexerChainError}
   */
  async head(): Promise<number> {
    try {
      return Number(await this.#client.getBlockNumber({ cacheTime: 0 }))
    } catch (error) {
      throw new IndexerChainError({ reading: 'the head block number', cause: error as Error })
    }
  }

  /**
   * The header at `number`, or undefined above the head.
   * @throws {IndexerChainError}
   */
  async block(number: number): Promise<BlockInfo | undefined> {
    try {
      const b = await this.#client.getBlock({ blockNumber: BigInt(number), includeTransactions: false })
      if (b.hash === null) return undefined
      return { number, hash: b.hash, parentHash: b.parentHash, timestamp: Number(b.timestamp) }
    } catch (error) {
      if (error instanceof BlockNotFoundError) return undefined
      throw new IndexerChainError({ reading: `block ${number}`, cause: error as Error })
    }
  }

  /**
   * Reads `fromBlock..toBlock`. The header of `toBlock` is read first and the other headers
   * after the logs, and every log must name its block's header hash: a reorganisation while
   * reading throws {@link RangeChangedError}; one after it is caught by the next hash check.
   *
   * @throws {IndexerChainError} when the node fails to answer
   */
  async readRange(fromBlock: number, toBlock: number): Promise<BlockRange> {
    try {
      const last = await this.#requireBlock(toBlock)
      const raw = await this.#client.getLogs({ address: this.#addresses, fromBlock: BigInt(fromBlock), toBlock: BigInt(toBlock) })
      const numbers = new Set<number>([fromBlock])
      for (const log of raw) {
        if (log.blockNumber === null || log.blockHash === null || log.logIndex === null || log.transactionHash === null) {
          throw new RangeChangedError(fromBlock) // pending logs: the node is mid-block
        }
        numbers.add(Number(log.blockNumber))
      }
      numbers.delete(toBlock)
      const blocks = new Map<number, BlockInfo>([[toBlock, last]])
      for (const header of await this.#blocks([...numbers])) blocks.set(header.number, header)

      const logs: AnyIndexedLog[] = []
      let undecoded = 0
      for (const log of raw) {
        const header = blocks.get(Number(log.blockNumber))!
        if (header.hash !== log.blockHash) throw new RangeChangedError(header.number)
        const decoded = decodeIndexedLog(log as never, this.#byAddress, header.timestamp)
        if (decoded) logs.push(decoded)
        else undecoded++
      }
      logs.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex)
      return { fromBlock, toBlock, logs, blocks, undecoded }
    } catch (error) {
      if (error instanceof RangeChangedError || error instanceof IndexerChainError) throw error
      throw new IndexerChainError({ reading: `blocks ${fromBlock}..${toBlock}`, cause: error as Error })
    }
  }

  async #requireBlock(number: number): Promise<BlockInfo> {
    const block = await this.block(number)
    if (!block) throw new RangeChangedError(number) // the head moved back below it
    return block
  }

  async #blocks(numbers: number[]): Promise<BlockInfo[]> {
    const out: BlockInfo[] = []
    for (let i = 0; i < numbers.length; i += this.#concurrency) {
      out.push(...(await Promise.all(numbers.slice(i, i + this.#concurrency).map((n) => this.#requireBlock(n)))))
    }
    return out
  }
}
