/**
 * Every waiting state's deadline (SPEC.md section 2.7): a seller that never accepts, no
 * download confirmed, a buyer silent after the download, an arbitrator that never decides.
 * Each action after its deadline is refused, resolveTimeout before it is refused, and the
 * standing deposit is released only once no trade can draw on it any more.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeEventLog, type TransactionReceipt } from 'viem'
import { MarketplaceAbi } from '../../src/contracts/generated.ts'
import type { BourseClient } from '../../src/sdk/BourseClient.ts'
import { resolutions, type ResolutionName, type Trade, TradeState } from '../../src/sdk/trade.ts'
import type { TestWorld as World } from './helpers.ts'
import {
  BD,
  SD,
  STANDING,
  chainTime,
  credits,
  DAY,
  expectLedger,
  expectRevert,
  expectSolvent,
  expectStored,
  fastClient,
  FEE,
  newAccount,
  newToken,
  PAYOUT,
  PRICE,
  deployRepricing,
  setupWorld,
  type Balance,
  type PartyName,
} from './helpers.ts'


function resolutionOf(client: BourseClient, receipt: TransactionReceipt): ResolutionName {
  for (const l of receipt.logs) {
    if (l.address.toLowerCase() !== client.deployment.marketplace.toLowerCase()) continue
    const e = decodeEventLog({ abi: MarketplaceAbi, data: l.data, topics: l.topics, strict: true })
    if (e.eventName === 'TradeClosed') return resolutions[e.args.resolution]!
  }
  throw new Error('no TradeClosed')
}

/** Anyone may resolve a time-out: a key that belongs to no organisation and holds no coin. */
const outsider = (w: World) => w.client.as(newAccount())

/**
 * Moves to just before `trade`'s deadline (resolveTimeout refused), then past it (the
 * waiting party's action refused), then resolves the time-out.
 */
async function expireAndResolve(w: World, trade: Trade, refusedAfter: () => Promise<unknown>) {
  const now = await chainTime(w)
  await w.net.increaseTime(trade.deadline - now - 30)
  await expectRevert(outsider(w).resolveTimeout(trade), 'MarketplaceDeadlineNotReached', { tradeId: trade.id, deadline: BigInt(trade.deadline) })
  await w.net.increaseTime(31)
  assert.ok((await chainTime(w)) > trade.deadline)
  await expectRevert(refusedAfter(), 'MarketplaceDeadlinePassed', { tradeId: trade.id, deadline: BigInt(trade.deadline) })
  const resolved = await outsider(w).resolveTimeout(trade)
  assert.equal(resolved.closed, true)
  await expectStored(w.client, resolved.trade, false)
  await expectRevert(outsider(w).resolveTimeout(trade), 'MarketplaceTradeMismatch', { tradeId: trade.id })
  return resolved
}

interface Case {
  source: 'Standing' | 'Account'
  resolution: ResolutionName
  state: 'Settled' | 'Failed'
  ledger: Partial<Record<PartyName, Balance>>
  run: (w: World, trade: Trade) => Promise<{ trade: Trade; receipt: TransactionReceipt }>
}

const cases: Record<string, Case> = {
  'seller never accepts: AcceptTimeout, buyer refunded in full': {
    source: 'Account',
    resolution: 'AcceptTimeout',
    state: 'Failed',
    ledger: { buyer: [PRICE + BD, 0n], seller: [credits(50), 0n] },
    run: (w, t) => expireAndResolve(w, t, () => w.seller.accept(t)),
  },
  'no download confirmed (standing deposit): DownloadTimeout, full refund': {
    source: 'Standing',
    resolution: 'DownloadTimeout',
    state: 'Failed',
    ledger: { buyer: [PRICE + BD, 0n] },
    // Ordered straight into Accepted: the storage provider lets the download window pass.
    run: (w, t) => expireAndResolve(w, t, () => w.storage.confirmDownload(t)),
  },
  'no download confirmed (locked deposit): DownloadTimeout, full refund, seller deposit back': {
    source: 'Account',
    resolution: 'DownloadTimeout',
    state: 'Failed',
    ledger: { buyer: [PRICE + BD, 0n], seller: [credits(50), 0n] },
    run: async (w, t) => {
      const accepted = (await w.seller.accept(t)).trade
      return expireAndResolve(w, accepted, () => w.storage.confirmDownload(accepted))
    },
  },
  'buyer silent after a confirmed download: ConfirmTimeout settles the trade': {
    source: 'Standing',
    resolution: 'ConfirmTimeout',
    state: 'Settled',
    ledger: { buyer: [BD, 0n], seller: [PAYOUT, 0n], platform: [FEE, 0n] },
    run: async (w, t) => {
      const downloaded = (await w.storage.confirmDownload(t)).trade
      return expireAndResolve(w, downloaded, () => w.buyer.confirm(downloaded, 'NotAsDescribed'))
    },
  },
  'arbitrator silent on a download dispute: ArbitrationTimeout, full refund, seller deposit back': {
    source: 'Account',
    resolution: 'ArbitrationTimeout',
    state: 'Failed',
    ledger: { buyer: [PRICE + BD, 0n], seller: [credits(50), 0n] },
    run: async (w, t) => {
      const accepted = (await w.seller.accept(t)).trade
      const disputed = (await w.buyer.confirm(accepted, 'DownloadFailed')).trade
      return expireAndResolve(w, disputed, () => w.arbitrator.decideDispute(disputed, false))
    },
  },
  'arbitrator silent on a description dispute: ArbitrationTimeout, nothing forfeited': {
    source: 'Standing',
    resolution: 'ArbitrationTimeout',
    state: 'Failed',
    ledger: { buyer: [PRICE + BD, 0n] },
    run: async (w, t) => {
      const downloaded = (await w.storage.confirmDownload(t)).trade
      const disputed = (await w.buyer.confirm(downloaded, 'NotAsDescribed')).trade
      return expireAndResolve(w, disputed, () => w.arbitrator.decideDispute(disputed, true))
    },
  },
}

describe('Marketplace time-outs', () => {
  for (const [name, c] of Object.entries(cases)) {
    test(name, async () => {
      const w = await setupWorld()
      const listingId = await w.list({ requiresAcceptance: c.source === 'Account' })
      if (c.source === 'Account') await w.seller.deposit(credits(50))
      const { trade } = await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })
      const { trade: closed, receipt } = await c.run(w, trade)
      assert.equal(closed.state, TradeState[c.state])
      assert.equal(resolutionOf(w.client, receipt), c.resolution)
      await expectLedger(w, c.ledger, c.resolution)
      assert.equal((await w.client.listing(listingId)).standing, STANDING)
      await expectSolvent(w.client, Object.values(w.parties).map((p) => p.address))
      assert.deepEqual((await w.client.trade(trade.id)).trade, closed)
    })
  }

  test('deadlines are inclusive: an action at the deadline second succeeds, resolveTimeout needs one second more', async () => {
    const w = await setupWorld()
    // Without preflight simulation, transactions are mined at exactly the timestamp we set.
    const raw = fastClient(w, w.deployment, 1_000_000n)
    const listingId = await w.list()
    const a = (await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })).trade
    const b = (await w.buyer2.order({ listingId, maxPrice: PRICE, token: newToken() })).trade

    await w.devnet.testClient.setNextBlockTimestamp({ timestamp: BigInt(a.deadline) })
    const downloaded = await raw.as(w.storage.account).confirmDownload(a)
    assert.equal(await chainTime(w), a.deadline)
    assert.equal(downloaded.trade.state, TradeState.Downloaded)
    assert.equal(downloaded.trade.deadline, a.deadline + w.deployment.windows.confirm)

    await w.devnet.testClient.setNextBlockTimestamp({ timestamp: BigInt(b.deadline) + 1n })
    await assert.rejects(raw.as(w.storage.account).confirmDownload(b))
    await expectStored(w.client, b) // the mined, reverted transaction changed nothing

    const d = downloaded.trade
    await w.devnet.testClient.setNextBlockTimestamp({ timestamp: BigInt(d.deadline) })
    await assert.rejects(raw.as(w.buyer2.account).resolveTimeout(d))
    assert.equal(await chainTime(w), d.deadline)
    await expectStored(w.client, d)
    await w.devnet.testClient.setNextBlockTimestamp({ timestamp: BigInt(d.deadline) + 1n })
    const resolved = await raw.as(w.buyer2.account).resolveTimeout(d)
    assert.equal(resolved.trade.state, TradeState.Settled)
    assert.equal(resolutionOf(w.client, resolved.receipt), 'ConfirmTimeout')
  })

  test('standing deposit: closeListing stops orders; releaseStanding refused until maxTradeLifetime after closing', async () => {
    const w = await setupWorld()
    const lifetime = 12 * DAY
    const listingId = await w.list()
    await expectRevert(w.seller.releaseStanding(listingId), 'MarketplaceListingStillBacking', { listingId, releaseTime: BigInt(lifetime) })

    // A trade ordered just before closing can still forfeit from the standing deposit at
    // the very end of its longest possible life.
    const { trade } = await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })
    await w.seller.closeListing(listingId)
    const closedAt = await chainTime(w)
    const releaseTime = closedAt + lifetime
    assert.equal((await w.client.listing(listingId)).closedAt, closedAt)
    await expectRevert(w.buyer2.order({ listingId, maxPrice: PRICE, token: newToken() }), 'MarketplaceListingClosed', { listingId })
    await expectRevert(w.seller.closeListing(listingId), 'MarketplaceListingClosed', { listingId })
    await expectRevert(w.seller.topUpStanding(listingId, 1n), 'MarketplaceListingClosed', { listingId })

    const nearDeadline = async (t: Trade) => w.net.increaseTime(t.deadline - (await chainTime(w)) - 5)
    await nearDeadline(trade)
    const downloaded = (await w.storage.confirmDownload(trade)).trade
    await nearDeadline(downloaded)
    const disputed = (await w.buyer.confirm(downloaded, 'NotAsDescribed')).trade
    await nearDeadline(disputed)
    await expectRevert(w.seller.releaseStanding(listingId), 'MarketplaceListingStillBacking', { listingId, releaseTime: BigInt(releaseTime) })
    await w.arbitrator.decideDispute(disputed, true)
    assert.ok((await chainTime(w)) <= releaseTime)
    assert.equal((await w.client.listing(listingId)).standing, STANDING - SD)

    await w.net.increaseTime(releaseTime - (await chainTime(w)) - 2)
    await expectRevert(w.seller.releaseStanding(listingId), 'MarketplaceListingStillBacking', { listingId, releaseTime: BigInt(releaseTime) })
    await expectRevert(w.buyer.releaseStanding(listingId), 'MarketplaceNotSeller', { listingId, caller: w.buyer.address })
    await w.net.increaseTime(3)
    await w.seller.releaseStanding(listingId)
    assert.equal((await w.client.listing(listingId)).standing, 0n)
    await expectLedger(
      w,
      { seller: [STANDING - SD, 0n], buyer: [PRICE + BD + credits(10), 0n], arbitrator: [credits(4), 0n], storage: [credits(3), 0n], platform: [credits(3), 0n] },
      'release',
    )
    await w.seller.withdraw(STANDING - SD)
    await expectSolvent(w.client, Object.values(w.parties).map((p) => p.address))
    assert.equal(await w.client.read(w.deployment.marketplace, MarketplaceAbi, 'tradeHash', [trade.id]), `0x${'0'.repeat(64)}`)
  })

  // BUG: Marketplace._settle computes `t.price + t.buyerDeposit` in uint96 (both fields are
  // uint96), while order() accepts any price <= type(uint96).max. When price + buyer deposit
  // exceeds 2^96 - 1, every path that settles (confirm OK, PriceMatch, the arbitrator's
  // "buyer wrong", and resolveTimeout after the confirmation window) panics with an
  // arithmetic overflow: the trade can never settle and the escrow stays locked for good.
  test('a price near the uint96 limit must not lock the escrow forever', async () => {
    const w = await setupWorld()
    const price = 2n ** 96n - 1n
    const r = await deployRepricing(w, price)
    await w.governance.mint(w.buyer.address, price + 1n)
    await r.buyer.approve(price + 1n)
    const { listingId } = await r.seller.list({ ...w.listingDefaults, minPrice: 0n, buyerDeposit: 1n, sellerDeposit: 1n, standingDeposit: 1n })
    const { trade } = await r.buyer.order({ listingId, maxPrice: price, token: newToken() })
    const { trade: downloaded } = await r.storage.confirmDownload(trade)
    await w.net.increaseTime(w.deployment.windows.confirm + 1)
    const resolved = await r.client.as(newAccount()).resolveTimeout(downloaded)
    assert.equal(resolved.trade.state, TradeState.Settled)
  })
})
