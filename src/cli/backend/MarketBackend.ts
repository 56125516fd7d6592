/**
 * What the `bourse` commands ask of the alliance, behind one interface with two ways to do it:
 * - {@link ApiBackend} (./ApiBackend.ts): signed requests to the running node's HTTP API, which
 *   sends the transactions and answers reads from its indexed database;
 * - {@link RpcBackend} (./RpcBackend.ts): transactions and reads straight over the chain's
 *   JSON-RPC with the SDK (a node started with `--no-api`, an external chain only, or `--rpc`).
 *
 * Both return the same normalised values, so a command prints the same lines and the same
 * `--json` document whichever way it went. `CliContext.backend()` picks one.
 */
import type { Address, Hex } from 'viem'
import type { Role } from '../../identity/roles.ts'
import type { ListingInput, ListingView } from '../../sdk/BourseClient.ts'
import type { Trade, VerdictName } from '../../sdk/trade.ts'

/** A transaction the command caused. */
export interface SentTx {
  hash: Hex
  gasUsed: bigint
}

/** A trade after one protocol action. */
export interface TradeActionResult extends SentTx {
  trade: Trade
  /** True once the trade is settled or failed. */
  closed: boolean
}

/** One step of a trade's history, the same from the chain's logs and from the indexer. */
export interface TimelineRow {
  blockNumber: number
  timestamp: number
  transactionHash: Hex
  event: string
  summary: string
  /** The event's arguments, integers as decimal strings. */
  args: Record<string, unknown>
}

export interface TradeShow {
  trade: Trade
  /** True while the chain holds the trade (not settled or failed). */
  open: boolean
  timeline: TimelineRow[]
}

export const memberStatuses = ['None', 'Applied', 'Admitted', 'Suspended'] as const
export type MemberStatus = (typeof memberStatuses)[number]

export interface MemberView {
  org: Address
  status: MemberStatus
  roles: Role[]
  /** The key bound to each granted role (the zero address when none is). */
  keys: Partial<Record<Role, Address>>
}

/** Balances of one key of a local organisation. */
export interface BalanceRow {
  org: string
  role: Role
  address: Address
  /** AllianceCredit held by the key outside the marketplace. */
  tokens: bigint
  available: bigint
  locked: bigint
}

export interface MarketBackend {
  /** Which way the commands go: 'api' (the node's HTTP API) or 'rpc' (JSON-RPC with the SDK). */
  readonly via: 'api' | 'rpc'

  // ── membership (Alliance) ──
  /** The local organisation applies with `roles` (its identity key signs). */
  applyForMembership(org: string, roles: Role[]): Promise<SentTx & { org: Address }>
  /** `supervisorOrg`'s Supervisor key admits, suspends or reinstates `org`. */
  admit(supervisorOrg: string, org: Address): Promise<SentTx>
  suspend(supervisorOrg: string, org: Address, reason: string): Promise<SentTx>
  reinstate(supervisorOrg: string, org: Address): Promise<SentTx>
  /** Binds the current key of every granted role of a local organisation that is not bound yet. */
  bindMissingKeys(org: string): Promise<Role[]>
  member(org: Address): Promise<MemberView>

  // ── credits and balances ──
  /** `governanceOrg`'s identity key (AllianceCredit MINTER_ROLE) issues credits to `to`. */
  mint(governanceOrg: string, to: Address, amount: bigint): Promise<SentTx>
  deposit(org: string, role: Role, amount: bigint): Promise<SentTx & { account: Address }>
  withdraw(org: string, role: Role, amount: bigint | 'all'): Promise<SentTx & { account: Address; amount: bigint }>
  /** Every role key of each local organisation, with credits anywhere (all keys with `includeEmpty`). */
  balances(orgs: string[], includeEmpty: boolean): Promise<BalanceRow[]>

  // ── listings ──
  list(org: string, input: ListingInput): Promise<SentTx & { listingId: bigint }>
  listing(listingId: bigint): Promise<ListingView>
  listings(): Promise<ListingView[]>
  closeListing(org: string, listingId: bigint): Promise<SentTx>
  releaseStanding(org: string, listingId: bigint): Promise<SentTx>
  verifyOwnership(listingId: bigint, challenge: Hex, signature: Hex): Promise<boolean>

  // ── trades ──
  /** Orders one licence; the download token is saved in `<dataDir>/tokens/`. */
  order(org: string, listingId: bigint, maxPrice: bigint): Promise<SentTx & { trade: Trade }>
  accept(org: string, tradeId: bigint): Promise<TradeActionResult>
  confirmDownload(org: string, tradeId: bigint): Promise<TradeActionResult>
  confirm(org: string, tradeId: bigint, verdict: VerdictName): Promise<TradeActionResult>
  decide(org: string, tradeId: bigint, buyerRight: boolean): Promise<TradeActionResult>
  /** Any key of `org` (its identity key) ends a trade whose deadline passed. */
  timeout(org: string, tradeId: bigint): Promise<TradeActionResult>
  trade(tradeId: bigint): Promise<TradeShow>
}

/** A listing with its fields in one order, whichever source it came from (so `--json` prints alike). */
export function listingView(l: ListingView): ListingView {
  return {
    listingId: l.listingId,
    seller: l.seller,
    minPrice: l.minPrice,
    storageProvider: l.storageProvider,
    buyerDeposit: l.buyerDeposit,
    arbitrator: l.arbitrator,
    sellerDeposit: l.sellerDeposit,
    standing: l.standing,
    category: l.category,
    quantity: l.quantity,
    closedAt: l.closedAt,
    requiresAcceptance: l.requiresAcceptance,
    contentHash: l.contentHash,
  }
}

/** Event arguments as JSON values (bigints as decimal strings), as the indexer stores them. */
export function jsonArgs(args: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(args, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>
}

export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000' as Address
