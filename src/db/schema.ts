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

// ───────────────────────────── supervision (migration 0002) ─────────────────────────────
// Indexed from the Supervision contract: supervision_keys, supervision_channels,
// supervision_channel_events. Written by the node's supervision service: the rest.

/** An organisation's published encryption public key (the newest one). */
export interface SupervisionKeysTable {
  org: HexText
  /** 33-byte compressed secp256k1 public key. */
  public_key: HexText
  block_number: number
  block_time: number
}

/** A trade's supervision channel as opened on chain; supervisors who joined are appended. */
export interface SupervisionChannelsTable {
  /** uint256 channel id (= trade id), 0x hex without leading zeros. */
  channel_id: HexText
  /** 1 DePlSu, 2 DePlPrSu, 3 DePlSePrSu. */
  kind: number
  /** JSON array of member organisations in role order (demander, platform, [server], [provider]). */
  members: string
  /** JSON array of supervisor organisations. */
  supervisors: string
  opened_block: number
  opened_tx: HexText
  opened_at: number
}

export interface SupervisionChannelEventsTable extends LogColumns {
  /** ChannelOpened | SupervisorJoined | OversightChanged | HeadsCommitted | EncryptionKeyPublished */
  event: string
  channel_id: HexText | null
  org: HexText | null
  args: string
}

/** The channel key wrapped to one member organisation's published key. */
export interface SupervisionChannelKeysTable {
  channel_id: HexText
  org: HexText
  /** demander | platform | server | provider | supervisor */
  role: string
  wrapped_key: HexText
  recipient_key: HexText
  producer_key: HexText
}

/** One supervision record: public fields in clear, private fields encrypted. */
export interface SupervisionRecordsTable {
  record_id: HexText
  channel_id: HexText
  seq: number
  /** access | match | implementation | settlement | service */
  link: string
  /** Canonical JSON. */
  public_fields: string
  private_ciphertext: HexText
  wrapped_record_key: HexText
  source: string
  /** Unix milliseconds. */
  created_at: number
}

/** The channel's Merkle log: leaf hashes in order. */
export interface SupervisionLeavesTable {
  channel_id: HexText
  leaf_index: number
  record_id: HexText
  leaf_hash: HexText
}

/** A channel head (size, root) anchored in a batch, with its inclusion path in the batch tree. */
export interface SupervisionHeadsTable {
  channel_id: HexText
  tree_size: number
  root: HexText
  batch: number
  batch_index: number
  /** JSON array of 0x hashes. */
  batch_path: string
  /**
   * The inclusion proofs of the records first anchored under this head (migration 0004):
   * positions `first_leaf` .. tree_size-1, one slot of `proof_depth` 32-byte hashes each
   * (zero-padded), as bytes. NULL for heads anchored before (their proofs are recomputed from
   * the log).
   */
  first_leaf: number | null
  proof_depth: number | null
  leaf_proofs: Uint8Array | null
}

export interface SupervisionBatchesTable {
  batch: number
  root: HexText
  heads: number
  records: number
  /** pending | committed */
  status: string
  tx_hash: HexText | null
  block_number: number | null
  created_at: number
  committed_at: number | null
}

/** A record that failed its pre-chain checks; never anchored. */
export interface SupervisionRejectionsTable {
  id: HexText
  channel_id: HexText
  link: string
  rule: string
  field: string | null
  reason: string
  source: string
  public_fields: string
  created_at: number
}

export interface SupervisionStateTable {
  name: string
  value: string
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
  supervision_keys: SupervisionKeysTable
  supervision_channels: SupervisionChannelsTable
  supervision_channel_events: SupervisionChannelEventsTable
  supervision_channel_keys: SupervisionChannelKeysTable
  supervision_records: SupervisionRecordsTable
  supervision_leaves: SupervisionLeavesTable
  supervision_heads: SupervisionHeadsTable
  supervision_batches: SupervisionBatchesTable
  supervision_rejections: SupervisionRejectionsTable
  supervision_state: SupervisionStateTable
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
  supervision_keys: ['org'],
  supervision_channels: ['channel_id'],
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
  'supervision_channel_events',
] as const satisfies readonly (keyof Database)[]

/** Tables the node's supervision service writes (never the indexer; src/supervision). */
export const supervisionServiceTables = [
  'supervision_channel_keys',
  'supervision_records',
  'supervision_leaves',
  'supervision_heads',
  'supervision_batches',
  'supervision_rejections',
  'supervision_state',
] as const satisfies readonly (keyof Database)[]

export type MutableTable = keyof typeof mutableTables
export type AppendOnlyTable = (typeof appendOnlyTables)[number]
/** Every table the indexer fills (everything but its own bookkeeping). */
export type IndexedTable = MutableTable | AppendOnlyTable
/** The primary-key columns of a mutable table. */
export type KeyOf<T extends MutableTable> = Pick<Database[T], Extract<(typeof mutableTables)[T][number], keyof Database[T]>>
