/**
 * The Marketplace on the default price source, DynamicPricing (docs/pricing.md): every order
 * takes the open round's price, the first order after a round's end opens the next round at
 * the price of the last round's quantities, and a "price abnormal" dispute compares the
 * trade's price with `roundPrice` — which must agree with the price DynamicPricing keeps
 * for orders (it caches the current round's price beside the round's demand).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeEventLog, parseEventLogs, type TransactionReceipt } from 'viem'
import { defaultCategories } from '../../src/chain/deploy.ts'
import { DynamicPricingAbi, MarketplaceAbi } from '../../src/contracts/generated.ts'
import { priceFixed } from '../../src/pricing/priceMath.ts'
import type { Actor } from '../../src/sdk/BourseClient.ts'
import { resolutions, type Trade, TradeState } from '../../src/sdk/trade.ts'
import { credits, DAY, expectSolvent, expectStored, newToken, setupWorld, type TestWorld as World } from './helpers.ts'

const category = defaultCategories[0]!
const params = { pBalance: category.pBalance, pVol: category.pVol, k: category.k, logRatioBound: category.logRatioBound }

const pricing = (w: World) => ({
  roundPrice: (round: number): Promise<bigint> => w.client.read(w.deployment.pricing, DynamicPricingAbi, 'roundPrice', [category.id, round]),
  quote: (): Promise<readonly [bigint, number]> => w.client.read(w.deployment.pricing, DynamicPricingAbi, 'quote', [category.id]),
})

function resolutionOf(w: World, receipt: TransactionReceipt): string {
  for (const l of receipt.logs) {
    if (l.address.toLowerCase() !== w.deployment.marketplace.toLowerCase()) continue
    const e = decodeEventLog({ abi: MarketplaceAbi, data: l.data, topics: l.topics, strict: true })
    if (e.eventName === 'TradeClosed') return resolutions[e.args.resolution]!
  }
  throw new Error('no TradeClosed')
}

async function settle(w: World, trade: Trade): Promise<void> {
  const downloaded = await w.storage.confirmDownload(trade)
  const closing = await w.buyer.confirm(downloaded.trade, 'Ok')
  assert.equal(closing.trade.state, TradeState.Settled)
  assert.equal(resolutionOf(w, closing.receipt), 'Confirmed')
  await expectStored(w.client, trade, false)
}

async function priceDisputeMatches(w: World, buyer: Actor, trade: Trade): Promise<void> {
  const closing = await buyer.confirm(trade, 'PriceAbnormal')
  assert.equal(resolutionOf(w, closing.receipt), 'PriceMatch', 'the contract set the price, so it equals roundPrice')
}

describe('Marketplace on DynamicPricing', () => {
  test('orders take the round price; the first order after the end opens the next round; price disputes match roundPrice', async () => {
    // Downloads may wait three days, so trades of round 1 stay open into round 2.
    const w = await setupWorld({ pricing: 'dynamic', windows: { download: 3 * DAY } })
    const p = pricing(w)
    const listingId = await w.list({ quantity: 4 }) // standing supply 4

    // Round 1: priced at p_balance (no earlier round).
    const order = (buyer: Actor) => buyer.order({ listingId, maxPrice: credits(200), token: newToken() })
    const first = await order(w.buyer)
    assert.equal(first.trade.price, params.pBalance)
    assert.equal(first.trade.round, 1)
    assert.equal(await p.roundPrice(1), first.trade.price)
    assert.deepEqual(parseEventLogs({ abi: DynamicPricingAbi, logs: first.receipt.logs }), [], 'no per-order pricing event')
    const second = await order(w.buyer2)
    const third = await order(w.buyer)
    assert.deepEqual([second.trade.price, third.trade.price], [params.pBalance, params.pBalance])
    await settle(w, first.trade)
    await priceDisputeMatches(w, w.buyer2, second.trade)

    // Round 1 ends with demand 3 against supply 4; the next order opens round 2 first.
    await w.devnet.increaseTime(category.roundLength)
    const expected = priceFixed(3n, 4n, params)
    assert.ok(expected < params.pBalance && expected > params.pBalance - params.pVol)
    assert.deepEqual(await p.quote(), [expected, 2])
    const next = await order(w.buyer2)
    const opened = parseEventLogs({ abi: DynamicPricingAbi, logs: next.receipt.logs, eventName: 'RoundOpened' })
    assert.equal(opened.length, 1)
    assert.deepEqual({ ...opened[0]!.args, endsAt: 0n }, { category: category.id, round: 2, price: expected, demand: 3n, supply: 4n, endsAt: 0n })
    assert.equal(next.trade.price, expected)
    assert.equal(next.trade.round, 2)
    assert.equal(await p.roundPrice(2), expected)
    assert.equal(await p.roundPrice(1), params.pBalance, 'past rounds keep their price')

    const last = await order(w.buyer)
    assert.equal(last.trade.price, expected)
    await priceDisputeMatches(w, w.buyer2, next.trade)
    await settle(w, last.trade)
    // A trade of round 1 still open in round 2 is judged against round 1's price.
    await priceDisputeMatches(w, w.buyer, third.trade)
    await expectSolvent(w.client, Object.values(w.parties).map((a) => a.address))
  })
})
