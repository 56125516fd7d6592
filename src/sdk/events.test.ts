import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseEther } from 'viem'
import { createWorld, newToken } from '../testing/world.ts'
import { contractEvents, watchContractEvents, type BourseEvent } from './events.ts'

test('contract events of a whole trade, decoded and in chain order, from a range query and a watcher', async () => {
  const w = await createWorld()
  const seen: BourseEvent[] = []
  const unwatch = watchContractEvents(w.client, (events) => seen.push(...events), 20)
  const from = (await w.client.publicClient.getBlockNumber()) + 1n
  const listingId = await w.list()
  const o = await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
  const c = await w.storage.confirmDownload(o.trade)
  await w.buyer.confirm(c.trade, 'Ok')

  const events = await contractEvents(w.client, { fromBlock: from })
  const names = events.filter((e) => e.contract === 'marketplace').map((e) => e.eventName)
  assert.deepEqual(names, ['Listed', 'StandingDepositChanged', 'Deposited', 'TradeOpened', 'Deposited', 'TradeUpdated', 'TradeClosed'])
  const opened = events.find((e) => e.eventName === 'TradeOpened')
  assert.ok(opened && opened.eventName === 'TradeOpened')
  assert.equal(opened.args.tradeId, o.trade.id)
  assert.equal(opened.args.price, parseEther('150'))
  // The credit token's transfers into the marketplace are decoded too.
  assert.ok(events.some((e) => e.contract === 'credit' && e.eventName === 'Transfer'))

  for (let i = 0; i < 50 && !seen.some((e) => e.eventName === 'TradeClosed'); i++) await new Promise((r) => setTimeout(r, 20))
  unwatch()
  assert.ok(seen.some((e) => e.eventName === 'TradeClosed'), 'the watcher saw the trade close')
})
