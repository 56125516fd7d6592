/**
 * The `IMarketplace.Trade` record (src/sdk/trade.ts) <-> its columns in `trades`.
 */
import { tradeStates, type Trade } from '../sdk/trade.ts'
import { decodeAmount, encodeAmount, lowerHex, toAddress, toHex } from './codec.ts'
import type { TradesTable } from './schema.ts'

/** The columns of `trades` that hold the Trade struct's fields. */
export type TradeRecordColumns = Pick<
  TradesTable,
  | 'trade_id'
  | 'listing_id'
  | 'buyer'
  | 'seller'
  | 'storage_provider'
  | 'arbitrator'
  | 'price'
  | 'buyer_deposit'
  | 'seller_deposit'
  | 'category'
  | 'round'
  | 'state'
  | 'state_name'
  | 'seller_deposit_source'
  | 'deadline'
  | 'token_commitment'
>

/** Name of a `TradeState` value ('Ordered', 'Settled', ...). */
export function tradeStateName(state: number): string {
  return tradeStates[state] ?? `State${state}`
}

/**
 * The columns of a trade record.
 *
 * @example
 * await store.insert('trades', { ...tradeColumns(trade), max_price, open: 1, ... })
 */
export function tradeColumns(trade: Trade): TradeRecordColumns {
  return {
    trade_id: trade.id.toString(),
    listing_id: Number(trade.listingId),
    buyer: lowerHex(trade.buyer),
    seller: lowerHex(trade.seller),
    storage_provider: lowerHex(trade.storageProvider),
    arbitrator: lowerHex(trade.arbitrator),
    price: encodeAmount(trade.price),
    buyer_deposit: encodeAmount(trade.buyerDeposit),
    seller_deposit: encodeAmount(trade.sellerDeposit),
    category: trade.category,
    round: trade.round,
    state: trade.state,
    state_name: tradeStateName(trade.state),
    seller_deposit_source: trade.sellerDepositSource,
    deadline: trade.deadline,
    token_commitment: lowerHex(trade.tokenCommitment),
  }
}

/**
 * The trade record of a row, field for field as `BourseClient.trade()` rebuilds it
 * (checksummed addresses, bigint amounts).
 */
export function tradeFromRow(row: TradeRecordColumns): Trade {
  return {
    id: BigInt(row.trade_id),
    listingId: BigInt(row.listing_id),
    buyer: toAddress(row.buyer),
    seller: toAddress(row.seller),
    storageProvider: toAddress(row.storage_provider),
    arbitrator: toAddress(row.arbitrator),
    price: decodeAmount(row.price),
    buyerDeposit: decodeAmount(row.buyer_deposit),
    sellerDeposit: decodeAmount(row.seller_deposit),
    category: row.category,
    round: row.round,
    state: row.state,
    sellerDepositSource: row.seller_deposit_source,
    deadline: row.deadline,
    tokenCommitment: toHex(row.token_commitment),
  }
}
