/**
 * Trade events -> `trades` (the current record, rebuilt with the SDK's `openedTrade` and
 * `updatedTrade` exactly as `BourseClient.trade()` does), `trade_events` (the timeline),
 * `disputes`, `deposit_forfeitures`, and the balance movements of each step.
 */
import type { Address } from 'viem'
import { argsJson, decodeAmount, encodeAmount, lowerHex } from '../../db/codec.ts'
import type { TradesTable } from '../../db/schema.ts'
import { tradeColumns, tradeFromRow, tradeStateName } from '../../db/tradeRecord.ts'
import { depositSources, openedTrade, resolutions, tradeStates, updatedTrade, verdicts } from '../../sdk/trade.ts'
import type { ChangeWriter } from '../ChangeWriter.ts'
import type { IndexedLog } from '../contracts.ts'
import { adjustAccount } from './accounts.ts'
import { logColumns } from './logColumns.ts'
import type { Processor } from './types.ts'

const ACCOUNT = depositSources.indexOf('Account')
const SETTLED = tradeStates.indexOf('Settled')

type TradeLog = IndexedLog<'Marketplace', 'TradeOpened' | 'TradeUpdated' | 'DisputeOpened' | 'DisputeDecided' | 'DepositForfeited' | 'TradeClosed'>

/** Appends the timeline entry of `log` with the trade's state after it. */
function timeline(store: ChangeWriter, log: TradeLog, state: number): void {
  store.append('trade_events', {
    ...logColumns(log),
    trade_id: log.args.tradeId.toString(),
    event: log.eventName,
    state,
    state_name: tradeStateName(state),
    args: argsJson(log.args),
  })
}

function tradeKey(tradeId: bigint) {
  return { trade_id: tradeId.toString() }
}

/** An order: the trade record (listing terms + event), its first timeline entry, the buyer's escrow. */
export const tradeOpened: Processor<'Marketplace', 'TradeOpened'> = async ({ store }, log) => {
  const { tradeId, listingId, buyer, price, round, maxPrice } = log.args
  const listingKey = { listing_id: Number(listingId) }
  const listing = await store.require('listings', listingKey, 'TradeOpened')
  const trade = openedTrade(
    {
      seller: listing.seller as Address,
      storageProvider: listing.storage_provider as Address,
      arbitrator: listing.arbitrator as Address,
      buyerDeposit: decodeAmount(listing.buyer_deposit),
      sellerDeposit: decodeAmount(listing.seller_deposit),
      category: listing.category,
    },
    { ...log.args, tradeId },
  )
  await store.insert('trades', {
    ...tradeColumns(trade),
    max_price: encodeAmount(maxPrice),
    open: 1,
    resolution: null,
    seller_payout: null,
    platform_fee: null,
    buyer_refund: null,
    opened_block: log.blockNumber,
    opened_log_index: log.logIndex,
    opened_at: log.blockTime,
    opened_tx: lowerHex(log.txHash),
    updated_block: log.blockNumber,
    updated_at: log.blockTime,
    closed_block: null,
    closed_at: null,
  })
  timeline(store, log, trade.state)
  await store.update('listings', listingKey, { trade_count: listing.trade_count + 1, updated_block: log.blockNumber })
  // `_escrow(buyer, price + buyerDeposit)`; a shortfall comes back as Deposited.
  const escrow = price + trade.buyerDeposit
  await adjustAccount(store, buyer, { available: -escrow, locked: escrow, orders: 1 })
  await countRoundTrade(store, trade.category, round, price, log)
}

/**
 * Counts the order (one unit of demand) in its pricing round — and in its category's current
 * round under dynamic pricing; a fixed-price deployment's first order creates the round.
 */
async function countRoundTrade(store: ChangeWriter, category: number, round: number, price: bigint, log: IndexedLog<'Marketplace', 'TradeOpened'>): Promise<void> {
  await store.upsert(
    'pricing_rounds',
    {
      category,
      round,
      price: encodeAmount(price),
      prev_demand: null,
      prev_supply: null,
      started_at: log.blockTime,
      ends_at: null,
      demand: encodeAmount(1n),
      trade_count: 1,
      source: 'TradeOpened',
      opened_block: log.blockNumber,
    },
    (r) => ({ trade_count: r.trade_count + 1, demand: encodeAmount(decodeAmount(r.demand) + 1n) }),
  )
  const current = await store.get('pricing_categories', { category })
  if (current && current.current_round === round) {
    await store.update('pricing_categories', { category }, { demand: encodeAmount(decodeAmount(current.demand) + 1n), updated_block: log.blockNumber })
  }
}

/** The trade moved to another waiting state (accepted, downloaded, disputed). */
export const tradeUpdated: Processor<'Marketplace', 'TradeUpdated'> = async ({ store }, log) => {
  const key = tradeKey(log.args.tradeId)
  const before = tradeFromRow(await store.require('trades', key, 'TradeUpdated'))
  const after = updatedTrade(before, log.args)
  // `accept`: the seller's trade deposit is escrowed from its balance.
  if (before.sellerDepositSource !== ACCOUNT && after.sellerDepositSource === ACCOUNT) {
    await adjustAccount(store, after.seller, { available: -after.sellerDeposit, locked: after.sellerDeposit })
  }
  const { state, state_name, seller_deposit_source, deadline } = tradeColumns(after)
  await store.update('trades', key, { state, state_name, seller_deposit_source, deadline, updated_block: log.blockNumber, updated_at: log.blockTime })
  timeline(store, log, after.state)
}

/** The buyer disputed the delivery; the arbitrator's deadline starts. */
export const disputeOpened: Processor<'Marketplace', 'DisputeOpened'> = async ({ store }, log) => {
  const trade = await store.require('trades', tradeKey(log.args.tradeId), 'DisputeOpened')
  await store.insert('disputes', {
    trade_id: trade.trade_id,
    verdict: verdicts[log.args.verdict] ?? `Verdict${log.args.verdict}`,
    arbitrator: trade.arbitrator,
    opened_block: log.blockNumber,
    opened_at: log.blockTime,
    deadline: log.args.deadline,
    decided: 0,
    buyer_right: null,
    decided_block: null,
    decided_at: null,
    resolution: null,
  })
  timeline(store, log, trade.state)
}

/** The arbitrator decided; the TradeClosed that follows carries the outcome. */
export const disputeDecided: Processor<'Marketplace', 'DisputeDecided'> = async ({ store }, log) => {
  const key = tradeKey(log.args.tradeId)
  const trade = await store.require('trades', key, 'DisputeDecided')
  await store.update('disputes', key, { decided: 1, buyer_right: log.args.buyerRight ? 1 : 0, decided_block: log.blockNumber, decided_at: log.blockTime })
  timeline(store, log, trade.state)
}

/** A forfeited deposit shared among the other participants (`_distributeForfeit`). */
export const depositForfeited: Processor<'Marketplace', 'DepositForfeited'> = async (ctx, log) => {
  const { store, treasury } = ctx
  const { tradeId, from, amount, toCounterparty, toArbitrator, toStorageProvider, toPlatform } = log.args
  const trade = await store.require('trades', tradeKey(tradeId), 'DepositForfeited')
  const counterparty = lowerHex(from) === trade.buyer ? trade.seller : trade.buyer
  store.append('deposit_forfeitures', {
    ...logColumns(log),
    trade_id: trade.trade_id,
    from_account: lowerHex(from),
    amount: encodeAmount(amount),
    counterparty,
    to_counterparty: encodeAmount(toCounterparty),
    arbitrator: trade.arbitrator,
    to_arbitrator: encodeAmount(toArbitrator),
    storage_provider: trade.storage_provider,
    to_storage_provider: encodeAmount(toStorageProvider),
    platform: treasury,
    to_platform: encodeAmount(toPlatform),
  })
  for (const [account, share] of [
    [counterparty, toCounterparty],
    [trade.arbitrator, toArbitrator],
    [trade.storage_provider, toStorageProvider],
    [treasury, toPlatform],
  ] as const) {
    if (share > 0n) await adjustAccount(store, account, { available: share })
  }
  timeline(store, log, trade.state)
}

/** The trade ended: `_settle` or `_fail`, balance for balance. */
export const tradeClosed: Processor<'Marketplace', 'TradeClosed'> = async (ctx, log) => {
  const { store, treasury } = ctx
  const { tradeId, state, resolution, sellerPayout, platformFee, buyerRefund } = log.args
  const key = tradeKey(tradeId)
  const row = await store.require('trades', key, 'TradeClosed')
  const t = tradeFromRow(row)
  const resolutionName = resolutions[resolution] ?? `Resolution${resolution}`
  const sellerLocked = t.sellerDepositSource === ACCOUNT

  if (state === SETTLED) {
    await adjustAccount(store, t.buyer, { locked: -(t.price + t.buyerDeposit), available: buyerRefund })
    await adjustAccount(store, t.seller, sellerLocked ? { locked: -t.sellerDeposit, available: sellerPayout + t.sellerDeposit } : { available: sellerPayout })
    await adjustAccount(store, treasury, { available: platformFee })
  } else {
    await adjustAccount(store, t.buyer, { locked: -buyerRefund, available: buyerRefund })
    if (sellerLocked) {
      // Seized (DescriptionMismatch; shared out by DepositForfeited) or returned.
      const seized = resolutionName === 'DescriptionMismatch'
      await adjustAccount(store, t.seller, { locked: -t.sellerDeposit, available: seized ? 0n : t.sellerDeposit })
    }
    // A seizure from the standing deposit was recorded by StandingDepositChanged.
  }

  const patch: Partial<TradesTable> = {
    state,
    state_name: tradeStateName(state),
    open: 0,
    resolution: resolutionName,
    seller_payout: encodeAmount(sellerPayout),
    platform_fee: encodeAmount(platformFee),
    buyer_refund: encodeAmount(buyerRefund),
    updated_block: log.blockNumber,
    updated_at: log.blockTime,
    closed_block: log.blockNumber,
    closed_at: log.blockTime,
  }
  await store.update('trades', key, patch)
  if (await store.get('disputes', key)) await store.update('disputes', key, { resolution: resolutionName })
  timeline(store, log, state)
}
