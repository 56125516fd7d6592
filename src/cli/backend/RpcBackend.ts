/**
 * The commands straight over the chain's JSON-RPC with the SDK: each local key signs its own
 * transactions (simulated first, so a refusal names the contract error and sends nothing),
 * and reads come from the contracts and their logs. Used when no node serves the HTTP API
 * for the data directory (`bourse up --no-api`, an external chain without a local node) or
 * with `--rpc`.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { toHex, type Address, type Hex } from 'viem'
import { writeFileAtomic } from '../../identity/atomicFile.ts'
import { roles, type Role } from '../../identity/roles.ts'
import type { ListingInput, ListingView } from '../../sdk/BourseClient.ts'
import type { VerdictName } from '../../sdk/trade.ts'
import { withAllowance } from '../allowance.ts'
import type { CliContext } from '../context.ts'
import { tradeIdHex } from '../output.ts'
import { jsonArgs, listingView, memberStatuses, type BalanceRow, type MarketBackend, type MemberView, type TradeShow } from './MarketBackend.ts'

const rolesOfMask = (mask: bigint): Role[] => roles.filter((_r, i) => (mask >> BigInt(i)) & 1n)

/**
 * @example
 * const backend = new RpcBackend(ctx)
 * const { trade } = await backend.order('beta', 1n, parseCredits('200'))
 */
export class RpcBackend implements MarketBackend {
  readonly via = 'rpc' as const
  readonly #ctx: CliContext

  constructor(ctx: CliContext) {
    this.#ctx = ctx
  }

  async applyForMembership(org: string, wanted: Role[]) {
    const admin = await this.#ctx.admin(org)
    const r = await admin.applyForMembership(org, wanted)
    return { org: admin.address, hash: r.hash, gasUsed: r.gasUsed }
  }

  admit(supervisorOrg: string, org: Address) {
    return this.#ctx.actor(supervisorOrg, 'Supervisor').then((s) => s.admit(org))
  }

  suspend(supervisorOrg: string, org: Address, reason: string) {
    return this.#ctx.actor(supervisorOrg, 'Supervisor').then((s) => s.suspend(org, reason))
  }

  reinstate(supervisorOrg: string, org: Address) {
    return this.#ctx.actor(supervisorOrg, 'Supervisor').then((s) => s.reinstate(org))
  }

  async bindMissingKeys(name: string): Promise<Role[]> {
    const org = await this.#ctx.localOrg(name)
    if (!org) return [] // not a local organisation: it binds its own keys
    const client = await this.#ctx.client()
    const { rolesMask } = await client.member(org.admin.address)
    const bound: Role[] = []
    for (const role of rolesOfMask(rolesMask)) {
      const current = await client.keyOf(org.admin.address, role)
      if (current.toLowerCase() === org.key(role).address.toLowerCase()) continue
      await client.as(org.admin).bindKey(role, org.key(role).address)
      bound.push(role)
    }
    return bound
  }

  async member(org: Address): Promise<MemberView> {
    const client = await this.#ctx.client()
    const m = await client.member(org)
    const granted = rolesOfMask(m.rolesMask)
    const keys = Object.fromEntries(await Promise.all(granted.map(async (r) => [r, await client.keyOf(org, r)] as const)))
    return { org, status: memberStatuses[m.status] ?? 'None', roles: granted, keys }
  }

  async mint(governanceOrg: string, to: Address, amount: bigint) {
    return (await this.#ctx.admin(governanceOrg)).mint(to, amount)
  }

  async deposit(org: string, role: Role, amount: bigint) {
    const actor = await this.#ctx.actor(org, role)
    await actor.approve(amount)
    const r = await actor.deposit(amount)
    return { account: actor.address, hash: r.hash, gasUsed: r.gasUsed }
  }

  async withdraw(org: string, role: Role, amount: bigint | 'all') {
    const actor = await this.#ctx.actor(org, role)
    const value = amount === 'all' ? (await actor.client.balances(actor.address)).available : amount
    const r = await actor.withdraw(value)
    return { account: actor.address, amount: value, hash: r.hash, gasUsed: r.gasUsed }
  }

  async balances(orgs: string[], includeEmpty: boolean): Promise<BalanceRow[]> {
    const client = await this.#ctx.client()
    const rows: BalanceRow[] = []
    for (const name of orgs) {
      const org = await this.#ctx.org(name)
      for (const role of roles) {
        const address = org.key(role).address
        const b = await client.balances(address)
        if (b.tokens + b.available + b.locked > 0n || includeEmpty) rows.push({ org: name, role, address, tokens: b.tokens, available: b.available, locked: b.locked })
      }
    }
    return rows
  }

  async list(org: string, input: ListingInput) {
    const seller = await this.#ctx.actor(org, 'Seller')
    const r = await withAllowance(seller, () => seller.list(input))
    return { listingId: r.listingId, hash: r.hash, gasUsed: r.gasUsed }
  }

  async listing(listingId: bigint): Promise<ListingView> {
    return listingView(await (await this.#ctx.client()).listing(listingId))
  }

  async listings(): Promise<ListingView[]> {
    const client = await this.#ctx.client()
    const n = await client.listingCount()
    const all: ListingView[] = []
    for (let i = 1n; i <= n; i++) all.push(listingView(await client.listing(i)))
    return all
  }

  async closeListing(org: string, listingId: bigint) {
    return (await this.#ctx.actor(org, 'Seller')).closeListing(listingId)
  }

  async releaseStanding(org: string, listingId: bigint) {
    return (await this.#ctx.actor(org, 'Seller')).releaseStanding(listingId)
  }

  async verifyOwnership(listingId: bigint, challenge: Hex, signature: Hex) {
    return (await this.#ctx.client()).verifyOwnership(listingId, challenge, signature)
  }

  /** A fresh token, its hash committed on chain, the token saved in `<dataDir>/tokens/`. */
  async order(org: string, listingId: bigint, maxPrice: bigint) {
    const buyer = await this.#ctx.actor(org, 'Buyer')
    const terms = await buyer.client.listing(listingId)
    const token = toHex(randomBytes(32))
    const r = await withAllowance(buyer, () => buyer.order({ listingId, maxPrice, token, terms }))
    mkdirSync(this.#ctx.dataDir.tokens, { recursive: true, mode: 0o700 })
    await writeFileAtomic(this.#ctx.dataDir.token(r.trade.id), `${JSON.stringify({ tradeId: tradeIdHex(r.trade.id), token })}\n`)
    return { trade: r.trade, hash: r.hash, gasUsed: r.gasUsed }
  }

  async accept(org: string, tradeId: bigint) {
    const seller = await this.#ctx.actor(org, 'Seller')
    const { trade } = await seller.client.trade(tradeId)
    return withAllowance(seller, () => seller.accept(trade))
  }

  async confirmDownload(org: string, tradeId: bigint) {
    const storage = await this.#ctx.actor(org, 'Storage')
    return storage.confirmDownload((await storage.client.trade(tradeId)).trade)
  }

  async confirm(org: string, tradeId: bigint, verdict: VerdictName) {
    const buyer = await this.#ctx.actor(org, 'Buyer')
    return buyer.confirm((await buyer.client.trade(tradeId)).trade, verdict)
  }

  async decide(org: string, tradeId: bigint, buyerRight: boolean) {
    const arbitrator = await this.#ctx.actor(org, 'Arbitrator')
    return arbitrator.decideDispute((await arbitrator.client.trade(tradeId)).trade, buyerRight)
  }

  async timeout(org: string, tradeId: bigint) {
    const actor = await this.#ctx.admin(org)
    return actor.resolveTimeout((await actor.client.trade(tradeId)).trade)
  }

  async trade(tradeId: bigint): Promise<TradeShow> {
    const view = await (await this.#ctx.client()).trade(tradeId)
    const timeline = view.timeline.map((e) => ({
      blockNumber: Number(e.blockNumber),
      timestamp: e.timestamp,
      transactionHash: e.transactionHash,
      event: e.event,
      summary: e.summary,
      args: jsonArgs(e.args),
    }))
    return { trade: view.trade, open: view.open, timeline }
  }
}
