/**
 * A ready alliance on a fresh devnet: deployed contracts, a supervisor, a platform, a
 * seller organisation (seller + storage keys), two buyer organisations and an arbitrator,
 * with credits minted and approved, every organisation's encryption key published and the
 * supervisor overseeing every supervision channel (Supervision). Tests and benchmarks start from here.
 */
import { nonceManager, parseEther, type Account, type PublicClient, type WalletClient } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { deployContracts, type Deployment, type TradeWindows } from '../chain/deploy.ts'
import { generateEncryptionKeyPair, type EncryptionKeyPair } from '../identity/encryptionKey.ts'
import { BourseClient, type Actor, type ListingInput } from '../sdk/BourseClient.ts'
import { appointSupervisor, joinAlliance } from '../sdk/bootstrap.ts'
import { createDevnet, type Devnet } from './devnet.ts'
import { keccak256, toHex } from 'viem'

// Keys track their nonces locally so one key can have several transactions in flight.
const newKey = (): Account => privateKeyToAccount(generatePrivateKey(), { nonceManager })

/** The chain a world lives on: a fresh devnet by default, or any connection (e.g. embedded). */
export interface WorldChain {
  publicClient: PublicClient
  walletFor(account: Account): WalletClient
  increaseTime(seconds: number): Promise<unknown>
}

export interface World {
  net: WorldChain
  client: BourseClient
  deployment: Deployment
  governance: Actor
  supervisor: Actor
  platform: Actor
  seller: Actor
  storage: Actor
  buyer: Actor
  buyer2: Actor
  arbitrator: Actor
  /** Organisation admin keys, by organisation. */
  orgs: Record<WorldOrgName, Account>
  /** Each organisation's encryption key pair; the public halves are published on chain. */
  encryptionKeys: Record<WorldOrgName, EncryptionKeyPair>
  /** Every actor that can hold credits, by name (for balance checks). */
  parties: Record<string, Actor>
  /** Listing terms used by {@link World.list} unless overridden. */
  listingDefaults: ListingInput
  list(overrides?: Partial<ListingInput>): Promise<bigint>
}

/** The organisations of a {@link World}. */
export type WorldOrgName = 'supervisor' | 'platform' | 'seller' | 'buyer' | 'buyer2' | 'arbitrator'

export interface WorldOptions {
  feeBps?: number
  windows?: Partial<TradeWindows>
  /** Credits minted to each trading key. */
  mint?: bigint
  /** Skip preflight simulation and use this gas limit (benchmarks). */
  fixedGas?: bigint
  /** Build the world on this chain instead of a fresh devnet. */
  chain?: WorldChain
  /** Price source (default `dynamic`; `fixed` keeps every price at 150 credits whatever the time). */
  pricing?: 'dynamic' | 'fixed'
}

function devnetChain(net: Devnet): WorldChain {
  return { publicClient: net.publicClient, walletFor: net.wallet, increaseTime: net.increaseTime }
}

/** A new random key whose nonces are managed locally. */
export function newKeyAccount(): Account {
  return newKey()
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const net = options.chain ?? devnetChain(await createDevnet())
  const gov = newKey()
  const keys = {
    supervisorOrg: newKey(), supervisor: newKey(),
    platformOrg: newKey(), platform: newKey(),
    sellerOrg: newKey(), seller: newKey(), storage: newKey(),
    buyerOrg: newKey(), buyer: newKey(),
    buyer2Org: newKey(), buyer2: newKey(),
    arbitratorOrg: newKey(), arbitrator: newKey(),
  }
  const deployment = await deployContracts({
    publicClient: net.publicClient,
    walletClient: net.walletFor(gov),
    account: gov,
    treasury: keys.platform.address,
    feeBps: options.feeBps,
    windows: options.windows,
    pricing: options.pricing,
  })
  const client = new BourseClient({ publicClient: net.publicClient, walletFor: net.walletFor, deployment, fixedGas: options.fixedGas })
  const encryptionKeys = Object.fromEntries(
    (['supervisor', 'platform', 'seller', 'buyer', 'buyer2', 'arbitrator'] as const).map((o) => [o, generateEncryptionKeyPair()]),
  ) as Record<WorldOrgName, EncryptionKeyPair>
  const pub = (o: WorldOrgName) => encryptionKeys[o].publicKey
  await appointSupervisor(client, gov, { name: 'Market Regulator', admin: keys.supervisorOrg, supervisorKey: keys.supervisor, encryptionPublicKey: pub('supervisor') })
  const supervisor = client.as(keys.supervisor)
  await supervisor.oversee(true) // as the node's operator does: in every supervision channel
  await joinAlliance(client, supervisor, { name: 'Alliance Platform', admin: keys.platformOrg, keys: { Platform: keys.platform }, encryptionPublicKey: pub('platform') })
  await joinAlliance(client, supervisor, { name: 'Alpha Retail', admin: keys.sellerOrg, keys: { Seller: keys.seller, Storage: keys.storage }, encryptionPublicKey: pub('seller') })
  await joinAlliance(client, supervisor, { name: 'Beta Shop', admin: keys.buyerOrg, keys: { Buyer: keys.buyer }, encryptionPublicKey: pub('buyer') })
  await joinAlliance(client, supervisor, { name: 'Gamma Mart', admin: keys.buyer2Org, keys: { Buyer: keys.buyer2 }, encryptionPublicKey: pub('buyer2') })
  await joinAlliance(client, supervisor, { name: 'Delta Arbitration', admin: keys.arbitratorOrg, keys: { Arbitrator: keys.arbitrator }, encryptionPublicKey: pub('arbitrator') })

  const governance = client.as(gov)
  const mint = options.mint ?? parseEther('100000')
  for (const k of [keys.seller, keys.buyer, keys.buyer2]) {
    await governance.mint(k.address, mint)
    await client.as(k).approve(mint)
  }
  const seller = client.as(keys.seller)
  const storage = client.as(keys.storage)
  const arbitrator = client.as(keys.arbitrator)
  const listingDefaults: ListingInput = {
    category: 1,
    contentHash: keccak256(toHex('online-retail orders 2011')),
    storageProvider: keys.storage.address,
    arbitrator: keys.arbitrator.address,
    minPrice: parseEther('100'),
    buyerDeposit: parseEther('10'),
    sellerDeposit: parseEther('20'),
    standingDeposit: parseEther('200'),
    quantity: 100,
    requiresAcceptance: false,
    dataType: 'text/csv',
    description: 'Daily order lines of a UK online retailer, 2011',
    sampleURI: '',
  }
  const buyer = client.as(keys.buyer)
  const buyer2 = client.as(keys.buyer2)
  const platform = client.as(keys.platform)
  return {
    net,
    client,
    deployment,
    governance,
    supervisor,
    platform,
    seller,
    storage,
    buyer,
    buyer2,
    arbitrator,
    orgs: {
      supervisor: keys.supervisorOrg,
      platform: keys.platformOrg,
      seller: keys.sellerOrg,
      buyer: keys.buyerOrg,
      buyer2: keys.buyer2Org,
      arbitrator: keys.arbitratorOrg,
    },
    encryptionKeys,
    parties: { seller, storage, buyer, buyer2, arbitrator, platform },
    listingDefaults,
    async list(overrides = {}) {
      const { listingId } = await seller.list({ ...listingDefaults, ...overrides })
      return listingId
    },
  }
}

/** A fresh random download token (32 bytes). */
export function newToken(): `0x${string}` {
  return toHex(crypto.getRandomValues(new Uint8Array(32)))
}
