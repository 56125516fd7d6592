/**
 * Starts the EVM engine: EDR (`@nomicfoundation/edr`, the engine inside Hardhat 3's
 * `edr-simulated` network), driven directly, configured from a genesis.
 *
 * Hardhat's network manager wraps every request in hook-handler chains, request handlers and a
 * stack-trace decoder; none of them changes what the engine executes. Driving EDR directly
 * skips that work and lets the node choose how blocks are made: automine off, and a first-in
 * first-out mempool, so a block holds its transactions in the order they were sent (Hardhat's
 * default orders them by tip). Everything else is what Hardhat 3.18 hands EDR for
 * {@link hardhatNetworkConfig}: from the same requests both build byte-identical blocks
 * (engine.test.ts), so journals written through Hardhat replay here.
 */
import { EventEmitter } from 'node:events'
import {
  ContractDecoder,
  EdrContext,
  GasEstimationMode,
  L1_CHAIN_TYPE,
  l1GenesisState,
  l1HardforkFromString,
  l1ProviderFactory,
  MineOrdering,
  type Provider,
  type ProviderConfig,
} from '@nomicfoundation/edr'
import { hexToBytes } from 'viem'
import { EngineRpcError } from '../../errors/chain.ts'
import type { Genesis } from './genesis.ts'
import type { EngineProvider } from './JournalingProvider.ts'
import type { RequestArguments } from './request.ts'

/** A running engine: its raw (unjournaled) provider, and how to stop it. */
export type Engine = { provider: EngineProvider; close(): Promise<void> }

/** Options of {@link createEngine} that do not change the chain (not part of genesis). */
export type CreateEngineOptions = {
  /**
   * Mine a block for every accepted transaction (default true). The journaling provider turns
   * it off and mines its batches itself; replay mines explicitly either way.
   */
  autoMine?: boolean | undefined
}

/**
 * EDR wants one context per process (a second one prints a warning about its global tracing
 * subscriber); Hardhat keeps its own, so a process that also runs Hardhat networks (tests,
 * benchmarks) has two.
 */
let context: Promise<EdrContext> | undefined
function edrContext(): Promise<EdrContext> {
  context ??= (async () => {
    const created = new EdrContext()
    await created.registerProviderFactory(L1_CHAIN_TYPE, l1ProviderFactory())
    return created
  })().catch((err: unknown) => {
    context = undefined
    throw err
  })
  return context
}

/**
 * The EDR provider config for `genesis`: the same values Hardhat 3.18 derives from
 * `hardhatNetworkConfig(genesis)` (no owned accounts, so the genesis state is the hardfork's
 * system contracts only), except the mempool order (first in, first out) and automine.
 *
 * @example
 * const config = edrProviderConfig(newGenesis({ initialDate: new Date() }), { autoMine: false })
 */
export function edrProviderConfig(genesis: Genesis, { autoMine = true }: CreateEngineOptions = {}): ProviderConfig {
  const blockGasLimit = BigInt(genesis.blockGasLimit)
  const transactionGasCap = BigInt(genesis.transactionGasCap)
  return {
    allowBlocksWithSameTimestamp: true,
    allowUnlimitedContractSize: false,
    // Like a production node: eth_call reverts are errors, a reverted transaction is mined.
    bailOnCallFailure: true,
    bailOnTransactionFailure: false,
    chainId: BigInt(genesis.chainId),
    coinbase: hexToBytes(genesis.coinbase),
    defaultTransactionGasLimit: transactionGasCap,
    gasEstimationMode: GasEstimationMode.NoInternalOutOfGas,
    genesisState: l1GenesisState(l1HardforkFromString(genesis.hardfork)),
    hardfork: genesis.hardfork,
    initialBaseFeePerGas: BigInt(genesis.initialBaseFeePerGas),
    minGasPrice: 0n,
    mining: {
      autoMine,
      blockGasLimit,
      // First come, first mined: a batch's block holds its transactions in arrival order.
      memPool: { order: MineOrdering.Fifo },
    },
    network: { genesisBlockGasLimit: blockGasLimit, genesisBlockTime: BigInt(Date.parse(genesis.initialDate) / 1000) },
    networkId: BigInt(genesis.chainId),
    observability: {},
    ownedAccounts: [],
    precompileOverrides: [],
    transactionGasCap,
  }
}

/**
 * Creates a fresh engine at block 0 of `genesis`. Its provider is NOT durable: only the
 * embedded chain (or a test of its parts) should hold it.
 *
 * @example
 * const engine = await createEngine(newGenesis({ initialDate: new Date() }))
 * await engine.provider.request({ method: 'eth_blockNumber' }) // '0x0'
 */
export async function createEngine(genesis: Genesis, options: CreateEngineOptions = {}): Promise<Engine> {
  const events = new EventEmitter()
  const edr: Provider = await (await edrContext()).createProvider(
    L1_CHAIN_TYPE,
    edrProviderConfig(genesis, options),
    // EDR calls the decoder for every mined transaction, even with logging off (console.log
    // output of contracts is not shown by the node).
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} },
    {
      // eth_subscribe notifications, in both EIP-1193 shapes (as Hardhat's provider emits them).
      subscriptionCallback: (event) => {
        const subscription = `0x${event.filterId.toString(16)}`
        for (const result of Array.isArray(event.result) ? event.result : [event.result]) {
          events.emit('notification', { subscription, result })
          events.emit('message', { type: 'eth_subscription', data: { subscription, result } })
        }
      },
    },
    new ContractDecoder(),
  )
  let nextId = 1
  let closed = false
  const request = async ({ method, params }: RequestArguments): Promise<unknown> => {
    if (closed) throw new EngineRpcError({ message: 'The engine is closed.', code: -32603 })
    if (params !== undefined && !Array.isArray(params)) {
      throw new EngineRpcError({ message: `Invalid params for ${method}: expected an array`, code: -32602 })
    }
    const response = await edr.handleRequest(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params: params ?? [] }))
    const data = response.data
    const json = (typeof data === 'string' ? JSON.parse(data) : data) as { result?: unknown; error?: { code: number; message: string; data?: unknown } }
    if (json.error) throw engineError(json.error)
    return json.result
  }
  return {
    provider: {
      request,
      on: (event, listener) => events.on(event, listener),
      removeListener: (event, listener) => events.removeListener(event, listener),
    },
    close: async () => {
      closed = true
      events.removeAllListeners()
    },
  }
}

/**
 * A JSON-RPC error answer as the error a caller gets. A revert becomes code 3 with the revert
 * data as a hex string (EIP-1474, geth; what Hardhat's provider throws too), so viem decodes
 * custom errors; anything else keeps EDR's code and data.
 */
function engineError(error: { code: number; message: string; data?: unknown }): EngineRpcError {
  const data = error.data as { data?: unknown; transactionHash?: unknown } | null | undefined
  if (data && typeof data === 'object' && typeof data.data === 'string' && data.data.startsWith('0x')) {
    const transactionHash = typeof data.transactionHash === 'string' ? data.transactionHash : undefined
    return new EngineRpcError({ message: error.message, code: 3, data: data.data, transactionHash })
  }
  return new EngineRpcError({ message: error.message, code: error.code, data: error.data })
}
