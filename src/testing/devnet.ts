/**
 * An in-memory EDR chain for tests: no journal, no data directory, fresh state per call.
 * Use the embedded chain (src/chain/embedded) when durability is what is being tested.
 */
import { fileURLToPath } from 'node:url'
import { createHardhatRuntimeEnvironment } from 'hardhat/hre'
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  custom,
  type Abi,
  type Account,
  type Chain,
  type Address,
  type EIP1193Provider,
  type Hex,
  type PublicClient,
  type TestClient,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { allianceChain } from '../chain/chains.ts'

/** Hardhat's well-known development keys (public test keys, never for real funds). */
export const devPrivateKeys: readonly Hex[] = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
]

export interface Devnet {
  chain: Chain
  provider: EIP1193Provider
  publicClient: PublicClient
  testClient: TestClient
  accounts: Account[]
  wallet(account: Account): WalletClient
  /** Deploys a contract and returns its address (waits for the receipt). */
  deploy(params: { abi: Abi; bytecode: Hex; args?: readonly unknown[]; account?: Account }): Promise<Address>
  /** Moves chain time forward and mines one block. */
  increaseTime(seconds: number): Promise<void>
}

/**
 * Starts a fresh in-memory chain with free gas; the ten dev accounts also hold 10,000 ETH
 * each, but any key can send transactions.
 */
export async function createDevnet(): Promise<Devnet> {
  const hre = await createHardhatRuntimeEnvironment(
    {
      networks: {
        default: {
          type: 'edr-simulated',
          chainType: 'l1',
          allowUnlimitedContractSize: false,
          initialBaseFeePerGas: 0, // free gas, as on the alliance chain (src/chain/chains.ts)
          accounts: devPrivateKeys.map((privateKey) => ({ privateKey, balance: '10000000000000000000000' })),
        },
      },
    } as never,
    {},
    fileURLToPath(new URL('../../', import.meta.url)), // databourse's root (hardhat needs a package.json)
  )
  const { provider } = await hre.network.create()
  const eip1193 = provider as unknown as EIP1193Provider
  // No retries: a refused call is an answer, not a transient failure (and tests expect many).
  const transport = custom(eip1193, { retryCount: 0 })
  const chain = allianceChain({ id: 31337, rpcUrl: 'http://127.0.0.1:8545' })
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 10 }) as PublicClient
  const testClient = createTestClient({ chain, transport, mode: 'hardhat' }) as TestClient
  const accounts = devPrivateKeys.map((k) => privateKeyToAccount(k))
  const wallet = (account: Account) => createWalletClient({ account, chain, transport }) as WalletClient
  return {
    chain,
    provider: eip1193,
    publicClient,
    testClient,
    accounts,
    wallet,
    async deploy({ abi, bytecode, args = [], account = accounts[0]! }) {
      const hash = await wallet(account).deployContract({ abi, bytecode, args, account, chain } as never)
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 5 })
      if (!receipt.contractAddress) throw new Error(`deployment failed: ${hash}`)
      return receipt.contractAddress
    },
    async increaseTime(seconds) {
      await testClient.increaseTime({ seconds })
      await testClient.mine({ blocks: 1 })
    },
  }
}
