/**
 * The commands through the running node's HTTP API (src/api/README.md): every write is a
 * request signed by the local key that acts (the node sends the transaction with that same
 * key, after checking its role), and reads come from the node's indexed database once the
 * indexer has caught up with the chain as it was when the command started — so a command sees
 * what the previous one did. The node's refusals are printed with what it answered.
 */
import { mkdir } from 'node:fs/promises'
import type { Address, Hex, LocalAccount } from 'viem'
import { ApiResponseError, ApiUnreachableError } from '../../errors/api.ts'
import { writeFileAtomic } from '../../identity/atomicFile.ts'
import { roles, type Role } from '../../identity/roles.ts'
import type { ListingInput, ListingView } from '../../sdk/BourseClient.ts'
import type { Trade, VerdictName } from '../../sdk/trade.ts'
import type { CliApi, CliContext } from '../context.ts'
import { tradeIdHex } from '../output.ts'
import { explained } from '../transfer.ts'
import { jsonArgs, listingView, memberStatuses, ZERO_ADDRESS, type BalanceRow, type MarketBackend, type MemberView, type TradeActionResult, type TradeShow } from './MarketBackend.ts'

/** How long a read waits for the node's indexer to reach the chain head (then reads what there is). */
const INDEX_WAIT_MS = 10_000

type Json = Record<string, any>

/**
 * Runs a signed call that moves credits; when the contract says the token allowance is what is
 * missing, deposits that amount first (POST /v1/balances/deposit) and runs it again — a call
 * refused for any other reason changes nothing on chain (compare src/cli/allowance.ts).
 */
export async function withDeposit<T>(api: CliApi, as: LocalAccount, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (!(err instanceof ApiResponseError) || err.code !== 'ERC20InsufficientAllowance' || typeof err.args?.needed !== 'string') throw err
    await api.call('POST', '/v1/balances/deposit', { as, body: { amount: err.args.needed } })
    return call()
  }
}

/** The API's trade record (strings for uint256) -> the SDK's. */
export function fromTradeJson(t: Json): Trade {
  return {
    id: BigInt(t.id),
    listingId: BigInt(t.listingId),
    buyer: t.buyer,
    seller: t.seller,
    storageProvider: t.storageProvider,
    arbitrator: t.arbitrator,
    price: BigInt(t.price),
    buyerDeposit: BigInt(t.buyerDeposit),
    sellerDeposit: BigInt(t.sellerDeposit),
    category: t.category,
    round: t.round,
    state: t.state,
    sellerDepositSource: t.sellerDepositSource,
    deadline: t.deadline,
    tokenCommitment: t.tokenCommitment,
  }
}

/** The API's listing (database or chain form) -> the SDK's view. */
function fromListingJson(l: Json): ListingView {
  return listingView({
    listingId: BigInt(l.listingId),
    seller: l.seller,
    minPrice: BigInt(l.minPrice),
    storageProvider: l.storageProvider,
    buyerDeposit: BigInt(l.buyerDeposit),
    arbitrator: l.arbitrator,
    sellerDeposit: BigInt(l.sellerDeposit),
    standing: BigInt(l.standing),
    category: l.category,
    quantity: l.quantity,
    closedAt: l.closedAt ?? 0,
    requiresAcceptance: l.requiresAcceptance,
    contentHash: l.contentHash,
  })
}

const sent = (tx: { hash: Hex; gasUsed: string }) => ({ hash: tx.hash, gasUsed: BigInt(tx.gasUsed) })
const action = (r: { trade: Json; closed: boolean; tx: { hash: Hex; gasUsed: string } }): TradeActionResult => ({ trade: fromTradeJson(r.trade), closed: r.closed, ...sent(r.tx) })

/**
 * @example
 * const backend = new ApiBackend(ctx, ctx.api())
 * const { trade } = await backend.order('beta', 1n, parseCredits('200'))
 */
export class ApiBackend implements MarketBackend {
  readonly via = 'api' as const
  readonly #ctx: CliContext
  readonly #api: CliApi
  #indexed: Promise<void> | undefined

  constructor(ctx: CliContext, api: CliApi) {
    this.#ctx = ctx
    this.#api = api
  }

  /** The error the CLI prints: the node's refusal with what it answered, or that it did not answer. */
  #explained(err: unknown): unknown {
    if (err instanceof TypeError && err.message === 'fetch failed') return new ApiUnreachableError({ url: this.#api.url, cause: err })
    return explained(err)
  }

  /** One API call. */
  async #call<T = Json>(method: 'GET' | 'POST', path: string, o: { as?: LocalAccount; body?: unknown } = {}): Promise<T> {
    try {
      return await this.#api.call<T>(method, path, o)
    } catch (err) {
      throw this.#explained(err)
    }
  }

  /** Like {@link #call} for a write that may need credits moved into the marketplace first. */
  async #paying<T = Json>(path: string, as: LocalAccount, body?: unknown): Promise<T> {
    try {
      return await withDeposit(this.#api, as, () => this.#api.call<T>('POST', path, { as, body }))
    } catch (err) {
      throw this.#explained(err)
    }
  }

  /**
   * Waits (once per command, at most {@link INDEX_WAIT_MS}) until the node's indexer has
   * indexed the chain as it was now, so reads from its database include every earlier command.
   * On an external chain the indexer trails the head by its confirmations by design.
   */
  #fresh(): Promise<void> {
    this.#indexed ??= (async () => {
      type Health = { chain: { head?: number }; database: unknown; indexer: { lastBlock: number; lag?: number } | null }
      let h = await this.#call<Health>('GET', '/health')
      const start = h.chain.head
      if (!h.database || start === undefined) return
      for (const until = Date.now() + INDEX_WAIT_MS; Date.now() < until; ) {
        const head = h.chain.head ?? start
        if (h.indexer && (h.indexer.lag !== undefined ? h.indexer.lag <= head - start : h.indexer.lastBlock >= start)) return
        await new Promise((r) => setTimeout(r, 100))
        h = await this.#call<Health>('GET', '/health')
      }
    })()
    return this.#indexed
  }

  #key(org: string, role: Role): Promise<LocalAccount> {
    return this.#ctx.org(org).then((o) => o.key(role))
  }

  #admin(org: string): Promise<LocalAccount> {
    return this.#ctx.org(org).then((o) => o.admin)
  }

  // ── membership ──

  async applyForMembership(org: string, wanted: Role[]) {
    const as = await this.#admin(org)
    const r = await this.#call<{ org: Address; tx: { hash: Hex; gasUsed: string } }>('POST', '/v1/members', { as, body: { name: org, roles: wanted } })
    return { org: r.org, ...sent(r.tx) }
  }

  async #supervise(supervisorOrg: string, org: Address, what: 'admission' | 'suspension' | 'reinstatement', body?: unknown) {
    const as = await this.#key(supervisorOrg, 'Supervisor')
    const r = await this.#call<{ tx: { hash: Hex; gasUsed: string } }>('POST', `/v1/members/${org}/${what}`, { as, body })
    return sent(r.tx)
  }

  admit(supervisorOrg: string, org: Address) {
    return this.#supervise(supervisorOrg, org, 'admission')
  }

  suspend(supervisorOrg: string, org: Address, reason: string) {
    return this.#supervise(supervisorOrg, org, 'suspension', { reason })
  }

  reinstate(supervisorOrg: string, org: Address) {
    return this.#supervise(supervisorOrg, org, 'reinstatement')
  }

  async bindMissingKeys(name: string): Promise<Role[]> {
    const org = await this.#ctx.localOrg(name)
    if (!org) return [] // not a local organisation: it binds its own keys
    const m = await this.member(org.admin.address)
    const bound: Role[] = []
    for (const role of m.roles) {
      const key = org.key(role).address
      if (m.keys[role]?.toLowerCase() === key.toLowerCase()) continue
      await this.#call('POST', `/v1/members/${org.admin.address}/keys`, { as: org.admin, body: { role, key } })
      bound.push(role)
    }
    return bound
  }

  async member(org: Address): Promise<MemberView> {
    await this.#fresh()
    let m: { status: string; roles: Role[]; keys?: { key: Address; role: Role; bound: boolean }[] }
    try {
      m = await this.#api.call('GET', `/v1/members/${org}`)
    } catch (err) {
      if (err instanceof ApiResponseError && err.status === 404) return { org, status: 'None', roles: [], keys: {} }
      throw this.#explained(err)
    }
    const keys = Object.fromEntries(m.roles.map((role) => [role, m.keys?.find((k) => k.role === role && k.bound)?.key ?? ZERO_ADDRESS]))
    const status = memberStatuses.find((s) => s === m.status) ?? 'None'
    return { org, status, roles: m.roles, keys }
  }

  // ── credits and balances ──

  async mint(governanceOrg: string, to: Address, amount: bigint) {
    const r = await this.#call<{ tx: { hash: Hex; gasUsed: string } }>('POST', '/v1/credits/mint', { as: await this.#admin(governanceOrg), body: { to, amount: amount.toString() } })
    return sent(r.tx)
  }

  async deposit(org: string, role: Role, amount: bigint) {
    const as = await this.#key(org, role)
    const r = await this.#call<{ txs: { hash: Hex; gasUsed: string }[] }>('POST', '/v1/balances/deposit', { as, body: { amount: amount.toString() } })
    return { account: as.address, ...sent(r.txs.at(-1)!) }
  }

  async withdraw(org: string, role: Role, amount: bigint | 'all') {
    const as = await this.#key(org, role)
    const r = await this.#call<{ amount: string; txs: { hash: Hex; gasUsed: string }[] }>('POST', '/v1/balances/withdraw', { as, body: { amount: amount.toString() } })
    return { account: as.address, amount: BigInt(r.amount), ...sent(r.txs.at(-1)!) }
  }

  /**
   * The indexed balances of the organisation's bound keys (GET /v1/members/{org}/balances,
   * signed by its identity key); each local key never bound (credits minted to it before its
   * role was granted, say) is read with its own signed GET /v1/balances.
   */
  async balances(orgs: string[], includeEmpty: boolean): Promise<BalanceRow[]> {
    await this.#fresh()
    const rows: BalanceRow[] = []
    for (const name of orgs) {
      const org = await this.#ctx.org(name)
      const indexed = new Map<string, { credit: string; available: string; locked: string }>()
      try {
        const m = await this.#api.call<{ keys: { address: string; credit: string; available: string; locked: string }[] }>('GET', `/v1/members/${org.admin.address}/balances`, { as: org.admin })
        for (const k of m.keys) indexed.set(k.address.toLowerCase(), k)
      } catch (err) {
        if (!(err instanceof ApiResponseError && err.status === 404)) throw this.#explained(err) // 404: not a member yet
      }
      for (const role of roles) {
        const key = org.key(role)
        const hit = indexed.get(key.address.toLowerCase())
        const b = hit
          ? { tokens: BigInt(hit.credit), available: BigInt(hit.available), locked: BigInt(hit.locked) }
          : await this.#call<{ tokens: string; available: string; locked: string }>('GET', '/v1/balances', { as: key }).then((x) => ({ tokens: BigInt(x.tokens), available: BigInt(x.available), locked: BigInt(x.locked) }))
        if (b.tokens + b.available + b.locked > 0n || includeEmpty) rows.push({ org: name, role, address: key.address, ...b })
      }
    }
    return rows
  }

  // ── listings ──

  async list(org: string, input: ListingInput) {
    const as = await this.#key(org, 'Seller')
    const body = {
      ...input,
      minPrice: input.minPrice.toString(),
      buyerDeposit: input.buyerDeposit.toString(),
      sellerDeposit: input.sellerDeposit.toString(),
      standingDeposit: input.standingDeposit.toString(),
      sampleURI: input.sampleURI ?? '',
    }
    const r = await this.#paying<{ listingId: string; tx: { hash: Hex; gasUsed: string } }>('/v1/listings', as, body)
    return { listingId: BigInt(r.listingId), ...sent(r.tx) }
  }

  async listing(listingId: bigint): Promise<ListingView> {
    await this.#fresh()
    return fromListingJson(await this.#call('GET', `/v1/listings/${listingId}`))
  }

  async listings(): Promise<ListingView[]> {
    await this.#fresh()
    const all: ListingView[] = []
    let cursor: string | null = null
    do {
      const page: { items: Json[]; nextCursor: string | null } = await this.#call('GET', `/v1/listings?status=all&sort=oldest&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      all.push(...page.items.map(fromListingJson))
      cursor = page.nextCursor
    } while (cursor)
    return all
  }

  async closeListing(org: string, listingId: bigint) {
    return sent((await this.#call<{ tx: { hash: Hex; gasUsed: string } }>('POST', `/v1/listings/${listingId}/close`, { as: await this.#key(org, 'Seller') })).tx)
  }

  async releaseStanding(org: string, listingId: bigint) {
    return sent((await this.#call<{ tx: { hash: Hex; gasUsed: string } }>('POST', `/v1/listings/${listingId}/release`, { as: await this.#key(org, 'Seller') })).tx)
  }

  async verifyOwnership(listingId: bigint, challenge: Hex, signature: Hex) {
    const q = new URLSearchParams({ challenge, signature })
    return (await this.#call<{ owner: boolean }>('GET', `/v1/listings/${listingId}/ownership?${q}`)).owner
  }

  // ── trades ──

  /**
   * POST /v1/orders: the node generates the download token and returns it once; it is saved
   * where the CLI keeps tokens (`<dataDir>/tokens/<tradeId>.json`), so `bourse download` finds it.
   */
  async order(org: string, listingId: bigint, maxPrice: bigint) {
    const as = await this.#key(org, 'Buyer')
    const r = await this.#paying<{ trade: Json; token: Hex; tx: { hash: Hex; gasUsed: string } }>('/v1/orders', as, { listingId: listingId.toString(), maxPrice: maxPrice.toString() })
    const trade = fromTradeJson(r.trade)
    await mkdir(this.#ctx.dataDir.tokens, { recursive: true, mode: 0o700 })
    await writeFileAtomic(this.#ctx.dataDir.token(trade.id), `${JSON.stringify({ tradeId: tradeIdHex(trade.id), token: r.token })}\n`)
    return { trade, ...sent(r.tx) }
  }

  async accept(org: string, tradeId: bigint) {
    return action(await this.#paying(`/v1/trades/${tradeId}/accept`, await this.#key(org, 'Seller')))
  }

  async confirmDownload(org: string, tradeId: bigint) {
    return action(await this.#call('POST', `/v1/trades/${tradeId}/download-confirmation`, { as: await this.#key(org, 'Storage') }))
  }

  async confirm(org: string, tradeId: bigint, verdict: VerdictName) {
    return action(await this.#call('POST', `/v1/trades/${tradeId}/confirmation`, { as: await this.#key(org, 'Buyer'), body: { verdict } }))
  }

  async decide(org: string, tradeId: bigint, buyerRight: boolean) {
    return action(await this.#call('POST', `/v1/trades/${tradeId}/decision`, { as: await this.#key(org, 'Arbitrator'), body: { buyerRight } }))
  }

  async timeout(org: string, tradeId: bigint) {
    return action(await this.#call('POST', `/v1/trades/${tradeId}/timeout`, { as: await this.#admin(org) }))
  }

  async trade(tradeId: bigint): Promise<TradeShow> {
    await this.#fresh()
    const [view, timeline] = await Promise.all([
      this.#call<{ trade: Json; open: boolean }>('GET', `/v1/trades/${tradeId}`),
      this.#call<{ entries: { blockNumber: number; timestamp: number; transactionHash: Hex; event: string; summary?: string; args: Record<string, unknown> }[] }>('GET', `/v1/trades/${tradeId}/timeline`),
    ])
    return {
      trade: fromTradeJson(view.trade),
      open: view.open,
      timeline: timeline.entries.map((e) => ({ blockNumber: e.blockNumber, timestamp: e.timestamp, transactionHash: e.transactionHash, event: e.event, summary: e.summary ?? e.event, args: jsonArgs(e.args) })),
    }
  }
}
