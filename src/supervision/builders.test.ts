import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeAmount } from '../db/codec.ts'
import { inCanonicalOrder } from '../identity/canonicalJson.ts'
import { accessRecord, implementationRecord, matchRecord, serviceRecord, settlementRecord } from './builders.ts'
import { checkRecord } from './checks.ts'
import type { Link } from './links.ts'
import { factsOf, type TradeContext } from './tradeContext.ts'

const org = (n: number, name: string) => ({ org: `0x${String(n).repeat(40)}` as `0x${string}`, name })

/** A closed trade's context, as loadTradeContext reads it from the indexed chain (the fields the builders use). */
const ctx = {
  channelId: 0x2an,
  trade: {
    buyer: org(1, '').org, seller: org(2, '').org, storage_provider: org(3, '').org, listing_id: '7', category: 2, round: 1,
    price: encodeAmount(1_000n), max_price: encodeAmount(1_200n), platform_fee: encodeAmount(25n), seller_payout: encodeAmount(975n),
    opened_at: 1_790_000_000, closed_at: 1_790_000_600, updated_at: 1_790_000_600,
  },
  listing: { listing_id: '7', data_type: 'csv', min_price: encodeAmount(900n), sample_uri: 'https://example.org/sample', listed_at: 1_789_000_000, content_hash: `0x${'ab'.repeat(32)}`, requires_acceptance: false, description: 'orders 2026\nby region' },
  buyer: org(1, 'Buyer Co'), seller: org(2, 'Seller Co'), storage: org(3, 'Storage Co'), platform: org(4, 'Platform'),
  sellerHistory: { trades: 3, lostDisputes: 0 },
  assetSize: 1_234,
} as unknown as TradeContext

test('the five records the node makes list their fields in canonical order (sealing serialises them natively) and pass the checks', () => {
  const drafts = [accessRecord(ctx), matchRecord(ctx, 250, { accept: 3_600, download: 86_400 }), implementationRecord(ctx, 1_790_000_300), serviceRecord(ctx, 1_790_000_300), settlementRecord(ctx)]
  const links = new Set<Link>()
  for (const draft of drafts) {
    assert.equal(inCanonicalOrder(draft.publicFields), true, `${draft.link}: public fields out of canonical order`)
    assert.equal(inCanonicalOrder(draft.privateFields), true, `${draft.link}: private fields out of canonical order`)
    assert.deepEqual(checkRecord(draft, factsOf(ctx), links), { ok: true }, draft.link)
    links.add(draft.link)
  }
})
