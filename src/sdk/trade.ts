/**
 * The trade record as the Marketplace stores it (one hash on chain, the fields in events),
 * with the names of its enums and the function that rebuilds it from logs.
 */
import { encodeAbiParameters, keccak256, type Address, type Hex } from 'viem'
import { MarketplaceAbi } from '../contracts/generated.ts'

export const tradeStates = ['None', 'Ordered', 'Accepted', 'Downloaded', 'DisputedDownload', 'DisputedDescription', 'Settled', 'Failed'] as const
export type TradeStateName = (typeof tradeStates)[number]

/** The `IMarketplace.TradeState` value of each state name, e.g. `TradeState.Settled === 6`. */
export const TradeState = Object.fromEntries(tradeStates.map((s, i) => [s, i])) as Readonly<Record<TradeStateName, number>>

export const verdicts = ['Ok', 'DownloadFailed', 'NotAsDescribed', 'PriceAbnormal'] as const
export type VerdictName = (typeof verdicts)[number]

export const resolutions = [
  'Confirmed',
  'ConfirmTimeout',
  'DownloadDisputeBuyerLied',
  'DownloadDisputeUpheld',
  'DescriptionMismatch',
  'DescriptionMatch',
  'PriceMatch',
  'PriceMismatch',
  'AcceptTimeout',
  'DownloadTimeout',
  'ArbitrationTimeout',
] as const
export type ResolutionName = (typeof resolutions)[number]

export const depositSources = ['None', 'Standing', 'Account'] as const

/** The Solidity `IMarketplace.Trade` struct, field for field. */
export interface Trade {
  id: bigint
  listingId: bigint
  buyer: Address
  seller: Address
  storageProvider: Address
  arbitrator: Address
  price: bigint
  buyerDeposit: bigint
  sellerDeposit: bigint
  category: number
  round: number
  state: number
  sellerDepositSource: number
  deadline: number
  tokenCommitment: Hex
}

/** The static terms of a listing that every trade of it copies. */
export interface ListingTerms {
  seller: Address
  storageProvider: Address
  arbitrator: Address
  buyerDeposit: bigint
  sellerDeposit: bigint
  category: number
}

const tradeComponents = (() => {
  const fn = MarketplaceAbi.find((x) => x.type === 'function' && x.name === 'hashTrade')
  if (!fn || fn.type !== 'function') throw new Error('hashTrade missing from the Marketplace ABI')
  return fn.inputs
})()

/** keccak256(abi.encode(trade)), exactly as `Marketplace.hashTrade` computes it. */
export function hashTrade(trade: Trade): Hex {
  return keccak256(encodeAbiParameters(tradeComponents, [trade] as never))
}

/** The trade record right after `TradeOpened`. */
export function openedTrade(
  terms: ListingTerms,
  opened: { tradeId: bigint; listingId: bigint; buyer: Address; price: bigint; round: number; state: number; deadline: number; tokenCommitment: Hex },
): Trade {
  return {
    id: opened.tradeId,
    listingId: opened.listingId,
    buyer: opened.buyer,
    seller: terms.seller,
    storageProvider: terms.storageProvider,
    arbitrator: terms.arbitrator,
    price: opened.price,
    buyerDeposit: terms.buyerDeposit,
    sellerDeposit: terms.sellerDeposit,
    category: terms.category,
    round: opened.round,
    state: opened.state,
    sellerDepositSource: opened.state === 2 ? 1 : 0, // accepted at once => standing deposit
    deadline: opened.deadline,
    tokenCommitment: opened.tokenCommitment,
  }
}

/** The record after a `TradeUpdated`. */
export function updatedTrade(trade: Trade, update: { state: number; sellerDepositSource: number; deadline: number }): Trade {
  return { ...trade, state: update.state, sellerDepositSource: update.sellerDepositSource, deadline: update.deadline }
}

/** True for Settled and Failed. */
export function isFinal(state: number): boolean {
  return state === 6 || state === 7
}
