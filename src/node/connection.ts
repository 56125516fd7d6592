/**
 * A connection to the alliance chain as viem clients: either the in-process embedded chain
 * or any EVM JSON-RPC URL. Everything above this file is the same for both.
 */
import {
  createPublicClient,
  createWalletClient,
  custom,
  http,
  type Account,
  type Chain,
  type EIP1193Provider,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { allianceChain } from '../chain/chains.ts'
import { EmbeddedChain } from '../chain/embedded/EmbeddedChain.ts'

export interface ChainConnection {
  chain: Chain
  publicClient: PublicClient
  walletFor(account: Account): WalletClient
  /** Present when the chain runs in this process. */
  embedded?: EmbeddedChain
  close(): Promise<void>
}

function clients(chain: Chain, transport: Transport) {
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100, cacheTime: 0 }) as PublicClient
  const wallets = new Map<string, WalletClient>()
  const walletFor = (account: Account) => {
    let w = wallets.get(account.address)
    if (!w) {
      w = createWalletClient({ account, chain, transport }) as WalletClient
      wallets.set(account.address, w)
    }
    return w
  }
  return { publicClient, walletFor }
}

/** Opens (or creates) the embedded chain in `<dataDir>/chain` and connects to it. */
export async function openEmbeddedChain(p: {
  dataDir: string
  chainId: number
  allowDevMethods?: boolean
  onProgress?: (done: number, total: number) => void
}): Promise<ChainConnection> {
  const embedded = await EmbeddedChain.open({
    dataDir: p.dataDir,
    chainId: p.chainId,
    allowDevMethods: p.allowDevMethods,
    onProgress: p.onProgress,
  })
  const chain = allianceChain({ id: embedded.chainId, rpcUrl: 'http://127.0.0.1:8545' })
  return { chain, ...clients(chain, custom(embedded.provider as EIP1193Provider, { retryCount: 0 })), embedded, close: () => embedded.close() }
}

/** Connects to a JSON-RPC URL (a running databourse node, Besu, any EVM node). */
export function connectRpc(p: { rpcUrl: string; chainId: number; freeGas?: boolean }): ChainConnection {
  const chain = allianceChain({ id: p.chainId, rpcUrl: p.rpcUrl, freeGas: p.freeGas })
  return { chain, ...clients(chain, http(p.rpcUrl, { batch: false, retryCount: 0, timeout: 30_000 })), close: async () => {} }
}
