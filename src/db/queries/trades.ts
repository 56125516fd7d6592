/**
 * Trades: one trade with its dispute and forfeitures, its timeline, and trade lists by
 * participant (newest first, keyset-paginated on the opening log's position).
 */
import type { Kysely, Selectable } from 'kysely'
import type { Address, Hex } from 'viem'
import type { Trade } from '../../sdk/trade.ts'
import { decodeAmount, decodeOptionalAmount, toAddress, toHex } from '../codec.ts'
import type { Database, DepositForfeituresTable, DisputesTable, TradesTable } from '../schema.ts'
import { tradeFromRow } from '../tradeRecord.ts'
import { decodeCursor, encodeCursor, pageLimit, toPage, type Page } from './pagination.ts'
import { addressParam, idParam } from './validate.ts'

/** A trade's current record and outcome. */
export interface TradeRecord {
  /** The `IMarketplace.Trade` struct, equal to what `BourseClient.trade()` rebuilds. */
  trade: Trade
  stateName: string
  /** True until TradeClosed. */
  open: boolean
  maxPrice: bigint
  resolution: string | null
  sellerPayout: bigint | null
  platformFee: bigint | null
  buyerRefund: bigint | null
  openedAt: number
  openedBlock: number
  openedTx: Hex
  updatedAt: number
  closedAt: number | null
  closedBlock: number | null
}

export interface DisputeRecord {
  verdict: string
  arbitrator: Address
  openedAt: number
  openedBlock: number
  deadline: number
  decided: boolean
  buyerRight: boolean | null
  decidedAt: number | null
  resolution: string | null
}

export interface ForfeitureRecord {
  from: Address
  amount: bigint
  counterparty: Address
  toCounterparty: bigint
  arbitrator: Address
  toArbitrator: bigint
  storageProvider: Address
  toStorageProvider: bigint
  platform: Address
  toPlatform: bigint
  blockNumber: number
  timestamp: number
  transactionHash: Hex
}

/** A trade with its dispute and forfeited deposits. */
export interface TradeDetails extends TradeRecord {
  dispute: DisputeRecord | null
  forfeitures: ForfeitureRecord[]
}

/** One step of a trade's history. */
export interface TradeTimelineEntry {
  blockNumber: number
  logIndex: number
  timestamp: number
  transactionHash: Hex
  /** TradeOpened | TradeUpdated | DisputeOpened | DisputeDecided | DepositForfeited | TradeClosed */
  event: string
  /** The trade's state after this event. */
  state: number
  stateName: string
  /** The event's arguments; integers as decimal strings. */
  args: Record<string, unknown>
}

/** The API shape of a `trades` row. */
export function tradeRecordFromRow(r: Selectable<TradesTable>): TradeRecord {
  return {
    trade: tradeFromRow(r),
    stateName: r.state_name,
    open: r.open === 1,
    maxPrice: decodeAmount(r.max_price),
    resolution: r.resolution,
    sellerPayout: decodeOptionalAmount(r.seller_payout),
    platformFee: decodeOptionalAmount(r.platform_fee),
    buyerRefund: decodeOptionalAmount(r.buyer_refund),
    openedAt: r.opened_at,
    openedBlock: r.opened_block,
    openedTx: toHex(r.opened_tx),
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    closedBlock: r.closed_block,
  }
}

/** The API shape of a `disputes` row. */
export function disputeFromRow(r: Selectable<DisputesTable>): DisputeRecord {
  return {
    verdict: r.verdict,
    arbitrator: toAddress(r.arbitrator),
    openedAt: r.opened_at,
    openedBlock: r.opened_block,
    deadline: r.deadline,
    decided: r.decided === 1,
    buyerRight: r.buyer_right === null ? null : r.buyer_right === 1,
    decidedAt: r.decided_at,
    resolution: r.resolution,
  }
}

function forfeitureFromRow(r: Selectable<DepositForfeituresTable>): ForfeitureRecord {
  return {
    from: toAddress(r.from_account),
    amount: decodeAmount(r.amount),
    counterparty: toAddress(r.counterparty),
    toCounterparty: decodeAmount(r.to_counterparty),
    arbitrator: toAddress(r.arbitrator),
    toArbitrator: decodeAmount(r.to_arbitrator),
    storageProvider: toAddress(r.storage_provider),
    toStorageProvider: decodeAmount(r.to_storage_provider),
    platform: toAddress(r.platform),
    toPlatform: decodeAmount(r.to_platform),
    blockNumber: r.block_number,
    timestamp: r.block_time,
    transactionHash: toHex(r.tx_hash),
  }
}

/**
 * A trade with its dispute and forfeitures, or undefined.
 *
 * @example
 * const details = await getTrade(db, tradeId)
 * details?.trade.state // 6 (Settled)
 */
export async function getTrade(db: Kysely<Database>, tradeId: bigint): Promise<TradeDetails | undefined> {
  const id = idParam('tradeId', tradeId).toString()
  const row = await db.selectFrom('trades').selectAll().where('trade_id', '=', id).executeTakeFirst()
  if (!row) return undefined
  const [dispute, forfeitures] = await Promise.all([
    db.selectFrom('disputes').selectAll().where('trade_id', '=', id).executeTakeFirst(),
    db.selectFrom('deposit_forfeitures').selectAll().where('trade_id', '=', id).orderBy('block_number').orderBy('log_index').execute(),
  ])
  return { ...tradeRecordFromRow(row), dispute: dispute ? disputeFromRow(dispute) : null, forfeitures: forfeitures.map(forfeitureFromRow) }
}

/**
 * Every event of a trade in chain order (empty for an unknown trade).
 *
 * @example
 * (await getTradeTimeline(db, tradeId)).map((e) => e.event) // ['TradeOpened', 'TradeUpdated', 'TradeClosed']
 */
export async function getTradeTimeline(db: Kysely<Database>, tradeId: bigint): Promise<TradeTimelineEntry[]> {
  const rows = await db
    .selectFrom('trade_events')
    .selectAll()
    .where('trade_id', '=', idParam('tradeId', tradeId).toString())
    .orderBy('block_number')
    .orderBy('log_index')
    .execute()
  return rows.map((r) => ({
    blockNumber: r.block_number,
    logIndex: r.log_index,
    timestamp: r.block_time,
    transactionHash: toHex(r.tx_hash),
    event: r.event,
    state: r.state,
    stateName: r.state_name,
    args: JSON.parse(r.args) as Record<string, unknown>,
  }))
}

export const tradeRoles = ['buyer', 'seller', 'storage_provider', 'arbitrator'] as const
export type TradeRole = (typeof tradeRoles)[number]

export interface ListTradesParameters {
  /** Trades in which any of these keys takes part (in any role, or in `role`). */
  participants?: string[] | undefined
  role?: TradeRole | undefined
  listingId?: bigint | undefined
  /** Only open (true) or closed (false) trades. */
  open?: boolean | undefined
  limit?: number | undefined
  cursor?: string | undefined
}

/**
 * Trades, newest first.
 *
 * @example
 * const page = await listTrades(db, { participants: [buyerKey], role: 'buyer', limit: 50 })
 * @throws {QueryParameterError}
 */
export async function listTrades(db: Kysely<Database>, p: ListTradesParameters = {}): Promise<Page<TradeRecord>> {
  const limit = pageLimit(p.limit)
  const kind = 'trades'
  let q = db.selectFrom('trades').selectAll()
  if (p.participants !== undefined) {
    const keys = p.participants.map((k, i) => addressParam(`participants[${i}]`, k))
    if (keys.length === 0) return { items: [], nextCursor: null }
    const roles = p.role ? [p.role] : tradeRoles
    q = q.where((eb) => eb.or(roles.map((role) => eb(role, 'in', keys))))
  }
  if (p.listingId !== undefined) {
    const id = idParam('listingId', p.listingId)
    if (id > BigInt(Number.MAX_SAFE_INTEGER)) return { items: [], nextCursor: null }
    q = q.where('listing_id', '=', Number(id))
  }
  if (p.open !== undefined) q = q.where('open', '=', p.open ? 1 : 0)
  if (p.cursor !== undefined) {
    const [block, index] = decodeCursor(p.cursor, kind, ['int', 'int']) as [number, number]
    q = q.where((eb) => eb(eb.refTuple('opened_block', 'opened_log_index'), '<', eb.tuple(block, index)))
  }
  const rows = await q.orderBy('opened_block', 'desc').orderBy('opened_log_index', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, tradeRecordFromRow, (r) => encodeCursor(kind, [r.opened_block, r.opened_log_index]))
}

export interface ListDisputesParameters {
  arbitrator?: string | undefined
  /** Only decided (true) or pending (false) disputes. */
  decided?: boolean | undefined
  limit?: number | undefined
  cursor?: string | undefined
}

/**
 * Disputes, newest first, with their trade ids.
 *
 * @example
 * const pending = await listDisputes(db, { arbitrator: arbitratorKey, decided: false })
 */
export async function listDisputes(db: Kysely<Database>, p: ListDisputesParameters = {}): Promise<Page<DisputeRecord & { tradeId: bigint }>> {
  const limit = pageLimit(p.limit)
  const kind = 'disputes'
  let q = db.selectFrom('disputes').selectAll()
  if (p.arbitrator !== undefined) q = q.where('arbitrator', '=', addressParam('arbitrator', p.arbitrator))
  if (p.decided !== undefined) q = q.where('decided', '=', p.decided ? 1 : 0)
  if (p.cursor !== undefined) {
    const [block, id] = decodeCursor(p.cursor, kind, ['int', /^\d{1,78}$/]) as [number, string]
    q = q.where((eb) => eb(eb.refTuple('opened_block', 'trade_id'), '<', eb.tuple(block, id)))
  }
  const rows = await q.orderBy('opened_block', 'desc').orderBy('trade_id', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, (r) => ({ tradeId: BigInt(r.trade_id), ...disputeFromRow(r) }), (r) => encodeCursor(kind, [r.opened_block, r.trade_id]))
}
