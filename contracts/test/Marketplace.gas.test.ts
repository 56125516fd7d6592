/**
 * Gas budget of the steady-state trade lifecycle on the default DynamicPricing: order,
 * storage confirmation, buyer's OK + settlement must stay below seed 001's 167,036 gas
 * (bench/gas.ts prints the full table).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { credits, newToken, setupWorld } from './helpers.ts'

const SEED_LIFECYCLE = 167_036n

test('steady-state lifecycle (order, confirmDownload, confirm OK + settle) costs less than seed 001', async () => {
  const w = await setupWorld({ pricing: 'dynamic' })
  for (const a of [w.buyer, w.seller]) await a.deposit(credits(2000))
  const listingId = await w.list()
  const lifecycle = async () => {
    const o = await w.buyer.order({ listingId, maxPrice: credits(200), token: newToken() })
    const c = await w.storage.confirmDownload(o.trade)
    const s = await w.buyer.confirm(c.trade, 'Ok')
    return o.gasUsed + c.gasUsed + s.gasUsed
  }
  await lifecycle() // the first trade turns the parties' zero balance slots non-zero
  const gas = await lifecycle()
  assert.ok(gas < SEED_LIFECYCLE, `lifecycle ${gas} gas >= ${SEED_LIFECYCLE}`)
})
