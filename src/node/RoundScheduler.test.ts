import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseEther } from 'viem'
import { defaultCategories } from '../chain/deploy.ts'
import { priceFixed } from '../pricing/priceMath.ts'
import { quote, roundStates } from '../sdk/pricing.ts'
import { createWorld, newToken } from '../testing/world.ts'
import { RoundScheduler } from './RoundScheduler.ts'

test('the platform opens due rounds; the new price is the off-chain function of the last round\'s demand and supply', async () => {
  const w = await createWorld()
  const listingId = await w.list({ quantity: 40 })
  for (let i = 0; i < 3; i++) await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
  const scheduler = new RoundScheduler({ client: w.client, platformKey: w.platform.account })
  assert.deepEqual(await scheduler.tick(), [], 'nothing is due before the round ends')

  const [before] = await roundStates(w.client)
  assert.equal(before!.round, 1)
  assert.equal(before!.demand, 3n)
  assert.equal(before!.supply, 40n)
  const expected = priceFixed(3n, 40n, defaultCategories[0]!)
  await w.net.increaseTime(24 * 3600)
  assert.deepEqual(await quote(w.client, 1), { price: expected, round: 2 }, 'the quote already shows the due round')

  assert.deepEqual(await scheduler.tick(), [1, 2, 3, 4])
  const [after] = await roundStates(w.client)
  assert.equal(after!.round, 2)
  assert.equal(after!.price, expected)
  assert.ok(expected < parseEther('150'), 'demand far below supply lowers the price')
  // Every next trade is priced at the new round's price.
  const o = await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
  assert.equal(o.trade.price, expected)
  assert.equal(o.trade.round, 2)

  // Anyone but the platform is refused by the contract.
  await w.net.increaseTime(24 * 3600)
  const outsider = new RoundScheduler({ client: w.client, platformKey: w.buyer.account })
  assert.deepEqual(await outsider.tick(), [])
})
