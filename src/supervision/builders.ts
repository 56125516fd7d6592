/**
 * The five records of a trade, made from its context (tradeContext.ts) when the trade moves:
 * access and match when it opens, implementation and service when its download is confirmed,
 * settlement when it closes. Pure: the same context gives the same drafts.
 */
import { getAddress } from 'viem'
import { decodeAmount, decodeOptionalAmount } from '../db/codec.ts'
import { isoSeconds, type RecordDraft } from './links.ts'
import type { Organisation, TradeContext } from './tradeContext.ts'

const sourceOf = (ctx: TradeContext, link: string) => `trade:0x${ctx.channelId.toString(16)}:${link}`

// Every object below lists its keys in code-unit order, the order canonical JSON writes them
// in: sealing a record then serialises its fields with JSON.stringify itself (canonicalJson's
// fast path) rather than by sorting each object's keys (builders.test.ts checks the order).

/** An organisation's fields in canonical order. */
const organisation = (o: Organisation) => ({ name: o.name, org: o.org })

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
      dataSource: organisation(ctx.seller),
      dataType: l.data_type || 'unspecified',
      format: mediaTypeOf(l.data_type),
      preprocessing: 'none',
      size: ctx.assetSize,
      updateTime: isoSeconds(l.listed_at),
    },
    privateFields: {
      dataQuality: {
        contentVerified: ctx.assetSize !== null,
        sampleAvailable: l.sample_uri.length > 0,
        sellerLostDisputes: ctx.sellerHistory.lostDisputes,
        sellerTrades: ctx.sellerHistory.trades,
      },
      ownerInformation: { ...organisation(ctx.seller), sellerKey: getAddress(ctx.trade.seller) },
      salesPrice: decodeAmount(l.min_price).toString(),
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
      datasetSize: ctx.assetSize,
      deliveryTime: isoSeconds(t.opened_at + (ctx.listing.requires_acceptance ? windows.accept : 0) + windows.download),
      description: ctx.listing.description,
      quantity: 1,
      requirement: `one licence of listing ${t.listing_id} (category ${t.category}, round ${t.round}) at most ${decodeAmount(t.max_price)}`,
      standards: `as described in listing ${t.listing_id}; content SHA-256 ${ctx.listing.content_hash}`,
    },
    privateFields: {
      deliveryMethod: 'download from the storage provider with a single-use token bound to the buyer key',
      purchasePrice: price.toString(),
      salePrice: (price - (price * BigInt(feeBps)) / 10_000n).toString(),
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
      contentDigest: ctx.listing.content_hash,
      datasetName: (ctx.listing.description.split('\n')[0] || `listing ${ctx.listing.listing_id}`).slice(0, 300),
      deliveryTime: isoSeconds(downloadedAt),
      onlineTime: isoSeconds(ctx.listing.listed_at),
      purchaseMethod: ctx.listing.requires_acceptance ? 'seller acceptance' : 'standing-deposit acceptance',
    },
    privateFields: {
      deliveryMethod: 'encrypted stream from the storage provider; asset key wrapped to the buyer key (ECIES secp256k1)',
      sellingCompany: organisation(ctx.seller),
    },
  }
}

export function serviceRecord(ctx: TradeContext, downloadedAt: number): RecordDraft<'service'> {
  return {
    channelId: ctx.channelId,
    link: 'service',
    source: sourceOf(ctx, 'service'),
    publicFields: {
      completionTime: isoSeconds(downloadedAt),
      serverInformation: { ...organisation(ctx.storage), serverKey: getAddress(ctx.trade.storage_provider) },
      serviceRequirement: `deliver asset ${ctx.listing.content_hash} to the buyer of trade 0x${ctx.channelId.toString(16)}`,
      serviceType: 'storage-download',
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
      amount: (decodeOptionalAmount(t.seller_payout) ?? 0n).toString(),
      orderNumber: `0x${ctx.channelId.toString(16)}`,
      paymentMethod: 'AllianceCredit escrow',
      paymentTime: isoSeconds(t.closed_at ?? t.updated_at),
    },
    privateFields: {
      platformFee: (decodeOptionalAmount(t.platform_fee) ?? 0n).toString(),
      tradePrice: decodeAmount(t.price).toString(),
      tradeTime: isoSeconds(t.opened_at),
    },
  }
}
