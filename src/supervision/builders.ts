/**
 * The five records of a trade, made from its context (tradeContext.ts) when the trade moves:
 * access and match when it opens, implementation and service when its download is confirmed,
 * settlement when it closes. Pure: the same context gives the same drafts.
 */
import { getAddress } from 'viem'
import { decodeAmount, decodeOptionalAmount } from '../db/codec.ts'
import { isoSeconds, type RecordDraft } from './links.ts'
import type { TradeContext } from './tradeContext.ts'

const sourceOf = (ctx: TradeContext, link: string) => `trade:0x${ctx.channelId.toString(16)}:${link}`

/** A media type for the listing's data type when it names a known format. */
export function mediaTypeOf(dataType: string): string {
  const t = dataType.trim().toLowerCase()
  const known: Record<string, string> = {
    csv: 'text/csv', tsv: 'text/tab-separated-values', json: 'application/json', jsonl: 'application/jsonl', ndjson: 'application/x-ndjson',
    parquet: 'application/vnd.apache.parquet', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', zip: 'application/zip', txt: 'text/plain',
  }
  for (const word of t.split(/[^a-z0-9]+/)) if (known[word]) return known[word]!
  return /^[a-z]+\/[a-z0-9.+-]+$/.test(t) ? t : 'application/octet-stream'
}

export function accessRecord(ctx: TradeContext): RecordDraft<'access'> {
  const l = ctx.listing
  return {
    channelId: ctx.channelId,
    link: 'access',
    source: sourceOf(ctx, 'access'),
    publicFields: {
      dataSource: ctx.seller,
      dataType: l.data_type || 'unspecified',
      format: mediaTypeOf(l.data_type),
      size: ctx.assetSize,
      updateTime: isoSeconds(l.listed_at),
      preprocessing: 'none',
    },
    privateFields: {
      dataQuality: {
        contentVerified: ctx.assetSize !== null,
        sampleAvailable: l.sample_uri.length > 0,
        sellerTrades: ctx.sellerHistory.trades,
        sellerLostDisputes: ctx.sellerHistory.lostDisputes,
      },
      salesPrice: decodeAmount(l.min_price).toString(),
      ownerInformation: { ...ctx.seller, sellerKey: getAddress(ctx.trade.seller) },
    },
  }
}

/** The match record; `windows` are the deployment's trade windows (delivery is due by the download deadline). */
export function matchRecord(ctx: TradeContext, feeBps: number, windows: { accept: number; download: number }): RecordDraft<'match'> {
  const t = ctx.trade
  const price = decodeAmount(t.price)
  return {
    channelId: ctx.channelId,
    link: 'match',
    source: sourceOf(ctx, 'match'),
    publicFields: {
      requirement: `one licence of listing ${t.listing_id} (category ${t.category}, round ${t.round}) at most ${decodeAmount(t.max_price)}`,
      standards: `as described in listing ${t.listing_id}; content SHA-256 ${ctx.listing.content_hash}`,
      quantity: 1,
      deliveryTime: isoSeconds(t.opened_at + (ctx.listing.requires_acceptance ? windows.accept : 0) + windows.download),
      datasetSize: ctx.assetSize,
      description: ctx.listing.description,
    },
    privateFields: {
      purchasePrice: price.toString(),
      salePrice: (price - (price * BigInt(feeBps)) / 10_000n).toString(),
      deliveryMethod: 'download from the storage provider with a single-use token bound to the buyer key',
      storageAddress: getAddress(t.storage_provider),
    },
  }
}

export function implementationRecord(ctx: TradeContext, downloadedAt: number): RecordDraft<'implementation'> {
  return {
    channelId: ctx.channelId,
    link: 'implementation',
    source: sourceOf(ctx, 'implementation'),
    publicFields: {
      purchaseMethod: ctx.listing.requires_acceptance ? 'seller acceptance' : 'standing-deposit acceptance',
      deliveryTime: isoSeconds(downloadedAt),
      datasetName: (ctx.listing.description.split('\n')[0] || `listing ${ctx.listing.listing_id}`).slice(0, 300),
      onlineTime: isoSeconds(ctx.listing.listed_at),
      contentDigest: ctx.listing.content_hash,
    },
    privateFields: {
      deliveryMethod: 'encrypted stream from the storage provider; asset key wrapped to the buyer key (ECIES secp256k1)',
      sellingCompany: ctx.seller,
    },
  }
}

export function serviceRecord(ctx: TradeContext, downloadedAt: number): RecordDraft<'service'> {
  return {
    channelId: ctx.channelId,
    link: 'service',
    source: sourceOf(ctx, 'service'),
    publicFields: {
      serverInformation: { ...ctx.storage, serverKey: getAddress(ctx.trade.storage_provider) },
      serviceRequirement: `deliver asset ${ctx.listing.content_hash} to the buyer of trade 0x${ctx.channelId.toString(16)}`,
      serviceType: 'storage-download',
      completionTime: isoSeconds(downloadedAt),
    },
    privateFields: {
      processingPrice: '0',
      resultDeliveryMethod: 'download confirmed on chain by the storage provider (confirmDownload)',
    },
  }
}

export function settlementRecord(ctx: TradeContext): RecordDraft<'settlement'> {
  const t = ctx.trade
  return {
    channelId: ctx.channelId,
    link: 'settlement',
    source: sourceOf(ctx, 'settlement'),
    publicFields: {
      orderNumber: `0x${ctx.channelId.toString(16)}`,
      paymentMethod: 'AllianceCredit escrow',
      amount: (decodeOptionalAmount(t.seller_payout) ?? 0n).toString(),
      paymentTime: isoSeconds(t.closed_at ?? t.updated_at),
    },
    privateFields: {
      platformFee: (decodeOptionalAmount(t.platform_fee) ?? 0n).toString(),
      tradeTime: isoSeconds(t.opened_at),
      tradePrice: decodeAmount(t.price).toString(),
    },
  }
}
