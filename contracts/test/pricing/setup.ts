/**
 * Test support for the pricing contract tests: a devnet whose viem clients do not retry.
 * The shared devnet's transport keeps viem's default of three retries with back-off, which
 * turns every expected revert into a one-second wait.
 */
import { BaseError, ContractFunctionRevertedError, createPublicClient, createWalletClient, custom, type Account, type PublicClient, type WalletClient } from 'viem'
import { hardhat } from 'viem/chains'
import { createDevnet, type Devnet } from '../../../src/testing/devnet.ts'

export interface PricingDevnet extends Devnet {
  /** Public client without retries. */
  client: PublicClient
  /** Wallet client without retries. */
  walletFor(account: Account): WalletClient
}

export async function createPricingDevnet(): Promise<PricingDevnet> {
  const net = await createDevnet()
  const transport = custom(net.provider, { retryCount: 0 })
  const client = createPublicClient({ chain: hardhat, transport, pollingInterval: 5 }) as PublicClient
  return { ...net, client, walletFor: (account) => createWalletClient({ account, chain: hardhat, transport }) as WalletClient }
}

/** The custom error name a viem contract error carries; rethrows anything else. */
export function revertName(e: unknown): string {
  if (e instanceof BaseError) {
    const revert = e.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null
    if (revert?.data?.errorName) return revert.data.errorName
  }
  throw e
}
