/**
 * Pricing processors on a fixed-price deployment (the dynamic one is covered by
 * ../Indexer.test.ts): standing supply from PricingSupplyUpdated, the single round from orders.
 */
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { parseEther } from 'viem'
import { listPricingCategories, listPricingRounds } from '../../db/queries/pricing.ts'
import { describeEachDatabase } from '../../db/testing/testDatabases.ts'
import { defaultUnitPrice } from '../../chain/deploy.ts'
import { createWorld, newToken, type World } from '../../testing/world.ts'
import { Indexer } from '../Indexer.ts'
import { assertBalancesMatchChain } from '../testing/scenario.ts'

let w: World

before(async () => {
  w = await createWorld({ pricing: 'fixed' })
  const kept = await w.list({ quantity: 40 })
  const closed = await w.list({ quantity: 25 })
  for (const who of [w.buyer, w.buyer2]) await who.order({ listingId: kept, maxPrice: parseEther('200'), token: newToken() })
  await w.seller.closeListing(closed)
})

describeEachDatabase('pricing processors, fixed price', ({ open }) => {
  test('supply follows listings; round 1 holds the fixed price and the orders', async () => {
    const { db } = await open()
    await new Indexer({ db, publicClient: w.client.publicClient, deployment: w.deployment }).runOnce()
    assert.deepEqual(await listPricingCategories(db), [{ category: 1, config: null, currentRound: null, endsAt: null, supply: 40n, demand: 0n }])
    const { items } = await listPricingRounds(db, { category: 1 })
    assert.deepEqual(
      items.map((r) => [r.round, r.price, r.demand, r.tradeCount, r.source]),
      [[1, defaultUnitPrice, 2n, 2, 'TradeOpened']],
    )
    const events = await db.selectFrom('pricing_events').select(['event', 'total']).orderBy('block_number').execute()
    assert.deepEqual(events.map((e) => [e.event, BigInt(e.total)]), [['PricingSupplyUpdated', 40n], ['PricingSupplyUpdated', 65n], ['PricingSupplyUpdated', 40n]])
    await assertBalancesMatchChain(db, w)
  })
})
