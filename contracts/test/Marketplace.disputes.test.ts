/**
 * Every dispute of SPEC.md section 2.6 with both outcomes, for both places the seller's
 * deposit can be held (the listing's standing deposit, or locked from the seller's balance
 * at acceptance), with the exact balance of every party afterwards.
 *
 * Default terms: price 150, buyer deposit 10, seller deposit 20, fee 2.5% (3.75).
 * Forfeits are shared 50% counterparty / 20% arbitrator / 15% storage / 15% platform (the
 * arbitrator's 20% goes to the counterparty when the contract decided alone).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeEventLog, type TransactionReceipt } from 'viem'
import { MarketplaceAbi } from '../../src/contracts/generated.ts'
import type { Actor, BourseClient } from '../../src/sdk/BourseClient.ts'
import { resolutions, type ResolutionName, type Trade, type VerdictName, TradeState } from '../../src/sdk/trade.ts'
import type { TestWorld as World } from './helpers.ts'
import {
  BD,
  SD,
  STANDING,
  chainTime,
  credits,
  deployRepricing,
  expectLedger,
  expectRevert,
  expectSolvent,
  expectStored,
  FEE,
  newToken,
  PAYOUT,
  PRICE,
  setupWorld,
  type Balance,
  type PartyName,
} from './helpers.ts'

type Source = 'Standing' | 'Account'

interface Market {
  client: BourseClient
  seller: Actor
  buyer: Actor
  storage: Actor
  arbitrator: Actor
}

function events(client: BourseClient, receipt: TransactionReceipt) {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === client.deployment.marketplace.toLowerCase())
    .map((l) => decodeEventLog({ abi: MarketplaceAbi, data: l.data, topics: l.topics, strict: true }))
}

/** Lists, orders (and accepts from a 50-credit balance when `source` is Account), confirms the download. */
async function openTrade(w: World, m: Market, source: Source, download = true): Promise<Trade> {
  const { listingId } = await m.seller.list({ ...w.listingDefaults, requiresAcceptance: source === 'Account' })
  let { trade } = await m.buyer.order({ listingId, maxPrice: credits(200), token: newToken() })
  if (source === 'Account') {
    await m.seller.deposit(credits(50))
    trade = (await m.seller.accept(trade)).trade
    assert.equal(trade.sellerDepositSource, 2)
  } else {
    assert.equal(trade.sellerDepositSource, 1)
  }
  if (download) trade = (await m.storage.confirmDownload(trade)).trade
  return trade
}

/** The seller's balance before the trade closes: 30 available + 20 locked, or nothing. */
const sellerOpen = (source: Source): Balance => (source === 'Account' ? [credits(30), SD] : [0n, 0n])
/** The seller's balance after it got `paid` and (if it locked one) its deposit back. */
const sellerAfter = (source: Source, paid: bigint, depositBack = true): Balance =>
  source === 'Account' ? [credits(30) + paid + (depositBack ? SD : 0n), 0n] : [paid, 0n]

/** Expected closing of each dispute outcome. */
interface Outcome {
  verdict: VerdictName
  buyerRight?: boolean
  state: 'Settled' | 'Failed'
  resolution: ResolutionName
  ledger: (source: Source) => Partial<Record<PartyName, Balance>>
  standing: bigint
  forfeit?: { from: 'buyer' | 'seller'; amount: bigint; toCounterparty: bigint; toArbitrator: bigint; toStorageProvider: bigint; toPlatform: bigint }
}

const buyerLied = (resolution: ResolutionName, verdict: VerdictName): Outcome => ({
  verdict,
  buyerRight: false,
  state: 'Settled',
  resolution,
  // Buyer's 10 forfeited: seller +5, arbitrator 2, storage 1.5, platform 1.5 (+ fee 3.75).
  ledger: (s) => ({ seller: sellerAfter(s, PAYOUT + credits(5)), arbitrator: [credits(2), 0n], storage: [credits('1.5'), 0n], platform: [FEE + credits('1.5'), 0n] }),
  standing: STANDING,
  forfeit: { from: 'buyer', amount: BD, toCounterparty: credits(5), toArbitrator: credits(2), toStorageProvider: credits('1.5'), toPlatform: credits('1.5') },
})

const outcomes: Record<string, Outcome> = {
  'download failed, arbitrator could not download either: full refund, seller deposit back': {
    verdict: 'DownloadFailed',
    buyerRight: true,
    state: 'Failed',
    resolution: 'DownloadDisputeUpheld',
    ledger: (s) => ({ buyer: [PRICE + BD, 0n], seller: sellerAfter(s, 0n) }),
    standing: STANDING,
  },
  'download failed, arbitrator could download: buyer deposit forfeited, seller paid': buyerLied('DownloadDisputeBuyerLied', 'DownloadFailed'),
  'not as described, mismatch: seller deposit forfeited, buyer refunded in full': {
    verdict: 'NotAsDescribed',
    buyerRight: true,
    state: 'Failed',
    resolution: 'DescriptionMismatch',
    // Seller's 20 forfeited: buyer +10, arbitrator 4, storage 3, platform 3.
    ledger: (s) => ({ buyer: [PRICE + BD + credits(10), 0n], seller: sellerAfter(s, 0n, false), arbitrator: [credits(4), 0n], storage: [credits(3), 0n], platform: [credits(3), 0n] }),
    standing: STANDING, // minus SD when the standing deposit backed the trade (see below)
    forfeit: { from: 'seller', amount: SD, toCounterparty: credits(10), toArbitrator: credits(4), toStorageProvider: credits(3), toPlatform: credits(3) },
  },
  'not as described, match: buyer deposit forfeited, seller paid': buyerLied('DescriptionMatch', 'NotAsDescribed'),
  'price abnormal, price matches the round (decided by the contract): buyer deposit forfeited, arbitrator share to the seller': {
    verdict: 'PriceAbnormal',
    state: 'Settled',
    resolution: 'PriceMatch',
    ledger: (s) => ({ seller: sellerAfter(s, PAYOUT + credits(7)), storage: [credits('1.5'), 0n], platform: [FEE + credits('1.5'), 0n] }),
    standing: STANDING,
    forfeit: { from: 'buyer', amount: BD, toCounterparty: credits(7), toArbitrator: 0n, toStorageProvider: credits('1.5'), toPlatform: credits('1.5') },
  },
}

describe('Marketplace disputes', () => {
  for (const source of ['Standing', 'Account'] as const) {
    for (const [name, o] of Object.entries(outcomes)) {
      test(`${name} (seller deposit: ${source})`, async () => {
        const w = await setupWorld()
        const m: Market = w
        const trade = await openTrade(w, m, source)
        await expectLedger(w, { buyer: [0n, PRICE + BD], seller: sellerOpen(source) }, 'download')

        let closing = await m.buyer.confirm(trade, o.verdict)
        if (o.buyerRight !== undefined) {
          // Arbitrated disputes wait for the arbitrator; nothing moves meanwhile.
          const disputed = closing.trade
          assert.equal(disputed.state, o.verdict === 'DownloadFailed' ? TradeState.DisputedDownload : TradeState.DisputedDescription)
          assert.equal(disputed.deadline, (await chainTime(w)) + w.deployment.windows.arbitration)
          const opened = events(w.client, closing.receipt).find((e) => e.eventName === 'DisputeOpened')
          assert.ok(opened && opened.eventName === 'DisputeOpened')
          assert.equal(opened.args.verdict, ['Ok', 'DownloadFailed', 'NotAsDescribed', 'PriceAbnormal'].indexOf(o.verdict))
          await expectStored(w.client, disputed)
          await expectLedger(w, { buyer: [0n, PRICE + BD], seller: sellerOpen(source) }, 'dispute opened')
          closing = await m.arbitrator.decideDispute(disputed, o.buyerRight)
          const decided = events(w.client, closing.receipt).find((e) => e.eventName === 'DisputeDecided')
          assert.ok(decided && decided.eventName === 'DisputeDecided')
          assert.equal(decided.args.buyerRight, o.buyerRight)
          assert.equal(decided.args.arbitrator, w.arbitrator.address)
        }
        assert.equal(closing.closed, true)
        assert.equal(closing.trade.state, TradeState[o.state])
        await expectStored(w.client, closing.trade, false)
        await expectLedger(w, o.ledger(source), o.resolution)

        const standing = o.resolution === 'DescriptionMismatch' && source === 'Standing' ? o.standing - SD : o.standing
        assert.equal((await w.client.listing(trade.listingId)).standing, standing, 'standing deposit')

        const evs = events(w.client, closing.receipt)
        const closed = evs.find((e) => e.eventName === 'TradeClosed')
        assert.ok(closed && closed.eventName === 'TradeClosed')
        assert.equal(resolutions[closed.args.resolution], o.resolution)
        const forfeited = evs.find((e) => e.eventName === 'DepositForfeited')
        if (o.forfeit) {
          assert.ok(forfeited && forfeited.eventName === 'DepositForfeited')
          const { from, ...amounts } = o.forfeit
          assert.deepEqual({ ...forfeited.args, tradeId: undefined, from: undefined }, { ...amounts, tradeId: undefined, from: undefined })
          assert.equal(forfeited.args.from, from === 'buyer' ? w.buyer.address : w.seller.address)
        } else {
          assert.equal(forfeited, undefined, 'nothing forfeited')
        }
        await expectSolvent(w.client, Object.values(w.parties).map((p) => p.address))
        assert.deepEqual((await w.client.trade(trade.id)).trade, closing.trade)
      })
    }

    test(`price abnormal, round price changed after the trade (faulty price source): trade fails, full refund (seller deposit: ${source})`, async () => {
      const w = await setupWorld()
      const r = await deployRepricing(w, PRICE)
      const trade = await openTrade(w, r, source)
      assert.equal(trade.price, PRICE)
      await r.setRoundPrice(trade.category, trade.round, credits(140))
      const closing = await r.buyer.confirm(trade, 'PriceAbnormal')
      assert.equal(closing.trade.state, TradeState.Failed)
      await expectStored(r.client, closing.trade, false)
      await expectLedger(w, { buyer: [PRICE + BD, 0n], seller: sellerAfter(source, 0n) }, 'PriceMismatch', r.client)
      assert.equal((await r.client.listing(trade.listingId)).standing, STANDING)
      const evs = events(r.client, closing.receipt)
      const closed = evs.find((e) => e.eventName === 'TradeClosed')
      assert.ok(closed && closed.eventName === 'TradeClosed')
      assert.equal(resolutions[closed.args.resolution], 'PriceMismatch')
      assert.equal(closed.args.buyerRefund, PRICE + BD)
      assert.equal(evs.some((e) => e.eventName === 'DepositForfeited'), false)
      await expectSolvent(r.client, Object.values(w.parties).map((p) => p.address))
      // The world's own marketplace saw nothing of this.
      await expectLedger(w, {}, 'other marketplace untouched')
    })
  }

  test('price abnormal with the round price unchanged on the repricing source is a match', async () => {
    const w = await setupWorld()
    const r = await deployRepricing(w, credits(120))
    const trade = await openTrade(w, r, 'Standing', false)
    assert.equal(trade.price, credits(120))
    const closing = await r.buyer.confirm(trade, 'PriceAbnormal')
    assert.equal(closing.trade.state, TradeState.Settled)
    // fee 3 of 120; seller 117 + 7 of the forfeited buyer deposit.
    await expectLedger(w, { seller: [credits(124), 0n], storage: [credits('1.5'), 0n], platform: [credits('4.5'), 0n] }, 'PriceMatch', r.client)
  })

  test('disputes may be opened before the storage provider confirmed the download', async () => {
    const w = await setupWorld()
    const trade = await openTrade(w, w, 'Standing', false)
    assert.equal(trade.state, TradeState.Accepted)
    const { trade: disputed } = await w.buyer.confirm(trade, 'DownloadFailed')
    assert.equal(disputed.state, TradeState.DisputedDownload)
    await w.arbitrator.decideDispute(disputed, true)
    await expectLedger(w, { buyer: [PRICE + BD, 0n] }, 'upheld')
  })

  test('forfeit shares round down; the remainder goes to the platform', async () => {
    const w = await setupWorld()
    const listingId = await w.list({ buyerDeposit: 7n, sellerDeposit: 13n, standingDeposit: 13n })
    const a = (await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })).trade
    const b = (await w.buyer2.order({ listingId, maxPrice: PRICE, token: newToken() })).trade
    // Buyer deposit 7 wei: counterparty 3, arbitrator 1, storage 1, platform 2.
    const lied = await w.arbitrator.decideDispute((await w.buyer.confirm(a, 'DownloadFailed')).trade, false)
    const f1 = events(w.client, lied.receipt).find((e) => e.eventName === 'DepositForfeited')
    assert.ok(f1 && f1.eventName === 'DepositForfeited')
    assert.deepEqual([f1.args.toCounterparty, f1.args.toArbitrator, f1.args.toStorageProvider, f1.args.toPlatform], [3n, 1n, 1n, 2n])
    // Seller deposit 13 wei: counterparty 6, arbitrator 2, storage 1, platform 4.
    const mismatch = await w.arbitrator.decideDispute((await w.buyer2.confirm(b, 'NotAsDescribed')).trade, true)
    const f2 = events(w.client, mismatch.receipt).find((e) => e.eventName === 'DepositForfeited')
    assert.ok(f2 && f2.eventName === 'DepositForfeited')
    assert.deepEqual([f2.args.toCounterparty, f2.args.toArbitrator, f2.args.toStorageProvider, f2.args.toPlatform], [6n, 2n, 1n, 4n])
    await expectLedger(
      w,
      {
        seller: [PAYOUT + 3n, 0n],
        buyer: [0n, 0n],
        buyer2: [PRICE + 7n + 6n, 0n],
        arbitrator: [3n, 0n],
        storage: [2n, 0n],
        platform: [FEE + 6n, 0n],
      },
      'two forfeits',
    )
    assert.equal((await w.client.listing(listingId)).standing, 0n)
    await expectSolvent(w.client, Object.values(w.parties).map((p) => p.address))
  })

  test('a standing deposit drained by a forfeit stops new orders; trades already open get only what is left of it', async () => {
    // The standing deposit (20) backs any number of concurrent trades but is seized at most
    // once in full: the second "not as described" upheld on the same listing finds it empty.
    const w = await setupWorld()
    const listingId = await w.list({ standingDeposit: SD })
    const a = (await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })).trade
    const b = (await w.buyer2.order({ listingId, maxPrice: PRICE, token: newToken() })).trade
    await w.arbitrator.decideDispute((await w.buyer.confirm(a, 'NotAsDescribed')).trade, true)
    assert.equal((await w.client.listing(listingId)).standing, 0n)
    await expectRevert(w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() }), 'MarketplaceStandingDepositTooLow', { listingId, standing: 0n, needed: SD })
    const second = await w.arbitrator.decideDispute((await w.buyer2.confirm(b, 'NotAsDescribed')).trade, true)
    assert.equal(events(w.client, second.receipt).some((e) => e.eventName === 'DepositForfeited'), false)
    await expectLedger(
      w,
      { buyer: [PRICE + BD + credits(10), 0n], buyer2: [PRICE + BD, 0n], arbitrator: [credits(4), 0n], storage: [credits(3), 0n], platform: [credits(3), 0n] },
      'two mismatches on one standing deposit',
    )
    // A top-up re-opens the listing for orders.
    await w.seller.topUpStanding(listingId, SD)
    await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })
    await expectSolvent(w.client, Object.values(w.parties).map((p) => p.address))
  })
})
