/**
 * Shared helpers of the contract tests: a test world whose clients fail fast on reverts,
 * exact balance checks of every party, revert assertions on named custom errors, extra
 * organisations, and Marketplace deployments against test-only token and pricing contracts.
 */
import assert from 'node:assert/strict'
import {
  createPublicClient,
  createWalletClient,
  custom,
  getAddress,
  getContractAddress,
  keccak256,
  parseEther,
  toHex,
  type Abi,
  type Account,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { defaultWindows, type Deployment, type TradeWindows } from '../../src/chain/deploy.ts'
import { AllianceCreditAbi, MarketplaceAbi, MarketplaceBytecode, RepricingPricingAbi, RepricingPricingBytecode } from '../../src/contracts/generated.ts'
import { ContractRevertError } from '../../src/errors/contract.ts'
import { joinAlliance } from '../../src/sdk/bootstrap.ts'
import { BourseClient, type Actor } from '../../src/sdk/BourseClient.ts'
import type { RoleName } from '../../src/sdk/roles.ts'
import { hashTrade, type Trade } from '../../src/sdk/trade.ts'
import { createDevnet, type Devnet } from '../../src/testing/devnet.ts'
import { createWorld, newToken, type World, type WorldOptions } from '../../src/testing/world.ts'

export { newToken }

/** Credits in base units: `credits('146.25')`. */
export const credits = (amount: number | string): bigint => parseEther(String(amount))

/** FixedPricing's unit price in the default deployment. */
export const PRICE = credits(150)
/** The test world's default listing terms (src/testing/world.ts `listingDefaults`). */
export const BD = credits(10)
export const SD = credits(20)
export const STANDING = credits(200)
/** Default platform fee: 2.5% (feeBps 250) of the price. */
export const FEE = credits('3.75')
/** What the seller receives of a settled default trade. */
export const PAYOUT = PRICE - FEE
export const ZERO_HASH = `0x${'0'.repeat(64)}` as Hex
export const ZERO_ADDRESS = `0x${'0'.repeat(40)}` as Address
export const DAY = 24 * 3600

export const newAccount = (): Account => privateKeyToAccount(generatePrivateKey())

/** Parties of the test world that hold internal balances. */
export const partyNames = ['seller', 'storage', 'buyer', 'buyer2', 'arbitrator', 'platform'] as const
export type PartyName = (typeof partyNames)[number]

/** [available, locked] of one account. */
export type Balance = readonly [available: bigint, locked: bigint]
export type Ledger = Record<PartyName, Balance>

/**
 * Clients over the devnet's provider that never retry: the in-process Hardhat provider
 * reports reverts as errors that viem's default transport retries three times with
 * back-off (about one second per refused call).
 */
export function fastClients(devnet: Devnet): { publicClient: PublicClient; walletFor: (account: Account) => WalletClient } {
  const transport = custom(devnet.provider, { retryCount: 0 })
  const chain = devnet.chain
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 10 }) as PublicClient
  const walletFor = (account: Account) => createWalletClient({ account, chain, transport }) as WalletClient
  return { publicClient, walletFor }
}

/** The test world, with the devnet it runs on (for time travel and raw deployments). */
export interface TestWorld extends World {
  devnet: Devnet
}

/** A {@link BourseClient} over `deployment` with {@link fastClients}. */
export function fastClient(world: TestWorld, deployment: Deployment, fixedGas?: bigint): BourseClient {
  return new BourseClient({ ...fastClients(world.devnet), deployment, fixedGas })
}

/** {@link createWorld} on a fresh devnet whose clients fail fast on reverts. */
export async function setupWorld(options: Omit<WorldOptions, 'chain'> = {}): Promise<TestWorld> {
  const devnet = await createDevnet()
  const { publicClient, walletFor } = fastClients(devnet)
  const w = await createWorld({ pricing: 'fixed', ...options, chain: { publicClient, walletFor, increaseTime: (s: number) => devnet.increaseTime(s) } })
  if (w.client.publicClient !== publicClient) throw new Error('createWorld ignored options.chain')
  return { ...w, devnet }
}

/** Asserts that `promise` rejects with the named custom error and (a subset of) its arguments. */
export async function expectRevert(promise: Promise<unknown>, errorName: string, args?: Record<string, unknown>): Promise<ContractRevertError> {
  let error: unknown
  try {
    await promise
  } catch (e) {
    error = e
  }
  assert.ok(error !== undefined, `expected ${errorName}, but the call succeeded`)
  assert.ok(error instanceof ContractRevertError, `expected ${errorName}, got ${String(error)}`)
  assert.equal(error.errorName, errorName, error.message)
  for (const [key, value] of Object.entries(args ?? {})) {
    const actual: unknown = error.errorArgs[key]
    const norm = (v: unknown) => (typeof v === 'string' && v.startsWith('0x') ? v.toLowerCase() : v)
    assert.deepEqual(norm(actual), norm(value), `${errorName}.${key}`)
  }
  return error
}

/** Internal balances of every world party. */
export async function ledgerOf(world: TestWorld, client: BourseClient = world.client): Promise<Ledger> {
  const entries = await Promise.all(
    partyNames.map(async (name) => {
      const [available, locked] = await client.read(client.deployment.marketplace, MarketplaceAbi, 'accountOf', [world.parties[name]!.address])
      return [name, [available, locked] as Balance] as const
    }),
  )
  return Object.fromEntries(entries) as Ledger
}

/** Every party's expected [available, locked]; parties not named hold nothing. */
export function ledger(given: Partial<Record<PartyName, Balance>>): Ledger {
  const zeros = Object.fromEntries(partyNames.map((n) => [n, [0n, 0n] as Balance])) as Ledger
  return { ...zeros, ...given }
}

/** Asserts the exact internal balances of every party (on `client`'s marketplace). */
export async function expectLedger(world: TestWorld, expected: Partial<Record<PartyName, Balance>>, step: string, client: BourseClient = world.client): Promise<void> {
  const actual = await ledgerOf(world, client)
  const fmt = (l: Ledger) => Object.fromEntries(Object.entries(l).map(([k, [a, b]]) => [k, `${a} / ${b}`]))
  assert.deepEqual(fmt(actual), fmt(ledger(expected)), `balances after ${step}`)
}

/** Standing deposit of every listing, by id. */
export async function standingOf(client: BourseClient): Promise<Map<bigint, bigint>> {
  const count = await client.listingCount()
  const out = new Map<bigint, bigint>()
  for (let id = 1n; id <= count; id++) out.set(id, (await client.listing(id)).standing)
  return out
}

/** Credit tokens held by `address`. */
export function tokensOf(client: BourseClient, address: Address): Promise<bigint> {
  return client.read(client.deployment.credit, AllianceCreditAbi, 'balanceOf', [address])
}

/**
 * The Marketplace's solvency invariant over `accounts` (every address that ever held a
 * balance): credit.balanceOf(marketplace) == sum(available + locked) + sum(standing).
 */
export async function expectSolvent(client: BourseClient, accounts: readonly Address[]): Promise<void> {
  let internal = 0n
  for (const a of accounts) {
    const [available, locked] = await client.read(client.deployment.marketplace, MarketplaceAbi, 'accountOf', [a])
    internal += available + locked
  }
  for (const standing of (await standingOf(client)).values()) internal += standing
  assert.equal(await tokensOf(client, client.deployment.marketplace), internal, 'marketplace token balance == internal balances + standing deposits')
}

/** The chain stores exactly this record's hash (open trade), or nothing (closed). */
export async function expectStored(client: BourseClient, trade: Trade, open = true): Promise<void> {
  const stored = await client.read(client.deployment.marketplace, MarketplaceAbi, 'tradeHash', [trade.id])
  assert.equal(stored, open ? hashTrade(trade) : ZERO_HASH, open ? 'stored trade hash' : 'closed trade keeps no hash')
}

/** A new member organisation with one fresh key per role, admitted by the world's supervisor. */
export async function addOrg(world: TestWorld, name: string, roles: readonly RoleName[]): Promise<{ admin: Actor; keys: Partial<Record<RoleName, Actor>> }> {
  const admin = newAccount()
  const keyAccounts = Object.fromEntries(roles.map((r) => [r, newAccount()])) as Partial<Record<RoleName, Account>>
  await joinAlliance(world.client, world.supervisor, { name, admin, keys: keyAccounts })
  const keys = Object.fromEntries(Object.entries(keyAccounts).map(([r, a]) => [r, world.client.as(a!)])) as Partial<Record<RoleName, Actor>>
  return { admin: world.client.as(admin), keys }
}

/** Gives `actor` credits and approves the marketplace of its client to pull them. */
export async function fund(world: TestWorld, actor: Actor, amount: bigint): Promise<void> {
  await world.client.as(world.governance.account).mint(actor.address, amount)
  await actor.approve(amount)
}

export interface CustomMarketplace {
  client: BourseClient
  deployment: Deployment
}

/**
 * Deploys a second Marketplace against the world's alliance with another settlement token
 * and/or another pricing contract. `pricing` deploys the price source given the address
 * the Marketplace will get (deployed right after it by the same key).
 */
export async function deployMarketplace(
  world: TestWorld,
  p: {
    credit?: Address
    pricing: (marketplace: Address, deployer: Account) => Promise<Address>
    feeBps?: number
    windows?: Partial<TradeWindows>
  },
): Promise<CustomMarketplace> {
  const deployer = world.devnet.accounts[5]!
  const { publicClient } = fastClients(world.devnet)
  const nonce = await publicClient.getTransactionCount({ address: deployer.address, blockTag: 'pending' })
  const predicted = getContractAddress({ from: deployer.address, nonce: BigInt(nonce + 1) })
  const pricing = getAddress(await p.pricing(predicted, deployer))
  const credit = p.credit ?? world.deployment.credit
  const feeBps = p.feeBps ?? 250
  const windows = { ...defaultWindows, ...p.windows }
  const marketplace = getAddress(await world.devnet.deploy({
    abi: MarketplaceAbi as Abi,
    bytecode: MarketplaceBytecode,
    args: [credit, world.deployment.alliance, pricing, world.platform.address, BigInt(feeBps), windows],
    account: deployer,
  }))
  assert.equal(marketplace.toLowerCase(), predicted.toLowerCase(), 'marketplace at the predicted address')
  const block = await publicClient.getBlockNumber()
  const deployment: Deployment = {
    ...world.deployment,
    credit,
    pricing,
    marketplace,
    feeBps,
    windows,
    fromBlock: block.toString(),
  }
  return { client: fastClient(world, deployment), deployment }
}

/** Content hash of a made-up asset. */
export const contentHash = (label: string): Hex => keccak256(toHex(label))

/** Latest block timestamp. */
export async function chainTime(world: TestWorld): Promise<number> {
  const block = await world.client.publicClient.getBlock()
  return Number(block.timestamp)
}

export interface RepricingMarketplace extends CustomMarketplace {
  /** Rewrites the recorded price of a past round (a faulty price source). */
  setRoundPrice(category: number, round: number, price: bigint): Promise<void>
  /** Price and round that the next orders get. */
  setPrice(price: bigint, round: number): Promise<void>
  /** The world's actors, acting on this marketplace (approvals already given). */
  seller: Actor
  buyer: Actor
  buyer2: Actor
  storage: Actor
  arbitrator: Actor
  platform: Actor
}

/**
 * A Marketplace on the world's alliance and credit whose price source is
 * contracts/test/RepricingPricing.sol, starting at `price` in round 1.
 */
export async function deployRepricing(world: TestWorld, price: bigint, options: { feeBps?: number } = {}): Promise<RepricingMarketplace> {
  let owner: Account | undefined
  let pricingAddress: Address | undefined
  const m = await deployMarketplace(world, {
    feeBps: options.feeBps,
    pricing: async (marketplace, deployer) => {
      owner = deployer
      pricingAddress = await world.devnet.deploy({ abi: RepricingPricingAbi as Abi, bytecode: RepricingPricingBytecode, args: [price, marketplace], account: deployer })
      return pricingAddress
    },
  })
  const { publicClient, walletFor } = fastClients(world.devnet)
  const send = async (functionName: 'setRoundPrice' | 'setPrice', args: readonly unknown[]) => {
    const hash = await walletFor(owner!).writeContract({ address: pricingAddress!, abi: RepricingPricingAbi, functionName, args, account: owner!, chain: world.devnet.chain } as never)
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 5 })
    assert.equal(receipt.status, 'success')
  }
  const as = (a: Actor) => m.client.as(a.account)
  const actors = { seller: as(world.seller), buyer: as(world.buyer), buyer2: as(world.buyer2), storage: as(world.storage), arbitrator: as(world.arbitrator), platform: as(world.platform) }
  for (const a of [actors.seller, actors.buyer, actors.buyer2]) await a.approve(credits(100000))
  return {
    ...m,
    ...actors,
    setRoundPrice: (category, round, p) => send('setRoundPrice', [category, round, p]),
    setPrice: (p, round) => send('setPrice', [p, round]),
  }
}
