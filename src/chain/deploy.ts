/**
 * Deploys the databourse contracts (credit token, alliance registry, pricing, marketplace,
 * supervision) and returns their addresses as a {@link Deployment} record the SDK and CLI
 * load later.
 */
import { getContractAddress, parseEther, type Account, type Address, type Chain, type PublicClient, type WalletClient } from 'viem'
import {
  AllianceAbi,
  AllianceBytecode,
  AllianceCreditAbi,
  AllianceCreditBytecode,
  DynamicPricingAbi,
  DynamicPricingBytecode,
  FixedPricingAbi,
  FixedPricingBytecode,
  MarketplaceAbi,
  MarketplaceBytecode,
  SupervisionAbi,
  SupervisionBytecode,
  EnclaveRegistryAbi,
  EnclaveRegistryBytecode,
} from '../contracts/generated.ts'
import { SEED_001_PARAMETERS } from '../pricing/simulator.ts'
import { sendAndConfirm } from './send.ts'

/** Deadlines of the trade's waiting states, in seconds. */
export interface TradeWindows {
  accept: number
  download: number
  confirm: number
  arbitration: number
}

export interface DeployParameters {
  publicClient: PublicClient
  walletClient: WalletClient
  /** Governance key: owns the alliance registry and mints credits. */
  account: Account
  /** Platform key credited with fees. */
  treasury: Address
  feeBps?: number
  windows?: Partial<TradeWindows>
  /**
   * `dynamic` (default): DynamicPricing with `categories`; `fixed`: FixedPricing at
   * `fixedUnitPrice` for every category.
   */
  pricing?: 'dynamic' | 'fixed'
  /** Unit price of the fixed pricing contract, in credit base units. */
  fixedUnitPrice?: bigint
  /** Categories configured on DynamicPricing at deployment (default {@link defaultCategories}). */
  categories?: readonly CategorySpec[]
}

/** One data category of the dynamic price (SPEC.md section 3); fixed once configured. */
export interface CategorySpec {
  id: number
  name: string
  /** p_balance, credit base units. */
  pBalance: bigint
  /** p_vol, credit base units (at most p_balance). */
  pVol: bigint
  /** Odd exponent: larger keeps the price flat near R = 1 for longer. */
  k: number
  /** L = log10 of the largest supply/demand ratio the market expects, 18 decimals. */
  logRatioBound: bigint
  /** Seconds per trading round. */
  roundLength: number
}

/** Seed 001's price parameters (the simulator's reproduction), in 18-decimal fixed point; one-day rounds. */
const seed = SEED_001_PARAMETERS.price
const seedPrice = {
  pBalance: parseEther(String(seed.pBalance)),
  pVol: parseEther(String(seed.pVol)),
  k: seed.k,
  logRatioBound: parseEther(String(seed.logRatioBound)),
  roundLength: 24 * 3600,
}

/** The alliance's categories (SPEC.md: datasets, marketing tags, sales series, data services) at seed 001's parameters. */
export const defaultCategories: readonly CategorySpec[] = [
  { id: 1, name: 'datasets', ...seedPrice },
  { id: 2, name: 'customer marketing tags', ...seedPrice },
  { id: 3, name: 'sales time series', ...seedPrice },
  { id: 4, name: 'data services (enclave jobs)', ...seedPrice },
]

/** Addresses of one deployment; stored as JSON in the data directory. */
export interface Deployment {
  chainId: number
  credit: Address
  alliance: Address
  pricing: Address
  marketplace: Address
  /** Supervision channels, encryption keys and anchored batch roots (SPEC.md section 4). */
  supervision: Address
  /** Approved enclave measurements and anchored job results (SPEC.md section 5). */
  enclaves: Address
  governance: Address
  treasury: Address
  feeBps: number
  windows: TradeWindows
  /** Block of the first deployment transaction: where log queries start. */
  fromBlock: string
  /** Which IPricing implementation `pricing` is. */
  pricingKind?: 'dynamic' | 'fixed'
  /** Categories configured at deployment (dynamic pricing). */
  categories?: { id: number; name: string }[]
}

export const defaultWindows: TradeWindows = {
  accept: 24 * 3600,
  download: 24 * 3600,
  confirm: 3 * 24 * 3600,
  arbitration: 7 * 24 * 3600,
}

/** 150 credits: seed 001's balance price p_balance; the unit price of FixedPricing. */
export const defaultUnitPrice = 150n * 10n ** 18n

/**
 * Deploys all contracts from `account`.
 * @example
 * const deployment = await deployContracts({ publicClient, walletClient, account, treasury })
 */
export async function deployContracts(p: DeployParameters): Promise<Deployment> {
  const { publicClient, walletClient, account } = p
  const chain = walletClient.chain as Chain
  const windows = { ...defaultWindows, ...p.windows }
  const feeBps = p.feeBps ?? 250
  const fromBlock = await publicClient.getBlockNumber()
  const nonce = await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' })

  const deploy = async (abi: unknown, bytecode: `0x${string}`, args: unknown[], n: number) => {
    const receipt = await sendAndConfirm(publicClient, () =>
      walletClient.deployContract({ abi: abi as never, bytecode, args: args as never, account, chain, nonce: n } as never),
    )
    if (!receipt.contractAddress) throw new Error(`deployment transaction ${receipt.transactionHash} created no contract`)
    return receipt.contractAddress
  }

  // The pricing contract is fixed to the marketplace, deployed right after it (immutable, so
  // checking the caller costs no storage read on every order).
  const marketplaceAddress = getContractAddress({ from: account.address, nonce: BigInt(nonce + 3) })
  const pricingKind = p.pricing ?? 'dynamic'
  const credit = await deploy(AllianceCreditAbi, AllianceCreditBytecode, [account.address], nonce)
  const alliance = await deploy(AllianceAbi, AllianceBytecode, [account.address], nonce + 1)
  const pricing =
    pricingKind === 'dynamic'
      ? await deploy(DynamicPricingAbi, DynamicPricingBytecode, [alliance, account.address, marketplaceAddress], nonce + 2)
      : await deploy(FixedPricingAbi, FixedPricingBytecode, [p.fixedUnitPrice ?? defaultUnitPrice, marketplaceAddress], nonce + 2)
  const marketplace = await deploy(
    MarketplaceAbi,
    MarketplaceBytecode,
    [credit, alliance, pricing, p.treasury, BigInt(feeBps), windows],
    nonce + 3,
  )
  if (marketplace.toLowerCase() !== marketplaceAddress.toLowerCase()) {
    throw new Error(`marketplace deployed at ${marketplace}, expected ${marketplaceAddress}: was the deployer key used concurrently?`)
  }
  const supervision = await deploy(SupervisionAbi, SupervisionBytecode, [alliance, marketplace], nonce + 4)
  const enclaves = await deploy(EnclaveRegistryAbi, EnclaveRegistryBytecode, [alliance, account.address], nonce + 5)
  const categories = pricingKind === 'dynamic' ? (p.categories ?? defaultCategories) : []
  if (pricingKind === 'dynamic') {
    const call = (functionName: string, args: unknown[], n: number) =>
      sendAndConfirm(publicClient, () =>
        walletClient.writeContract({ address: pricing, abi: DynamicPricingAbi, functionName, args, account, chain, nonce: n } as never),
      )
    let n = nonce + 6
    for (const c of categories) {
      const price = { pBalance: c.pBalance, pVol: c.pVol, k: c.k, logRatioBound: c.logRatioBound }
      await call('configureCategory', [c.id, { price, roundLength: BigInt(c.roundLength) }], n++)
    }
  }
  return {
    chainId: chain.id,
    credit,
    alliance,
    pricing,
    marketplace,
    supervision,
    enclaves,
    governance: account.address,
    treasury: p.treasury,
    feeBps,
    windows,
    fromBlock: fromBlock.toString(),
    pricingKind,
    categories: categories.map((c) => ({ id: c.id, name: c.name })),
  }
}

interface DeployLaterParameters {
  publicClient: PublicClient
  walletClient: WalletClient
  account: Account
  alliance: Address
}

/** Deploys one contract from `account` (whatever its nonce) and returns its address. */
async function deployOne(p: DeployLaterParameters, abi: unknown, bytecode: `0x${string}`, args: readonly unknown[]): Promise<Address> {
  const chain = p.walletClient.chain as Chain
  const receipt = await sendAndConfirm(p.publicClient, () => p.walletClient.deployContract({ abi: abi as never, bytecode, args: args as never, account: p.account, chain } as never))
  if (!receipt.contractAddress) throw new Error(`deployment transaction ${receipt.transactionHash} created no contract`)
  return receipt.contractAddress
}

/**
 * Deploys the Supervision contract of an existing deployment (one recorded before it
 * existed); anyone may, it has no owner. Returns its address.
 *
 * @example
 * const supervision = await deploySupervision({ publicClient, walletClient, account, alliance, marketplace })
 */
export function deploySupervision(p: DeployLaterParameters & { marketplace: Address }): Promise<Address> {
  return deployOne(p, SupervisionAbi, SupervisionBytecode, [p.alliance, p.marketplace])
}

/**
 * Deploys the EnclaveRegistry of an existing deployment (one recorded before it existed),
 * with `account` — the deployment's governance — as its governance. Returns its address.
 *
 * @example
 * const enclaves = await deployEnclaveRegistry({ publicClient, walletClient, account: governance, alliance })
 */
export function deployEnclaveRegistry(p: DeployLaterParameters): Promise<Address> {
  return deployOne(p, EnclaveRegistryAbi, EnclaveRegistryBytecode, [p.alliance, p.account.address])
}
