/**
 * Typed client for every databourse contract action and event, over viem.
 *
 * One client reads the chain; `client.as(account)` returns an {@link Actor} that signs
 * with one function key. Writes are simulated first so a refusal surfaces as a
 * {@link ContractRevertError} naming the contract's custom error — before any gas is spent —
 * and every trade action returns the updated {@link Trade} record, so callers can chain
 * actions without reading logs back.
 *
 * @example
 * const client = new BourseClient({ publicClient, walletFor, deployment })
 * const { trade } = await client.as(buyerKey).order({ listingId: 1n, maxPrice: parseEther('200') })
 */
import {
  decodeEventLog,
  encodeFunctionData,
  keccak256,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hash,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type Hex,
  type Log,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from 'viem'
import { AllianceAbi, AllianceCreditAbi, DynamicPricingAbi, MarketplaceAbi } from '../contracts/generated.ts'
import type { Deployment } from '../chain/deploy.ts'
import { receiptOf } from '../chain/send.ts'
import { decodeContractError, TransactionRevertedError } from '../errors/contract.ts'
import { TradeNotFoundError } from '../errors/sdk.ts'
import { hashTrade, isFinal, openedTrade, updatedTrade, verdicts, type ListingTerms, type Trade, type VerdictName } from './trade.ts'
import { roleIndex, type RoleName } from './roles.ts'
import { tradeTimeline, type TimelineEntry } from './timeline.ts'
import * as supervision from './supervision.ts'

export interface BourseClientParameters {
  publicClient: PublicClient
  /** Returns a wallet client that signs with `account`. */
  walletFor: (account: Account) => WalletClient
  deployment: Deployment
  /**
   * Skip the eth_call preflight and use this fixed gas limit (benchmarks on a free-gas
   * chain). Refusals then surface as {@link TransactionRevertedError} without a name.
   */
  fixedGas?: bigint
}

/** What every write returns. */
export interface WriteResult {
  hash: Hash
  receipt: TransactionReceipt
  gasUsed: bigint
}

export interface ListingInput {
  category: number
  contentHash: Hex
  storageProvider: Address
  arbitrator: Address
  minPrice: bigint
  buyerDeposit: bigint
  sellerDeposit: bigint
  standingDeposit: bigint
  quantity: number
  requiresAcceptance: boolean
  dataType: string
  description: string
  sampleURI?: string
}

/** A listing as stored on chain. */
export interface ListingView extends ListingTerms {
  listingId: bigint
  minPrice: bigint
  standing: bigint
  quantity: number
  closedAt: number
  requiresAcceptance: boolean
  contentHash: Hex
}

/** A trade with its complete on-chain history. */
export interface TradeView {
  trade: Trade
  /** True while the chain still holds the trade's hash. */
  open: boolean
  timeline: TimelineEntry[]
}

export class BourseClient {
  readonly publicClient: PublicClient
  readonly deployment: Deployment
  readonly walletFor: (account: Account) => WalletClient
  readonly fixedGas: bigint | undefined
  readonly fromBlock: bigint

  constructor(p: BourseClientParameters) {
    this.publicClient = p.publicClient
    this.deployment = p.deployment
    this.walletFor = p.walletFor
    this.fixedGas = p.fixedGas
    this.fromBlock = BigInt(p.deployment.fromBlock)
  }

  /** An actor that signs with `account` (one function key). */
  as(account: Account): Actor {
    return new Actor(this, account)
  }

  // ───────────── reads ─────────────

  /** Internal marketplace balances of an address. */
  async balances(account: Address): Promise<{ available: bigint; locked: bigint; orders: bigint; tokens: bigint }> {
    const [[available, locked, orders], tokens] = await Promise.all([
      this.read(this.deployment.marketplace, MarketplaceAbi, 'accountOf', [account]),
      this.read(this.deployment.credit, AllianceCreditAbi, 'balanceOf', [account]),
    ])
    return { available, locked, orders, tokens }
  }

  async listing(listingId: bigint): Promise<ListingView> {
    const l = await this.read(this.deployment.marketplace, MarketplaceAbi, 'listing', [listingId])
    if (l.seller === '0x0000000000000000000000000000000000000000') throw new TradeNotFoundError({ kind: 'listing', id: listingId })
    return { listingId, ...l, closedAt: Number(l.closedAt) }
  }

  async listingCount(): Promise<bigint> {
    return this.read(this.deployment.marketplace, MarketplaceAbi, 'listingCount', [])
  }

  /** Status and roles of an organisation, and the org/role a key acts for. */
  async member(org: Address): Promise<{ status: number; rolesMask: bigint }> {
    const [status, rolesMask] = await this.read(this.deployment.alliance, AllianceAbi, 'member', [org])
    return { status, rolesMask }
  }

  async keyInfo(key: Address): Promise<{ org: Address; role: number }> {
    const [org, role] = await this.read(this.deployment.alliance, AllianceAbi, 'keyInfo', [key])
    return { org, role }
  }

  /** The key `org` currently has bound for `role` (zero address if none). */
  async keyOf(org: Address, role: RoleName): Promise<Address> {
    return this.read(this.deployment.alliance, AllianceAbi, 'keyOf', [org, roleIndex(role)])
  }

  async isActive(key: Address, role: RoleName): Promise<boolean> {
    return this.read(this.deployment.alliance, AllianceAbi, 'isActive', [key, roleIndex(role)])
  }

  async verifyOwnership(listingId: bigint, challenge: Hex, signature: Hex): Promise<boolean> {
    return this.read(this.deployment.marketplace, MarketplaceAbi, 'verifyOwnership', [listingId, challenge, signature])
  }

  /**
   * Rebuilds a trade from its events and the listing's terms, and checks it against the
   * hash the chain stores while the trade is open.
   */
  async trade(tradeId: bigint): Promise<TradeView> {
    const logs = await this.publicClient.getContractEvents({
      address: this.deployment.marketplace,
      abi: MarketplaceAbi,
      args: { tradeId } as never,
      fromBlock: this.fromBlock,
      strict: true,
    })
    const mine = logs.filter((l) => (l.args as { tradeId?: bigint }).tradeId === tradeId)
    const opened = mine.find((l) => l.eventName === 'TradeOpened')
    if (!opened || opened.eventName !== 'TradeOpened') throw new TradeNotFoundError({ kind: 'trade', id: tradeId })
    const listing = await this.listing(opened.args.listingId)
    let trade = openedTrade(listing, { ...opened.args, tradeId })
    let closed = false
    for (const log of mine) {
      if (log.eventName === 'TradeUpdated') trade = updatedTrade(trade, log.args)
      if (log.eventName === 'TradeClosed') {
        trade = { ...trade, state: log.args.state }
        closed = true
      }
    }
    const stored = await this.read(this.deployment.marketplace, MarketplaceAbi, 'tradeHash', [tradeId])
    if (!closed && stored !== hashTrade(trade)) {
      throw new TradeNotFoundError({ kind: 'trade', id: tradeId, details: 'events do not reproduce the stored trade hash' })
    }
    const timeline = await tradeTimeline(this.publicClient, mine as never)
    return { trade, open: !closed, timeline }
  }

  // ───────────── supervision (./supervision.ts) ─────────────

  /** A supervision channel's hash chain (zero when never opened). */
  channelState(channelId: bigint): Promise<Hex> {
    return supervision.channelState(this, channelId)
  }
  /** Root and commit time (unix seconds) of an anchored batch; zeros when not committed. */
  batchRoot(batch: bigint): Promise<{ root: Hex; committedAt: number }> {
    return supervision.batchRoot(this, batch)
  }
  batchCount(): Promise<bigint> {
    return supervision.batchCount(this)
  }
  /** The compressed encryption public key `org` published, or undefined. */
  encryptionKeyOf(org: Address): Promise<Hex | undefined> {
    return supervision.encryptionKeyOf(this, org)
  }
  /** Supervisor organisations added to every new channel. */
  overseers(): Promise<readonly Address[]> {
    return supervision.overseers(this)
  }

  // ───────────── plumbing ─────────────

  /** A typed view call (its result typed from the ABI); reverts become {@link ContractRevertError}. */
  async read<const abi extends Abi, name extends ContractFunctionName<abi, 'pure' | 'view'>, const args extends ContractFunctionArgs<abi, 'pure' | 'view', name>>(
    address: Address,
    abi: abi,
    functionName: name,
    args: args,
  ): Promise<ContractFunctionReturnType<abi, 'pure' | 'view', name, args>> {
    try {
      return await this.publicClient.readContract({ address, abi, functionName, args } as never)
    } catch (error) {
      throw decodeContractError(error, functionName)
    }
  }

  /** Simulates (unless fixedGas), sends, waits for the receipt; throws on any refusal. */
  async write(account: Account, address: Address, abi: Abi, functionName: string, args: readonly unknown[]): Promise<WriteResult> {
    const wallet = this.walletFor(account)
    const chain = wallet.chain as Chain
    let hash: Hash
    try {
      if (this.fixedGas !== undefined) {
        hash = await this.sendSignedLocally(account, chain, address, encodeFunctionData({ abi, functionName, args } as never))
      } else {
        const fullAbi = [...abi, ...tokenErrors] as Abi
        const { request } = await this.publicClient.simulateContract({ account, address, abi: fullAbi, functionName, args, chain } as never)
        // Keep the whole ABI: viem trims `request.abi` to the one function, which would leave a
        // refusal that only appears at send time undecodable.
        hash = await wallet.writeContract({ ...(request as object), abi: fullAbi } as never)
      }
    } catch (error) {
      throw decodeContractError(error, functionName)
    }
    const receipt = await receiptOf(this.publicClient, hash)
    if (receipt.status !== 'success') throw new TransactionRevertedError({ hash, gasUsed: receipt.gasUsed })
    return { hash, receipt, gasUsed: receipt.gasUsed }
  }

  readonly #nonces = new Map<Address, Promise<number>>()

  /**
   * The lean path of fixed-gas mode: nonce tracked here, fees fixed (free gas), the
   * transaction signed in process and sent raw — two RPC calls per transaction instead of
   * viem's five (chain id, block, nonce, send, receipt).
   */
  private async sendSignedLocally(account: Account, chain: Chain, to: Address, data: Hex): Promise<Hash> {
    if (!account.signTransaction) throw new Error(`fixed-gas mode needs a local account, not ${account.type}`)
    const previous = this.#nonces.get(account.address) ?? this.publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' }).then((n) => n - 1)
    const nonce = previous.then((n) => n + 1)
    this.#nonces.set(account.address, nonce)
    const serialized = await account.signTransaction({
      chainId: chain.id,
      type: 'eip1559',
      nonce: await nonce,
      to,
      data,
      gas: this.fixedGas!,
      maxFeePerGas: 0n,
      maxPriorityFeePerGas: 0n,
    })
    try {
      return await this.publicClient.request({ method: 'eth_sendRawTransaction', params: [serialized] })
    } catch (error) {
      this.#nonces.delete(account.address) // re-read the nonce from the chain next time
      throw error
    }
  }
}

/** Errors raised inside the token and pricing contracts surface through marketplace calls. */
const tokenErrors = [...AllianceCreditAbi, ...DynamicPricingAbi].filter((x) => x.type === 'error')

/** Marketplace events decoded from one receipt. */
function marketplaceEvents(receipt: TransactionReceipt, marketplace: Address) {
  return receipt.logs
    .filter((l: Log) => l.address.toLowerCase() === marketplace.toLowerCase())
    .map((l) => decodeEventLog({ abi: MarketplaceAbi, data: l.data, topics: l.topics, strict: true }))
}

/**
 * Acts with one function key. Each method maps to one contract function of the same name.
 */
export class Actor {
  constructor(
    readonly client: BourseClient,
    readonly account: Account,
  ) {}

  get address(): Address {
    return this.account.address
  }

  private get d(): Deployment {
    return this.client.deployment
  }

  private write(address: Address, abi: Abi, fn: string, args: readonly unknown[]) {
    return this.client.write(this.account, address, abi, fn, args)
  }

  // ───────────── alliance ─────────────

  applyForMembership(name: string, roles: readonly RoleName[]) {
    const mask = roles.reduce((m, r) => m | (1n << BigInt(roleIndex(r))), 0n)
    return this.write(this.d.alliance, AllianceAbi, 'applyForMembership', [name, mask])
  }
  admit(org: Address) {
    return this.write(this.d.alliance, AllianceAbi, 'admit', [org])
  }
  suspend(org: Address, reason: string) {
    return this.write(this.d.alliance, AllianceAbi, 'suspend', [org, reason])
  }
  reinstate(org: Address) {
    return this.write(this.d.alliance, AllianceAbi, 'reinstate', [org])
  }
  bindKey(role: RoleName, key: Address) {
    return this.write(this.d.alliance, AllianceAbi, 'bindKey', [roleIndex(role), key])
  }
  unbindKey(role: RoleName) {
    return this.write(this.d.alliance, AllianceAbi, 'unbindKey', [roleIndex(role)])
  }
  addSupervisor(org: Address, name: string) {
    return this.write(this.d.alliance, AllianceAbi, 'addSupervisor', [org, name])
  }

  // ───────────── credit ─────────────

  mint(to: Address, amount: bigint) {
    return this.write(this.d.credit, AllianceCreditAbi, 'mint', [to, amount])
  }
  approve(amount: bigint) {
    return this.write(this.d.credit, AllianceCreditAbi, 'approve', [this.d.marketplace, amount])
  }
  transfer(to: Address, amount: bigint) {
    return this.write(this.d.credit, AllianceCreditAbi, 'transfer', [to, amount])
  }

  // ───────────── balances ─────────────

  /** Deposits `amount` into `account`'s internal balance (default: this key's). */
  deposit(amount: bigint, account: Address = this.address) {
    return this.write(this.d.marketplace, MarketplaceAbi, 'deposit', [account, amount])
  }
  withdraw(amount: bigint) {
    return this.write(this.d.marketplace, MarketplaceAbi, 'withdraw', [amount])
  }

  // ───────────── listings ─────────────

  async list(input: ListingInput): Promise<WriteResult & { listingId: bigint }> {
    const result = await this.write(this.d.marketplace, MarketplaceAbi, 'list', [{ ...input, sampleURI: input.sampleURI ?? '' }])
    const listed = marketplaceEvents(result.receipt, this.d.marketplace).find((e) => e.eventName === 'Listed')
    if (!listed || listed.eventName !== 'Listed') throw new Error('list: no Listed event in the receipt')
    return { ...result, listingId: listed.args.listingId }
  }
  topUpStanding(listingId: bigint, amount: bigint) {
    return this.write(this.d.marketplace, MarketplaceAbi, 'topUpStanding', [listingId, amount])
  }
  closeListing(listingId: bigint) {
    return this.write(this.d.marketplace, MarketplaceAbi, 'closeListing', [listingId])
  }
  releaseStanding(listingId: bigint) {
    return this.write(this.d.marketplace, MarketplaceAbi, 'releaseStanding', [listingId])
  }

  // ───────────── trades ─────────────

  /**
   * Orders one licence. `token` is the buyer's secret download token (32 random bytes);
   * only its keccak256 goes on chain. Returns the trade record.
   */
  async order(p: { listingId: bigint; maxPrice: bigint; token: Hex; terms?: ListingTerms }): Promise<WriteResult & { trade: Trade }> {
    const terms = p.terms ?? (await this.client.listing(p.listingId))
    const result = await this.write(this.d.marketplace, MarketplaceAbi, 'order', [p.listingId, p.maxPrice, keccak256(p.token)])
    const opened = marketplaceEvents(result.receipt, this.d.marketplace).find((e) => e.eventName === 'TradeOpened')
    if (!opened || opened.eventName !== 'TradeOpened') throw new Error('order: no TradeOpened event in the receipt')
    return { ...result, trade: openedTrade(terms, opened.args) }
  }
  accept(trade: Trade) {
    return this.advance('accept', [trade], trade)
  }
  confirmDownload(trade: Trade) {
    return this.advance('confirmDownload', [trade], trade)
  }
  /** Confirms many downloads in one transaction; returns the records in the same order. */
  async confirmDownloads(trades: Trade[]): Promise<WriteResult & { trades: Trade[] }> {
    const result = await this.write(this.d.marketplace, MarketplaceAbi, 'confirmDownloads', [trades])
    const updates = marketplaceEvents(result.receipt, this.d.marketplace).filter((e) => e.eventName === 'TradeUpdated')
    return { ...result, trades: trades.map((t, i) => updatedTrade(t, (updates[i] as unknown as { args: Parameters<typeof updatedTrade>[1] }).args)) }
  }
  confirm(trade: Trade, verdict: VerdictName) {
    return this.advance('confirm', [trade, verdicts.indexOf(verdict)], trade)
  }
  decideDispute(trade: Trade, buyerRight: boolean) {
    return this.advance('decideDispute', [trade, buyerRight], trade)
  }
  resolveTimeout(trade: Trade) {
    return this.advance('resolveTimeout', [trade], trade)
  }

  // ───────────── supervision (./supervision.ts) ─────────────

  /** Admin key: publishes the organisation's 33-byte compressed encryption public key. */
  publishEncryptionKey(publicKey: Hex) {
    return supervision.publishEncryptionKey(this.client, this.account, publicKey)
  }
  /** Supervisor key: its organisation starts (true) or stops (false) overseeing every new channel. */
  oversee(all: boolean) {
    return supervision.oversee(this.client, this.account, all)
  }
  /** Any key: removes an overseer that is no longer an admitted supervisor organisation. */
  dropOverseer(org: Address) {
    return supervision.dropOverseer(this.client, this.account, org)
  }
  /** Platform key: opens channels; returns them as recorded, with their stored state. */
  openChannels(openings: readonly supervision.ChannelOpeningInput[]) {
    return supervision.openChannels(this.client, this.account, openings)
  }
  /** Supervisor key: its organisation joins an opened channel. */
  join(channelId: bigint) {
    return supervision.join(this.client, this.account, channelId)
  }
  /** Platform key: anchors a batch root; returns its batch number. */
  commitHeads(p: { root: Hex; heads: number; records: number | bigint }) {
    return supervision.commitHeads(this.client, this.account, p)
  }

  /** Sends a trade action and applies its TradeUpdated / TradeClosed to the record. */
  private async advance(fn: string, args: readonly unknown[], trade: Trade): Promise<WriteResult & { trade: Trade; closed: boolean }> {
    const result = await this.write(this.d.marketplace, MarketplaceAbi, fn, args)
    let next = trade
    let closed = false
    for (const e of marketplaceEvents(result.receipt, this.d.marketplace)) {
      if (e.eventName === 'TradeUpdated' && e.args.tradeId === trade.id) next = updatedTrade(next, e.args)
      if (e.eventName === 'TradeClosed' && e.args.tradeId === trade.id) {
        next = { ...next, state: e.args.state }
        closed = true
      }
    }
    return { ...result, trade: next, closed: closed || isFinal(next.state) }
  }
}
