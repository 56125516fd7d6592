/**
 * The typed shape of the databourse database for Kysely: one interface per table, column
 * names as in SQL (snake_case). Migrations in ./migrations create exactly these tables.
 *
 * Portable column conventions (the same in SQLite and PostgreSQL):
 * - amounts (uint96..uint256) are {@link AmountText}: fixed-width decimal text, so text order
 *   is numeric order and range filters use plain B-tree indexes (see ./codec.ts);
 * - addresses and hashes are lower-case `0x` hex text;
 * - booleans are integers 0/1; block numbers and unix times are 64-bit integers read back as
 *   JS numbers (exact below 2^53);
 * - event arguments are JSON text with bigints as decimal strings.
 */

/** 0x-prefixed lower-case hex. */
export type HexText = string
/** Decimal amount padded to 78 digits (see `encodeAmount`). */
export type AmountText = string
/** 0 or 1. */
export type Flag = 0 | 1

/** Columns every row derived from one log carries. */
export interface LogColumns {
  block_number: number
  log_index: number
  tx_hash: HexText
  /** Unix seconds of the block. */
  block_time: number
}

// ───────────────────────────── indexer bookkeeping ─────────────────────────────

/** One row per indexer: where it stands and what it indexes. */
export interface IndexerStateTable {
  name: string
  chain_id: number
  /** JSON of the indexed contract addresses (lower-case), to refuse another deployment. */
  contracts: string
  from_block: number
  /** Last block whose events are all in the tables; from_block - 1 before the first batch. */
  last_block: number
  last_block_hash: HexText | null
  /** Wall-clock ms of the last commit. */
  updated_at: number
}

/** Hashes of recently indexed blocks, for reorganisation detection. */
export interface IndexerBlocksTable {
  block_number: number
  block_hash: HexText
  block_time: number
  /** 1 when every change made in this block is recorded in indexer_undo. */
  undoable: Flag
}

/** Previous images of mutable rows, per block, to roll back orphaned blocks. */
export interface IndexerUndoTable {
  block_number: number
  seq: number
  table_name: string
  /** JSON object of the row's primary-key columns. */
  row_key: string
  /** JSON of the row before the change; null when the change created the row. */
  previous: string | null
}

/** Every decoded event of the indexed contracts, in chain order. */
export interface EventsTable extends LogColumns {
  contract: string
  address: HexText
  event: string
  args: string
}

// ───────────────────────────── alliance ─────────────────────────────

export interface MembersTable {
  org: HexText
  name: string
  /** 'Applied' | 'Admitted' | 'Suspended' */
  status: string
  /** Bit i = role i of `IAlliance.Role`. */
  roles_mask: number
  applied_block: number
  applied_at: number
  admitted_by: HexText | null
  admitted_at: number | null
  suspended_by: HexText | null
  suspended_reason: string | null
  updated_block: number
  updated_at: number
}

export interface MemberEventsTable extends LogColumns {
  org: HexText
  /** MemberApplied | MemberAdmitted | MemberSuspended | MemberReinstated | SupervisorAdded | SupervisorRemoved */
  event: string
  supervisor: HexText | null
  reason: string | null
  roles_mask: number | null
}

/** Current binding of each function key ever bound. */
export interface KeysTable {
  key: HexText
  org: HexText
  role: number
  role_name: string
  bound: Flag
  bound_block: number
  bound_at: number
  unbound_block: number | null
  unbound_at: number | null
}

export interface KeyEventsTable extends LogColumns {
  org: HexText
  role: number
  role_name: string
  key: HexText
  /** 'KeyBound' | 'KeyUnbound' */
  event: string
}

// ───────────────────────────── marketplace ─────────────────────────────

export interface ListingsTable {
  listing_id: number
  seller: HexText
  /** Organisation of the seller key when listed (null if the key was unknown then). */
  seller_org: HexText | null
  category: number
  content_hash: HexText
  storage_provider: HexText
  arbitrator: HexText
  min_price: AmountText
  buyer_deposit: AmountText
  seller_deposit: AmountText
  /** Standing deposit posted with the listing. */
  standing_deposit: AmountText
  /** Current standing deposit (top-ups, forfeitures, release). */
  standing: AmountText
  quantity: number
  requires_acceptance: Flag
  data_type: string
  description: string
  sample_uri: string
  closed: Flag
  closed_at: number | null
  release_time: number | null
  released: Flag
  trade_count: number
  listed_block: number
  listed_log_index: number
  listed_at: number
  listed_tx: HexText
  updated_block: number
}

/** Search terms of listings (lower-case words of description and data type). */
export interface ListingTermsTable {
  term: string
  listing_id: number
  block_number: number
}

/** The current record of each trade: every `IMarketplace.Trade` field plus its outcome. */
export interface TradesTable {
  trade_id: string
  listing_id: number
  buyer: HexText
  seller: HexText
  storage_provider: HexText
  arbitrator: HexText
  price: AmountText
  buyer_deposit: AmountText
  seller_deposit: AmountText
  category: number
  round: number
  state: number
  state_name: string
  seller_deposit_source: number
  deadline: number
  token_commitment: HexText
  max_price: AmountText
  open: Flag
  resolution: string | null
  seller_payout: AmountText | null
  platform_fee: AmountText | null
  buyer_refund: AmountText | null
  opened_block: number
  opened_log_index: number
  opened_at: number
  opened_tx: HexText
  updated_block: number
  updated_at: number
  closed_block: number | null
  closed_at: number | null
}

/** A trade's timeline: one row per Marketplace event about it. */
export interface TradeEventsTable extends LogColumns {
  trade_id: string
  event: string
  /** The trade's state after this event. */
  state: number
  state_name: string
  args: string
}

export interface DisputesTable {
  trade_id: string
  /** 'DownloadFailed' | 'NotAsDescribed' */
  verdict: string
  arbitrator: HexText
  opened_block: number
  opened_at: number
  deadline: number
  decided: Flag
  buyer_right: Flag | null
  decided_block: number | null
  decided_at: number | null
  /** Resolution of the trade once closed (ArbitrationTimeout when the arbitrator was silent). */
  resolution: string | null
}

export interface DepositForfeituresTable extends LogColumns {
  trade_id: string
  from_account: HexText
  amount: AmountText
  counterparty: HexText
  to_counterparty: AmountText
  arbitrator: HexText
  to_arbitrator: AmountText
  storage_provider: HexText
  to_storage_provider: AmountText
  platform: HexText
  to_platform: AmountText
}

/** Internal Marketplace balances, as `Marketplace.accountOf` reports them. */
export interface AccountsTable {
  address: HexText
  available: AmountText
  locked: AmountText
  orders: number
  updated_block: number
}

// ───────────────────────────── credit token ─────────────────────────────

export interface CreditBalancesTable {
  address: HexText
  balance: AmountText
  updated_block: number
}

export interface CreditTransfersTable extends LogColumns {
  from_address: HexText
  to_address: HexText
  value: AmountText
}

// ───────────────────────────── pricing ─────────────────────────────

export interface PricingCategoriesTable {
  category: number
  p_balance: AmountText | null
  p_vol: AmountText | null
  k: number | null
  log_ratio_bound: AmountText | null
  round_length: number | null
  current_round: number | null
  ends_at: number | null
  /** Standing supply (sum of listed quantities). */
  supply: AmountText
  /** Quantity ordered in the current round. */
  demand: AmountText
  configured_block: number | null
  updated_block: number
}

export interface PricingRoundsTable {
  category: number
  round: number
  price: AmountText
  /** Demand of the previous round and standing supply at its end (null when unknown). */
  prev_demand: AmountText | null
  prev_supply: AmountText | null
  started_at: number
  ends_at: number | null
  /** Quantity ordered in this round so far. */
  demand: AmountText
  trade_count: number
  /**
   * The event that created the row: 'RoundOpened' (dynamic pricing) or 'TradeOpened' (the first
   * order of a round not seen opening: fixed price, or opened before the indexed range).
   */
  source: string
  opened_block: number
}

export interface PricingEventsTable extends LogColumns {
  category: number
  round: number | null
  /** SupplyRecorded | SupplyRemoved | PricingSupplyUpdated */
  event: string
  quantity: AmountText | null
  /** Supply or demand after the event. */
  total: AmountText
  price: AmountText | null
}

/** The whole database, for `Kysely<Database>`. */
export interface Database {
  indexer_state: IndexerStateTable
  indexer_blocks: IndexerBlocksTable
  indexer_undo: IndexerUndoTable
  events: EventsTable
  members: MembersTable
  member_events: MemberEventsTable
  keys: KeysTable
  key_events: KeyEventsTable
  listings: ListingsTable
  listing_terms: ListingTermsTable
  trades: TradesTable
  trade_events: TradeEventsTable
  disputes: DisputesTable
  deposit_forfeitures: DepositForfeituresTable
  accounts: AccountsTable
  credit_balances: CreditBalancesTable
  credit_transfers: CreditTransfersTable
  pricing_categories: PricingCategoriesTable
  pricing_rounds: PricingRoundsTable
  pricing_events: PricingEventsTable
}

/** Tables whose rows change after insertion; changes are undone through indexer_undo. */
export const mutableTables = {
  members: ['org'],
  keys: ['key'],
  listings: ['listing_id'],
  trades: ['trade_id'],
  disputes: ['trade_id'],
  accounts: ['address'],
  credit_balances: ['address'],
  pricing_categories: ['category'],
  pricing_rounds: ['category', 'round'],
} as const satisfies { [T in keyof Database]?: readonly (keyof Database[T] & string)[] }

/** Tables whose rows never change once written and carry the block that wrote them. */
export const appendOnlyTables = [
  'events',
  'member_events',
  'key_events',
  'listing_terms',
  'trade_events',
  'deposit_forfeitures',
  'credit_transfers',
  'pricing_events',
] as const satisfies readonly (keyof Database)[]

export type MutableTable = keyof typeof mutableTables
export type AppendOnlyTable = (typeof appendOnlyTables)[number]
/** Every table the indexer fills (everything but its own bookkeeping). */
export type IndexedTable = MutableTable | AppendOnlyTable
/** The primary-key columns of a mutable table. */
export type KeyOf<T extends MutableTable> = Pick<Database[T], Extract<(typeof mutableTables)[T][number], keyof Database[T]>>
