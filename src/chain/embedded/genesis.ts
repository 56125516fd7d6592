/**
 * The embedded chain's genesis: everything that fixes block 0 and the rules every later block is
 * built with. Written once to `<dataDir>/chain/genesis.json` and read back on every start, so
 * that replaying the journal re-creates byte-identical blocks.
 *
 * Gas is free: the base fee starts at 0 and stays 0, because the journaling provider never puts
 * more declared gas in one block than the EIP-1559 target (half the block gas limit) that would
 * raise it (see mineBatch.ts). Members sign with `maxFeePerGas: 0n, maxPriorityFeePerGas: 0n`
 * (or legacy `gasPrice: 0n`) and need no native coin.
 */
import { stat, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Address, Hex } from 'viem'
import { z } from 'zod'
import { syncDirectory } from './Journal.ts'

/** Contents of genesis.json. Bigint quantities are decimal strings. */
export type Genesis = {
  format: 1
  chainId: number
  /** Genesis block time, ISO 8601 in whole seconds. */
  initialDate: string
  hardfork: string
  blockGasLimit: string
  transactionGasCap: string
  initialBaseFeePerGas: string
  coinbase: Address
  /** Native coin balances (wei) set before block 1; empty by default (gas is free). */
  alloc: Record<Address, string>
  /** Hash of block 0, recorded after the first start and checked on every later one. */
  genesisHash?: Hex | undefined
  /** The engine that created the chain (`web3_clientVersion`), to explain replay mismatches. */
  engine?: string | undefined
}

/** Default chain id (Hardhat's), configurable per data directory at creation. */
export const DEFAULT_CHAIN_ID = 31337
/** EIP-7825 per-transaction gas cap (Osaka). */
export const TRANSACTION_GAS_CAP = 16_777_216n
/** Block gas limit: more than twice the transaction gas cap, which keeps the base fee at zero. */
export const BLOCK_GAS_LIMIT = 60_000_000n

const hex = (bytes?: number) => z.string().regex(bytes ? new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`) : /^0x[0-9a-fA-F]*$/)
const decimal = z.string().regex(/^\d+$/)
const genesisSchema = z
  .object({
    format: z.literal(1),
    chainId: z.number().int().positive(),
    initialDate: z.string().datetime(),
    hardfork: z.string().min(1),
    blockGasLimit: decimal,
    transactionGasCap: decimal,
    initialBaseFeePerGas: decimal,
    coinbase: hex(20),
    alloc: z.record(hex(20), decimal),
    genesisHash: hex(32).optional(),
    engine: z.string().optional(),
  })
  .strict()

/**
 * The genesis a new data directory gets.
 *
 * @example
 * const genesis = newGenesis({ chainId: 31337, initialDate: new Date('2026-01-01T00:00:00Z') })
 */
export function newGenesis({
  chainId = DEFAULT_CHAIN_ID,
  initialDate,
  alloc = {},
}: {
  chainId?: number | undefined
  initialDate: Date
  alloc?: Record<Address, bigint> | undefined
}): Genesis {
  const seconds = Math.floor(initialDate.getTime() / 1000)
  return {
    format: 1,
    chainId,
    initialDate: new Date(seconds * 1000).toISOString(),
    hardfork: 'osaka',
    blockGasLimit: BLOCK_GAS_LIMIT.toString(),
    transactionGasCap: TRANSACTION_GAS_CAP.toString(),
    initialBaseFeePerGas: '0',
    coinbase: '0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e',
    alloc: Object.fromEntries(Object.entries(alloc).map(([a, v]) => [a.toLowerCase(), v.toString()])),
  }
}

/**
 * Reads and validates genesis.json from `chainDir`; `undefined` when there is none yet.
 *
 * @example
 * const genesis = await readGenesis(chainDir)
 */
export async function readGenesis(chainDir: string): Promise<Genesis | undefined> {
  let text: string
  try {
    text = await readFile(genesisPath(chainDir), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return genesisSchema.parse(JSON.parse(text)) as Genesis
}

/**
 * Writes genesis.json atomically (temporary file, fsync, rename, fsync of the directory).
 *
 * @example
 * await writeGenesis(chainDir, { ...genesis, genesisHash })
 */
export async function writeGenesis(chainDir: string, genesis: Genesis): Promise<void> {
  const path = genesisPath(chainDir)
  const tmp = `${path}.tmp`
  await writeFile(tmp, `${JSON.stringify(genesisSchema.parse(genesis), null, 2)}\n`, { flush: true })
  await rename(tmp, path)
  await syncDirectory(chainDir)
}

/**
 * The Hardhat 3 `edr-simulated` network config that reproduces this genesis. No accounts are
 * owned (unlocked): the chain only accepts raw signed transactions. The node drives EDR directly
 * (engine.ts) with the same settings; engine.test.ts checks both build the same blocks.
 *
 * @example
 * const hre = await createHardhatRuntimeEnvironment({ networks: { default: hardhatNetworkConfig(genesis) } }, {}, cwd)
 */
export function hardhatNetworkConfig(genesis: Genesis): Record<string, unknown> {
  return {
    type: 'edr-simulated',
    chainType: 'l1',
    chainId: genesis.chainId,
    networkId: genesis.chainId,
    accounts: [],
    hardfork: genesis.hardfork,
    initialDate: genesis.initialDate,
    blockGasLimit: BigInt(genesis.blockGasLimit),
    transactionGasCap: BigInt(genesis.transactionGasCap),
    initialBaseFeePerGas: BigInt(genesis.initialBaseFeePerGas),
    coinbase: genesis.coinbase,
    // Several blocks per second must not push chain time ahead of wall time.
    allowBlocksWithSameTimestamp: true,
    allowUnlimitedContractSize: false,
    // Behave like a production node: a reverted transaction is mined and its hash returned;
    // the caller reads status 0 from the receipt.
    throwOnTransactionFailures: false,
    throwOnCallFailures: true,
    loggingEnabled: false,
    mining: { auto: true, interval: 0 },
  }
}

/**
 * The creation time of `dir`, whole seconds (birth time where the file system records it,
 * else the earliest of its change/modification times).
 *
 * @example
 * const initialDate = await directoryCreationDate(dataDir)
 */
export async function directoryCreationDate(dir: string): Promise<Date> {
  const s = await stat(dir)
  const candidates = [s.birthtimeMs, s.ctimeMs, s.mtimeMs].filter((ms) => ms > 0)
  const ms = s.birthtimeMs > 0 ? s.birthtimeMs : Math.min(...candidates, Date.now())
  return new Date(Math.floor(ms / 1000) * 1000)
}

function genesisPath(chainDir: string): string {
  return join(chainDir, 'genesis.json')
}
