/**
 * Property-based test (fast-check): random sequences of actions by honest and dishonest
 * parties — orders, acceptances, download confirmations, verdicts of every kind, decisions
 * either way, time jumps, time-outs, deposits, withdrawals, listing management, stale and
 * forged trade records, and calls by the wrong key.
 *
 * A TypeScript model mirrors the documented rules (SPEC.md section 2, the contract's
 * NatSpec) and predicts, for every action, either the exact named refusal or the exact new
 * state. After every step the chain must equal the model: every party's available, locked
 * and order count, every token balance, every listing's standing deposit, every trade's
 * stored hash, and the solvency invariant
 *   credit.balanceOf(marketplace) == sum(available + locked) + sum(standing).
 * A refused action therefore provably changed nothing, and no party ever holds more (or
 * less) than the rules give it.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { keccak256, type Address, type Hex } from 'viem'
import { AllianceCreditAbi, MarketplaceAbi } from '../../src/contracts/generated.ts'
import type { Actor, ListingInput } from '../../src/sdk/BourseClient.ts'
import { hashTrade, verdicts, type Trade } from '../../src/sdk/trade.ts'
import { credits, DAY, expectRevert, newAccount, newToken, PRICE, setupWorld, ZERO_HASH, type TestWorld } from './helpers.ts'

const RUNS = Number(process.env.FC_RUNS ?? 25)
const FEE_BPS = 250n
const BPS = 10_000n
const S = { Ordered: 1, Accepted: 2, Downloaded: 3, DisputedDownload: 4, DisputedDescription: 5, Settled: 6, Failed: 7 } as const
const Src = { None: 0, Standing: 1, Account: 2 } as const
const MINT = credits(100000)
/** Keep every deadline at least this far from the chain's clock, so "before/after" is certain. */
const MARGIN = 120

const partyNames = ['seller', 'storage', 'buyer', 'buyer2', 'arbitrator', 'platform', 'outsider'] as const
type Party = (typeof partyNames)[number]

type Action =
  | { kind: 'order'; buyer: number; listing: number; max: number }
  | { kind: 'accept' | 'confirmDownload' | 'resolveTimeout'; trade: number; caller: number }
  | { kind: 'confirm'; trade: number; caller: number; verdict: number }
  | { kind: 'decide'; trade: number; caller: number; buyerRight: boolean }
  | { kind: 'stale'; trade: number; caller: number; forge: boolean }
  | { kind: 'time'; jump: number }
  | { kind: 'withdraw'; party: number; part: number }
  | { kind: 'deposit'; party: number; amount: number }
  | { kind: 'topUp' | 'close' | 'release'; listing: number; caller: number; amount: number }

const idx = fc.nat({ max: 1000 })
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('order' as const), buyer: fc.nat({ max: 9 }), listing: idx, max: fc.nat({ max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('accept' as const), trade: idx, caller: fc.nat({ max: 11 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('confirmDownload' as const), trade: idx, caller: fc.nat({ max: 11 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('confirm' as const), trade: idx, caller: fc.nat({ max: 11 }), verdict: fc.constantFrom(0, 1, 1, 2, 2, 3) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('decide' as const), trade: idx, caller: fc.nat({ max: 11 }), buyerRight: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('resolveTimeout' as const), trade: idx, caller: fc.nat({ max: 11 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), trade: idx, caller: fc.nat({ max: 11 }), forge: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('time' as const), jump: fc.nat({ max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), party: fc.nat({ max: 6 }), part: fc.nat({ max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deposit' as const), party: fc.nat({ max: 2 }), amount: fc.nat({ max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('topUp' as const, 'topUp' as const, 'release' as const, 'release' as const, 'close' as const), listing: idx, caller: fc.nat({ max: 11 }), amount: fc.nat({ max: 2 }) }) },
)

/** Mostly short jumps (hours), sometimes past a whole window, rarely past a trade's lifetime. */
const JUMPS = [600, 3600, 2 * 3600, 6 * 3600, 12 * 3600, DAY + 3600, 3 * DAY + 3600, 7 * DAY + 3600, 13 * DAY]

interface Account {
  available: bigint
  locked: bigint
  orders: bigint
}
interface ListingModel {
  id: bigint
  seller: Address
  minPrice: bigint
  buyerDeposit: bigint
  sellerDeposit: bigint
  standing: bigint
  closedAt: number
  requiresAcceptance: boolean
}
interface TradeModel {
  record: Trade
  open: boolean
  history: Trade[]
}
type Refusal = { error: string; args?: Record<string, unknown> }

/** Outcome counts over all runs, printed with FC_STATS=1 (to see what the runs exercised). */
const stats = new Map<string, number>()
const count = (key: string) => stats.set(key, (stats.get(key) ?? 0) + 1)

/** The documented rules, in TypeScript. Checks run in the contract's order. */
class Model {
  accounts = new Map<Address, Account>()
  tokens = new Map<Address, bigint>()
  allowance = new Map<Address, bigint>()
  listings: ListingModel[] = []
  trades: TradeModel[] = []

  constructor(
    readonly addr: Record<Party, Address>,
    readonly windows: { accept: number; download: number; confirm: number; arbitration: number },
  ) {
    for (const p of partyNames) {
      this.accounts.set(addr[p], { available: 0n, locked: 0n, orders: 0n })
      const funded = p === 'seller' || p === 'buyer' || p === 'buyer2'
      this.tokens.set(addr[p], funded ? MINT : 0n)
      this.allowance.set(addr[p], funded ? MINT : 0n)
    }
  }

  get lifetime(): number {
    return this.windows.accept + this.windows.download + this.windows.confirm + this.windows.arbitration
  }
  acct(a: Address): Account {
    return this.accounts.get(a)!
  }
  /** Takes `amount` out of available; the shortfall is pulled from tokens + allowance. */
  private take(a: Address, amount: bigint): void {
    const acc = this.acct(a)
    const shortfall = acc.available >= amount ? 0n : amount - acc.available
    acc.available = acc.available >= amount ? acc.available - amount : 0n
    this.pull(a, shortfall)
  }
  private pull(a: Address, amount: bigint): void {
    assert.ok(this.tokens.get(a)! >= amount && this.allowance.get(a)! >= amount, 'the model never pulls more than is approved')
    this.tokens.set(a, this.tokens.get(a)! - amount)
    this.allowance.set(a, this.allowance.get(a)! - amount)
  }
  private escrow(a: Address, amount: bigint): void {
    this.take(a, amount)
    this.acct(a).locked += amount
  }
  private credit(a: Address, amount: bigint): void {
    this.acct(a).available += amount
  }

  list(p: ListingInput & { seller: Address }, id: bigint): void {
    this.listings.push({ id, seller: p.seller, minPrice: p.minPrice, buyerDeposit: p.buyerDeposit, sellerDeposit: p.sellerDeposit, standing: p.standingDeposit, closedAt: 0, requiresAcceptance: p.requiresAcceptance })
    this.take(p.seller, p.standingDeposit)
  }

  deposit(caller: Address, amount: bigint): Refusal | ((ts: number) => void) {
    if (amount === 0n) return { error: 'MarketplaceZeroAmount' }
    return () => {
      this.credit(caller, amount)
      this.pull(caller, amount)
    }
  }

  withdraw(caller: Address, amount: bigint): Refusal | ((ts: number) => void) {
    if (amount === 0n) return { error: 'MarketplaceZeroAmount' }
    const available = this.acct(caller).available
    if (amount > available) return { error: 'MarketplaceInsufficientBalance', args: { account: caller, available, needed: amount } }
    return () => {
      this.acct(caller).available -= amount
      this.tokens.set(caller, this.tokens.get(caller)! + amount)
    }
  }

  private openListing(id: bigint): Refusal | ListingModel {
    const l = this.listings.find((x) => x.id === id)
    if (!l) return { error: 'MarketplaceListingNotFound', args: { listingId: id } }
    if (l.closedAt !== 0) return { error: 'MarketplaceListingClosed', args: { listingId: id } }
    return l
  }

  topUp(caller: Address, id: bigint, amount: bigint): Refusal | ((ts: number) => void) {
    const l = this.openListing(id)
    if ('error' in l) return l
    if (caller !== l.seller) return { error: 'MarketplaceNotSeller', args: { listingId: id, caller } }
    if (amount === 0n) return { error: 'MarketplaceZeroAmount' }
    return () => {
      l.standing += amount
      this.take(caller, amount)
    }
  }

  close(caller: Address, id: bigint): Refusal | ((ts: number) => void) {
    const l = this.openListing(id)
    if ('error' in l) return l
    if (caller !== l.seller) return { error: 'MarketplaceNotSeller', args: { listingId: id, caller } }
    return (ts) => {
      l.closedAt = ts
    }
  }

  release(caller: Address, id: bigint, now: number): Refusal | ((ts: number) => void) {
    const l = this.listings.find((x) => x.id === id)
    if (!l) return { error: 'MarketplaceListingNotFound', args: { listingId: id } }
    if (caller !== l.seller) return { error: 'MarketplaceNotSeller', args: { listingId: id, caller } }
    const releaseTime = l.closedAt + this.lifetime
    if (l.closedAt === 0 || now <= releaseTime) return { error: 'MarketplaceListingStillBacking', args: { listingId: id, releaseTime: BigInt(releaseTime) } }
    return () => {
      this.credit(caller, l.standing)
      l.standing = 0n
    }
  }

  order(caller: Address, id: bigint, maxPrice: bigint, token: Hex): Refusal | ((ts: number) => Trade) {
    const l = this.openListing(id)
    if ('error' in l) return l
    if (caller !== this.addr.buyer && caller !== this.addr.buyer2) return { error: 'MarketplaceNotActiveMember', args: { key: caller, role: 1 } }
    if (!l.requiresAcceptance && l.standing < l.sellerDeposit) return { error: 'MarketplaceStandingDepositTooLow', args: { listingId: id, standing: l.standing, needed: l.sellerDeposit } }
    if (PRICE < l.minPrice) return { error: 'MarketplacePriceBelowMinimum', args: { listingId: id, price: PRICE, minPrice: l.minPrice } }
    if (PRICE > maxPrice) return { error: 'MarketplacePriceAboveMax', args: { listingId: id, price: PRICE, maxPrice } }
    return (ts) => {
      const acc = this.acct(caller)
      const tradeId = (BigInt(caller) << 96n) | acc.orders
      acc.orders += 1n
      this.escrow(caller, PRICE + l.buyerDeposit)
      const record: Trade = {
        id: tradeId,
        listingId: id,
        buyer: caller,
        seller: l.seller,
        storageProvider: this.addr.storage,
        arbitrator: this.addr.arbitrator,
        price: PRICE,
        buyerDeposit: l.buyerDeposit,
        sellerDeposit: l.sellerDeposit,
        category: 1,
        round: 1,
        state: l.requiresAcceptance ? S.Ordered : S.Accepted,
        sellerDepositSource: l.requiresAcceptance ? Src.None : Src.Standing,
        deadline: ts + (l.requiresAcceptance ? this.windows.accept : this.windows.download),
        tokenCommitment: keccak256(token),
      }
      this.trades.push({ record, open: true, history: [] })
      return record
    }
  }

  /** `record` as given by the caller must be the stored one. */
  private load(record: Trade): Refusal | TradeModel {
    const t = this.trades.find((x) => x.record.id === record.id)
    if (!t || !t.open || hashTrade(t.record) !== hashTrade(record)) return { error: 'MarketplaceTradeMismatch', args: { tradeId: record.id } }
    return t
  }
  private beforeDeadline(t: TradeModel, now: number): Refusal | undefined {
    if (now > t.record.deadline) return { error: 'MarketplaceDeadlinePassed', args: { tradeId: t.record.id, deadline: BigInt(t.record.deadline) } }
    return undefined
  }
  private unauthorized(t: TradeModel, caller: Address): Refusal {
    return { error: 'MarketplaceUnauthorized', args: { tradeId: t.record.id, caller } }
  }
  private wrongState(t: TradeModel): Refusal {
    return { error: 'MarketplaceWrongState', args: { tradeId: t.record.id, state: t.record.state } }
  }
  private advance(t: TradeModel, state: number, window: number, ts: number, source = t.record.sellerDepositSource): Trade {
    t.history.push(t.record)
    t.record = { ...t.record, state, deadline: ts + window, sellerDepositSource: source }
    return t.record
  }

  accept(caller: Address, record: Trade, now: number): Refusal | ((ts: number) => Trade) {
    const t = this.load(record)
    if ('error' in t) return t
    if (caller !== t.record.seller) return this.unauthorized(t, caller)
    if (t.record.state !== S.Ordered) return this.wrongState(t)
    const late = this.beforeDeadline(t, now)
    if (late) return late
    return (ts) => {
      this.escrow(caller, t.record.sellerDeposit)
      return this.advance(t, S.Accepted, this.windows.download, ts, Src.Account)
    }
  }

  confirmDownload(caller: Address, record: Trade, now: number): Refusal | ((ts: number) => Trade) {
    const t = this.load(record)
    if ('error' in t) return t
    if (caller !== t.record.storageProvider) return this.unauthorized(t, caller)
    if (t.record.state !== S.Accepted) return this.wrongState(t)
    const late = this.beforeDeadline(t, now)
    if (late) return late
    return (ts) => this.advance(t, S.Downloaded, this.windows.confirm, ts)
  }

  confirm(caller: Address, record: Trade, verdict: number, now: number): Refusal | ((ts: number) => Trade) {
    const t = this.load(record)
    if ('error' in t) return t
    if (caller !== t.record.buyer) return this.unauthorized(t, caller)
    if (t.record.state !== S.Accepted && t.record.state !== S.Downloaded) return this.wrongState(t)
    const late = this.beforeDeadline(t, now)
    if (late) return late
    return (ts) => {
      if (verdict === 0) return this.settle(t, false, true)
      if (verdict === 3) return this.settle(t, true, false) // FixedPricing: the price always matches
      return this.advance(t, verdict === 1 ? S.DisputedDownload : S.DisputedDescription, this.windows.arbitration, ts)
    }
  }

  decide(caller: Address, record: Trade, buyerRight: boolean, now: number): Refusal | ((ts: number) => Trade) {
    const t = this.load(record)
    if ('error' in t) return t
    if (caller !== t.record.arbitrator) return this.unauthorized(t, caller)
    if (t.record.state !== S.DisputedDownload && t.record.state !== S.DisputedDescription) return this.wrongState(t)
    const late = this.beforeDeadline(t, now)
    if (late) return late
    return () => {
      if (t.record.state === S.DisputedDownload) return buyerRight ? this.fail(t, false) : this.settle(t, true, true)
      return buyerRight ? this.fail(t, true) : this.settle(t, true, true)
    }
  }

  resolveTimeout(record: Trade, now: number): Refusal | ((ts: number) => Trade) {
    const t = this.load(record)
    if ('error' in t) return t
    if (now <= t.record.deadline) return { error: 'MarketplaceDeadlineNotReached', args: { tradeId: t.record.id, deadline: BigInt(t.record.deadline) } }
    return () => (t.record.state === S.Downloaded ? this.settle(t, false, true) : this.fail(t, false))
  }

  /** Seller paid (price minus fee), its locked deposit back; buyer deposit back or forfeited. */
  private settle(t: TradeModel, forfeitBuyer: boolean, arbitrated: boolean): Trade {
    const r = t.record
    const fee = (r.price * FEE_BPS) / BPS
    const buyer = this.acct(r.buyer)
    buyer.locked -= r.price + r.buyerDeposit
    if (!forfeitBuyer) buyer.available += r.buyerDeposit
    let payout = r.price - fee
    if (r.sellerDepositSource === Src.Account) {
      this.acct(r.seller).locked -= r.sellerDeposit
      payout += r.sellerDeposit
    }
    this.credit(r.seller, payout)
    this.credit(this.addr.platform, fee)
    if (forfeitBuyer) this.share(r, r.seller, r.buyerDeposit, arbitrated)
    return this.closeTrade(t, S.Settled)
  }

  /** Buyer refunded in full; seller deposit back, or forfeited to the others. */
  private fail(t: TradeModel, forfeitSeller: boolean): Trade {
    const r = t.record
    const buyer = this.acct(r.buyer)
    buyer.locked -= r.price + r.buyerDeposit
    buyer.available += r.price + r.buyerDeposit
    let forfeited = 0n
    if (r.sellerDepositSource === Src.Account) {
      this.acct(r.seller).locked -= r.sellerDeposit
      if (forfeitSeller) forfeited = r.sellerDeposit
      else this.credit(r.seller, r.sellerDeposit)
    } else if (forfeitSeller && r.sellerDepositSource === Src.Standing) {
      const l = this.listings.find((x) => x.id === r.listingId)!
      forfeited = l.standing < r.sellerDeposit ? l.standing : r.sellerDeposit
      l.standing -= forfeited
    }
    if (forfeited > 0n) this.share(r, r.buyer, forfeited, true)
    return this.closeTrade(t, S.Failed)
  }

  /** Forfeit shares: counterparty 50%, arbitrator 20% (counterparty if none), storage 15%, platform the rest. */
  private share(r: Trade, counterparty: Address, amount: bigint, arbitrated: boolean): void {
    const toArbitrator = arbitrated ? (amount * 2000n) / BPS : 0n
    const toStorage = (amount * 1500n) / BPS
    const toCounterparty = (amount * 5000n) / BPS + (arbitrated ? 0n : (amount * 2000n) / BPS)
    this.credit(counterparty, toCounterparty)
    this.credit(r.arbitrator, toArbitrator)
    this.credit(r.storageProvider, toStorage)
    this.credit(this.addr.platform, amount - toArbitrator - toStorage - toCounterparty)
  }

  private closeTrade(t: TradeModel, state: number): Trade {
    t.history.push(t.record)
    t.record = { ...t.record, state }
    t.open = false
    return t.record
  }

  /** Deadlines and release times the chain clock must keep clear of. */
  timePoints(): number[] {
    const points = this.trades.filter((t) => t.open).map((t) => t.record.deadline)
    for (const l of this.listings) if (l.closedAt !== 0) points.push(l.closedAt + this.lifetime)
    return points
  }
}

const LISTINGS: Array<Partial<ListingInput>> = [
  {}, // accepts at once from a standing deposit of 200
  { requiresAcceptance: true },
  { standingDeposit: credits(20) }, // a standing deposit that covers one forfeit only
  { minPrice: credits(200) }, // every order is below the minimum
]

async function runSequence(actions: Action[], log: string[]): Promise<void> {
  const w: TestWorld = await setupWorld()
  const outsider = w.client.as(newAccount())
  const actors: Record<Party, Actor> = { ...(w.parties as Record<Exclude<Party, 'outsider'>, Actor>), outsider }
  const addr = Object.fromEntries(partyNames.map((p) => [p, actors[p].address])) as Record<Party, Address>
  const model = new Model(addr, w.deployment.windows)
  const byAddress = new Map(partyNames.map((p) => [actors[p].address, actors[p]]))

  const blockTime = async (blockNumber?: bigint) => Number((await w.client.publicClient.getBlock(blockNumber === undefined ? {} : { blockNumber })).timestamp)

  for (const overrides of LISTINGS) {
    const input = { ...w.listingDefaults, ...overrides }
    const { listingId } = await w.seller.list(input)
    model.list({ ...input, seller: addr.seller }, listingId)
  }
  await verify()

  /** Picks a party: low indices mean "whoever is supposed to act", the rest anyone. */
  const pick = (i: number, right: Address): Actor => (i < 8 ? byAddress.get(right)! : actors[partyNames[i % partyNames.length]!])
  /**
   * Mostly an open trade in a state where the action applies, sometimes any open trade,
   * sometimes any trade at all (closed ones included).
   */
  const pickTrade = (i: number, states: readonly number[] = []): TradeModel | undefined => {
    const fitting = model.trades.filter((t) => t.open && (states.length === 0 || states.includes(t.record.state)))
    const open = model.trades.filter((t) => t.open)
    const pool = i % 10 < 7 && fitting.length > 0 ? fitting : i % 10 < 9 && open.length > 0 ? open : model.trades
    return pool.length > 0 ? pool[Math.floor(i / 10) % pool.length] : undefined
  }
  const fits: Record<string, readonly number[]> = {
    accept: [S.Ordered],
    confirmDownload: [S.Accepted],
    confirm: [S.Accepted, S.Downloaded],
    decide: [S.DisputedDownload, S.DisputedDescription],
    resolveTimeout: [],
  }

  async function attempt<T>(
    label: string,
    outcome: Refusal | ((ts: number) => T),
    call: () => Promise<{ receipt: { blockNumber: bigint }; trade?: Trade }>,
  ): Promise<void> {
    if (typeof outcome !== 'function') {
      log.push(`${label} -> ${outcome.error}`)
      count(`${label.split(/[ (]/)[0]} -> ${outcome.error}`)
      await expectRevert(call(), outcome.error, outcome.args)
      return
    }
    const result = await call()
    const applied = outcome(await blockTime(result.receipt.blockNumber))
    log.push(`${label} -> ok`)
    count(`${label.split(/[ (]/)[0]} -> ok${result.trade ? ` (${['', 'Ordered', 'Accepted', 'Downloaded', 'DisputedDownload', 'DisputedDescription', 'Settled', 'Failed'][result.trade.state]})` : ''}`)
    if (result.trade) assert.deepEqual(result.trade, applied, `${label}: the SDK's record equals the model's`)
  }

  async function verify(): Promise<void> {
    const m = w.deployment.marketplace
    const tokenOf = (a: Address) => w.client.read(w.deployment.credit, AllianceCreditAbi, 'balanceOf', [a])
    const [accounts, tokens, listings, hashes, held] = await Promise.all([
      Promise.all(partyNames.map((p) => w.client.read(m, MarketplaceAbi, 'accountOf', [addr[p]]))),
      Promise.all(partyNames.map((p) => tokenOf(addr[p]))),
      Promise.all(model.listings.map((l) => w.client.read(m, MarketplaceAbi, 'listing', [l.id]))),
      Promise.all(model.trades.map((t) => w.client.read(m, MarketplaceAbi, 'tradeHash', [t.record.id]))),
      tokenOf(m),
    ])
    let internal = 0n
    partyNames.forEach((p, i) => {
      const [available, locked, orders] = accounts[i]!
      const e = model.acct(addr[p])
      assert.deepEqual({ party: p, available, locked, orders }, { party: p, ...e }, `${p} after: ${log.at(-1)}`)
      assert.equal(tokens[i], model.tokens.get(addr[p]), `${p} tokens after: ${log.at(-1)}`)
      internal += available + locked
    })
    model.listings.forEach((l, i) => {
      const onChain = listings[i]!
      assert.equal(onChain.standing, l.standing, `listing ${l.id} standing after: ${log.at(-1)}`)
      assert.equal(Number(onChain.closedAt), l.closedAt, `listing ${l.id} closedAt`)
      internal += onChain.standing
    })
    model.trades.forEach((t, i) => assert.equal(hashes[i], t.open ? hashTrade(t.record) : ZERO_HASH, `trade ${i} hash after: ${log.at(-1)}`))
    assert.equal(held, internal, `solvency after: ${log.at(-1)}`)
    // Nothing is created or destroyed: every credit minted is held by a party or the marketplace.
    assert.equal(held + tokens.reduce((a, b) => a + (b as bigint), 0n), 3n * MINT, 'credits conserved')
  }

  for (const a of actions) {
    const now = await blockTime()
    switch (a.kind) {
      case 'order': {
        const buyer = a.buyer < 4 ? actors.buyer : a.buyer < 7 ? actors.buyer2 : actors[partyNames[a.buyer % partyNames.length]!]
        const listing = model.listings[a.listing % model.listings.length]!
        const maxPrice = [PRICE, credits(200), PRICE - 1n, PRICE, credits(1000), 0n][a.max]!
        const token = newToken()
        await attempt(`order L${listing.id} by ${buyer.address.slice(0, 8)} max ${maxPrice}`, model.order(buyer.address, listing.id, maxPrice, token), () =>
          buyer.order({ listingId: listing.id, maxPrice, token }),
        )
        break
      }
      case 'accept':
      case 'confirmDownload':
      case 'confirm':
      case 'decide':
      case 'resolveTimeout': {
        const t = pickTrade(a.trade, fits[a.kind])
        if (!t) break
        const r = t.record
        const right = { accept: r.seller, confirmDownload: r.storageProvider, confirm: r.buyer, decide: r.arbitrator, resolveTimeout: addr.outsider }[a.kind]
        const who = pick(a.caller, right)
        const label = `${a.kind}${'verdict' in a ? `(${verdicts[a.verdict]})` : ''}${'buyerRight' in a ? `(${a.buyerRight})` : ''} #${model.trades.indexOf(t)} state ${r.state} by ${who.address.slice(0, 8)}`
        if (a.kind === 'accept') await attempt(label, model.accept(who.address, r, now), () => who.accept(r))
        if (a.kind === 'confirmDownload') await attempt(label, model.confirmDownload(who.address, r, now), () => who.confirmDownload(r))
        if (a.kind === 'confirm') await attempt(label, model.confirm(who.address, r, a.verdict, now), () => who.confirm(r, verdicts[a.verdict]!))
        if (a.kind === 'decide') await attempt(label, model.decide(who.address, r, a.buyerRight, now), () => who.decideDispute(r, a.buyerRight))
        if (a.kind === 'resolveTimeout') await attempt(label, model.resolveTimeout(r, now), () => who.resolveTimeout(r))
        break
      }
      case 'stale': {
        const t = pickTrade(a.trade)
        if (!t) break
        const old = t.history.length > 0 ? t.history[a.trade % t.history.length]! : t.record
        const record = a.forge || old === t.record ? { ...t.record, price: t.record.price - 1n } : old
        const who = pick(a.caller, t.record.buyer)
        await attempt(`stale/forged record #${model.trades.indexOf(t)}`, model.confirm(who.address, record, 0, now), () => who.confirm(record, 'Ok'))
        break
      }
      case 'time': {
        await w.net.increaseTime(JUMPS[a.jump]!)
        // Step clear of every deadline so that no action lands within seconds of one.
        for (let i = 0; i < 10; i++) {
          const t = await blockTime()
          if (!model.timePoints().some((p) => Math.abs(p - t) <= MARGIN)) break
          await w.net.increaseTime(2 * MARGIN + 60)
        }
        log.push(`time +${JUMPS[a.jump]}`)
        break
      }
      case 'withdraw': {
        const who = actors[partyNames[a.party]!]
        const available = model.acct(who.address).available
        const amount = [0n, available / 2n, available, available + 1n, 1n][a.part]!
        await attempt(`withdraw ${amount} by ${partyNames[a.party]}`, model.withdraw(who.address, amount), () => who.withdraw(amount))
        break
      }
      case 'deposit': {
        const who = [actors.seller, actors.buyer, actors.buyer2][a.party]!
        const amount = [0n, credits(1), credits(50), credits(170)][a.amount]!
        await attempt(`deposit ${amount} by ${who.address.slice(0, 8)}`, model.deposit(who.address, amount), () => who.deposit(amount))
        break
      }
      case 'topUp':
      case 'close':
      case 'release': {
        const l = model.listings[a.listing % model.listings.length]!
        const who = pick(a.caller, l.seller)
        const label = `${a.kind} L${l.id} by ${who.address.slice(0, 8)}`
        if (a.kind === 'topUp') {
          const amount = [credits(20), 0n, credits(5)][a.amount]!
          await attempt(label, model.topUp(who.address, l.id, amount), () => who.topUpStanding(l.id, amount))
        }
        if (a.kind === 'close') await attempt(label, model.close(who.address, l.id), () => who.closeListing(l.id))
        if (a.kind === 'release') await attempt(label, model.release(who.address, l.id, now), () => who.releaseStanding(l.id))
        break
      }
    }
    await verify()
  }

  // Wind down: time out every open trade and withdraw everything; the marketplace then
  // holds exactly the standing deposits nobody has released.
  await w.net.increaseTime(model.lifetime + 3600)
  const now = await blockTime()
  for (const t of model.trades.filter((x) => x.open)) {
    const r = t.record
    await attempt(`final resolveTimeout #${model.trades.indexOf(t)}`, model.resolveTimeout(r, now), () => outsider.resolveTimeout(r))
  }
  for (const l of model.listings.filter((x) => x.closedAt !== 0)) {
    await attempt(`final releaseStanding L${l.id}`, model.release(addr.seller, l.id, now), () => actors.seller.releaseStanding(l.id))
  }
  for (const p of partyNames) {
    const available = model.acct(addr[p]).available
    if (available > 0n) await attempt(`final withdraw ${p}`, model.withdraw(addr[p], available), () => actors[p].withdraw(available))
  }
  await verify()
  for (const p of partyNames) assert.deepEqual(model.acct(addr[p]), { ...model.acct(addr[p]), available: 0n, locked: 0n })
  const standing = model.listings.reduce((s, l) => s + l.standing, 0n)
  assert.equal(await w.client.read(w.deployment.credit, AllianceCreditAbi, 'balanceOf', [w.deployment.marketplace]), standing)
}

test(`random action sequences keep the marketplace solvent and every balance exactly as the rules say (${RUNS} runs)`, { timeout: 120_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(actionArb, { minLength: 40, maxLength: 70 }), async (actions) => {
      const log: string[] = []
      try {
        await runSequence(actions, log)
      } catch (error) {
        if (error instanceof Error) error.message += `\n  steps so far:\n    ${log.join('\n    ')}`
        if (process.env.FC_DEBUG && error instanceof Error) console.error(error.stack)
        throw error
      }
    }),
    { numRuns: RUNS, endOnFailure: !process.env.FC_SHRINK, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined },
  )
  if (process.env.FC_STATS) console.log([...stats.entries()].sort().map(([k, v]) => `${String(v).padStart(5)}  ${k}`).join('\n'))
})
