/**
 * Everything the records of one trade are made from, read from the indexed tables (never
 * typed in): the trade, its listing, the organisations behind its keys, the seller's record,
 * and what this node's storage provider holds of the asset.
 */
import type { Kysely, Selectable } from 'kysely'
import { getAddress } from 'viem'
import { decodeAmount, decodeOptionalAmount } from '../db/codec.ts'
import type { Database, ListingsTable, TradesTable } from '../db/schema.ts'
import type { TradeFacts } from './checks.ts'

export interface Organisation {
  org: `0x${string}`
  name: string
}

export interface TradeContext {
  channelId: bigint
  trade: Selectable<TradesTable>
  listing: Selectable<ListingsTable>
  buyer: Organisation
  seller: Organisation
  storage: Organisation
  platform: Organisation
  sellerHistory: { trades: number; lostDisputes: number }
  /** Plaintext size of the asset when this node's storage provider holds it. */
  assetSize: number | null
}

/** The node's view of the asset store: the size of a blob it holds, if any. */
export type AssetSizeLookup = (contentHash: `0x${string}`) => Promise<number | null>

export const channelIdText = (id: bigint) => `0x${id.toString(16)}`

/** Loads a trade's context; `undefined` while the indexer has not seen the trade or a party's organisation. */
export async function loadTradeContext(db: Kysely<Database>, tradeId: bigint, platformKey: string, assetSize: AssetSizeLookup): Promise<TradeContext | undefined> {
  const trade = await db.selectFrom('trades').selectAll().where('trade_id', '=', tradeId.toString()).executeTakeFirst()
  if (!trade) return undefined
  const listing = await db.selectFrom('listings').selectAll().where('listing_id', '=', trade.listing_id).executeTakeFirst()
  if (!listing) return undefined
  const keys = [trade.buyer, trade.seller, trade.storage_provider, platformKey.toLowerCase()]
  const rows = await db
    .selectFrom('keys')
    .innerJoin('members', 'members.org', 'keys.org')
    .select(['keys.key', 'keys.org', 'members.name'])
    .where('keys.key', 'in', keys)
    .execute()
  const orgOf = (key: string): Organisation | undefined => {
    const row = rows.find((r) => r.key === key.toLowerCase())
    return row ? { org: getAddress(row.org), name: row.name } : undefined
  }
  const [buyer, seller, storage, platform] = keys.map(orgOf)
  if (!buyer || !seller || !storage || !platform) return undefined
  const history = await db
    .selectFrom('trades')
    .select((eb) => [
      eb.fn.countAll<number>().filterWhere('resolution', 'in', ['Confirmed', 'ConfirmTimeout', 'DescriptionMatch', 'PriceMatch', 'DownloadDisputeBuyerLied']).as('settled'),
      eb.fn.countAll<number>().filterWhere('resolution', '=', 'DescriptionMismatch').as('lost'),
    ])
    .where('seller', '=', trade.seller)
    .where('opened_block', '<', trade.opened_block)
    .executeTakeFirstOrThrow()
  return {
    channelId: tradeId,
    trade,
    listing,
    buyer,
    seller,
    storage,
    platform,
    sellerHistory: { trades: Number(history.settled), lostDisputes: Number(history.lost) },
    assetSize: await assetSize(listing.content_hash as `0x${string}`),
  }
}

/** The facts the pre-chain checks compare records with. */
export function factsOf(ctx: TradeContext): TradeFacts {
  return {
    channelId: ctx.channelId,
    buyer: ctx.trade.buyer,
    seller: ctx.trade.seller,
    storageProvider: ctx.trade.storage_provider,
    price: decodeAmount(ctx.trade.price),
    platformFee: decodeOptionalAmount(ctx.trade.platform_fee),
    sellerPayout: decodeOptionalAmount(ctx.trade.seller_payout),
    contentHash: ctx.listing.content_hash,
    minPrice: decodeAmount(ctx.listing.min_price),
    openedAt: ctx.trade.opened_at,
  }
}

/** Channel kinds of seed 002 (the Supervision contract's ChannelKind). */
export const ChannelKind = { DePlSu: 1, DePlPrSu: 2, DePlSePrSu: 3 } as const
export type ChannelKindName = keyof typeof ChannelKind

export interface ChannelPlan {
  kind: ChannelKindName
  /** Member organisations in role order: demander, platform, [server], [provider]. */
  members: { org: `0x${string}`; role: 'demander' | 'platform' | 'server' | 'provider' }[]
}

/**
 * The channel a trade implies: the platform serving its own data is DePlSu; a third
 * organisation serving the data (the listing's storage provider) makes it DePlSePrSu.
 */
export function channelPlanOf(ctx: Pick<TradeContext, 'buyer' | 'seller' | 'storage' | 'platform'>): ChannelPlan {
  const { buyer, seller, storage, platform } = ctx
  const eq = (a: Organisation, b: Organisation) => a.org.toLowerCase() === b.org.toLowerCase()
  const thirdPartyServer = !eq(storage, seller) && !eq(storage, platform) && !eq(storage, buyer)
  if (eq(seller, platform) && !thirdPartyServer) return { kind: 'DePlSu', members: [{ org: buyer.org, role: 'demander' }, { org: platform.org, role: 'platform' }] }
  if (thirdPartyServer) {
    return {
      kind: 'DePlSePrSu',
      members: [{ org: buyer.org, role: 'demander' }, { org: platform.org, role: 'platform' }, { org: storage.org, role: 'server' }, { org: seller.org, role: 'provider' }],
    }
  }
  return { kind: 'DePlPrSu', members: [{ org: buyer.org, role: 'demander' }, { org: platform.org, role: 'platform' }, { org: seller.org, role: 'provider' }] }
}
