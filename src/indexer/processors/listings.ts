/**
 * Listing events -> `listings`, `listing_terms`, and the seller's balance for standing deposits.
 *
 * Standing deposit movements (Marketplace.sol): `list` and `topUpStanding` take the amount from
 * the seller's available balance; a lost dispute seizes from it (emits the lower value, the
 * amount goes out through DepositForfeited); `releaseStanding` returns it to available.
 */
import { decodeAmount, encodeAmount, flag, lowerHex } from '../../db/codec.ts'
import { searchTerms } from '../../db/terms.ts'
import { adjustAccount } from './accounts.ts'
import type { Processor } from './types.ts'

/** A new listing with all its terms and search words; the standing deposit leaves the seller's available balance. */
export const listed: Processor<'Marketplace', 'Listed'> = async ({ store }, log) => {
  const { listingId, seller, category, params: p } = log.args
  const sellerKey = await store.get('keys', { key: lowerHex(seller) })
  const id = Number(listingId)
  await store.insert('listings', {
    listing_id: id,
    seller: lowerHex(seller),
    seller_org: sellerKey?.org ?? null,
    category,
    content_hash: lowerHex(p.contentHash),
    storage_provider: lowerHex(p.storageProvider),
    arbitrator: lowerHex(p.arbitrator),
    min_price: encodeAmount(p.minPrice),
    buyer_deposit: encodeAmount(p.buyerDeposit),
    seller_deposit: encodeAmount(p.sellerDeposit),
    standing_deposit: encodeAmount(p.standingDeposit),
    standing: encodeAmount(p.standingDeposit),
    quantity: p.quantity,
    requires_acceptance: flag(p.requiresAcceptance),
    data_type: p.dataType,
    description: p.description,
    sample_uri: p.sampleURI,
    closed: 0,
    closed_at: null,
    release_time: null,
    released: 0,
    trade_count: 0,
    listed_block: log.blockNumber,
    listed_log_index: log.logIndex,
    listed_at: log.blockTime,
    listed_tx: lowerHex(log.txHash),
    updated_block: log.blockNumber,
  })
  for (const term of searchTerms(p.description, p.dataType)) {
    store.append('listing_terms', { term, listing_id: id, block_number: log.blockNumber })
  }
  // `_takeAvailable(seller, standingDeposit)`; a shortfall comes back as Deposited.
  await adjustAccount(store, seller, { available: -p.standingDeposit })
}

/**
 * The standing deposit's new value. Up: a top-up from the seller's available balance (the
 * `list` call's own event changes nothing: Listed already recorded it). Down: a seizure.
 */
export const standingDepositChanged: Processor<'Marketplace', 'StandingDepositChanged'> = async ({ store }, log) => {
  const key = { listing_id: Number(log.args.listingId) }
  const listing = await store.require('listings', key, 'StandingDepositChanged')
  const delta = log.args.standing - decodeAmount(listing.standing)
  if (delta === 0n) return
  await store.update('listings', key, { standing: encodeAmount(log.args.standing), updated_block: log.blockNumber })
  if (delta > 0n) await adjustAccount(store, listing.seller, { available: -delta })
}

/** Closed to new orders; the standing deposit can be released at `releaseTime`. */
export const listingClosed: Processor<'Marketplace', 'ListingClosed'> = async ({ store }, log) => {
  await store.update('listings', { listing_id: Number(log.args.listingId) }, {
    closed: 1,
    closed_at: log.blockTime,
    release_time: Number(log.args.releaseTime),
    updated_block: log.blockNumber,
  })
}

/** The standing deposit went back to the seller's available balance. */
export const standingDepositReleased: Processor<'Marketplace', 'StandingDepositReleased'> = async ({ store }, log) => {
  await store.update('listings', { listing_id: Number(log.args.listingId) }, {
    standing: encodeAmount(0n),
    released: 1,
    updated_block: log.blockNumber,
  })
  await adjustAccount(store, log.args.seller, { available: log.args.amount })
}
