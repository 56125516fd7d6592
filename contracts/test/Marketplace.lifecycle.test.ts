/**
 * The happy path of SPEC.md section 2, step by step, with the exact internal balance of
 * every party after each step: a listing backed by its standing deposit, and a listing
 * whose seller accepts each order by locking a deposit from its own balance.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { keccak256, type Hex } from 'viem'
import { MarketplaceAbi } from '../../src/contracts/generated.ts'
import { hashTrade, resolutions, TradeState } from '../../src/sdk/trade.ts'
import {
  STANDING,
  chainTime,
  credits,
  DAY,
  expectLedger,
  expectRevert,
  expectSolvent,
  expectStored,
  FEE,
  newAccount,
  newToken,
  PAYOUT,
  PRICE,
  setupWorld,
  tokensOf,
} from './helpers.ts'

const MINT = credits(100000)
const BUYER_DEPOSIT = credits(10)
const SELLER_DEPOSIT = credits(20)

describe('Marketplace lifecycle', () => {
  test('standing-deposit listing: list, order, download, confirm OK, withdraw — exact balances after every step', async () => {
    const w = await setupWorld()
    const all = Object.values(w.parties).map((p) => p.address)
    await expectLedger(w, {}, 'setup')

    const listingId = await w.list()
    assert.equal(listingId, 1n)
    const listing = await w.client.listing(listingId)
    assert.equal(listing.standing, STANDING)
    assert.equal(listing.seller, w.seller.address)
    // The standing deposit came from the seller's allowance: nothing in its internal balance.
    await expectLedger(w, {}, 'list')
    assert.equal(await tokensOf(w.client, w.seller.address), MINT - STANDING)
    assert.equal(await tokensOf(w.client, w.deployment.marketplace), STANDING)

    const token = newToken()
    const ordered = await w.buyer.order({ listingId, maxPrice: credits(200), token })
    const orderedAt = await chainTime(w)
    const trade = ordered.trade
    // Priced by FixedPricing at 150, never at maxPrice; accepted at once from the standing deposit.
    assert.equal(trade.price, PRICE)
    assert.equal(trade.round, 1)
    assert.equal(trade.state, TradeState.Accepted)
    assert.equal(trade.sellerDepositSource, 1) // Standing
    assert.equal(trade.deadline, orderedAt + w.deployment.windows.download)
    assert.equal(trade.tokenCommitment, keccak256(token))
    assert.equal(trade.buyer, w.buyer.address)
    assert.equal(trade.seller, w.seller.address)
    assert.equal(trade.id, (BigInt(w.buyer.address) << 96n) | 0n)
    await expectStored(w.client, trade)
    assert.deepEqual(await w.client.trade(trade.id).then((v) => [v.trade, v.open]), [trade, true], 'rebuilt from events')
    await expectLedger(w, { buyer: [0n, PRICE + BUYER_DEPOSIT] }, 'order')
    assert.equal(await tokensOf(w.client, w.buyer.address), MINT - PRICE - BUYER_DEPOSIT)
    await expectSolvent(w.client, all)

    const downloaded = await w.storage.confirmDownload(trade)
    const downloadedAt = await chainTime(w)
    assert.equal(downloaded.trade.state, TradeState.Downloaded)
    assert.equal(downloaded.trade.deadline, downloadedAt + w.deployment.windows.confirm)
    assert.equal(downloaded.closed, false)
    await expectStored(w.client, downloaded.trade)
    assert.deepEqual(await w.client.trade(trade.id).then((v) => [v.trade, v.open]), [downloaded.trade, true], 'rebuilt from events')
    assert.notEqual(await w.client.read(w.deployment.marketplace, MarketplaceAbi, 'tradeHash', [trade.id]), hashTrade(trade), 'the pre-download record is stale')
    await expectLedger(w, { buyer: [0n, PRICE + BUYER_DEPOSIT] }, 'confirmDownload')

    const settled = await w.buyer.confirm(downloaded.trade, 'Ok')
    assert.equal(settled.closed, true)
    assert.equal(settled.trade.state, TradeState.Settled)
    await expectStored(w.client, settled.trade, false)
    await expectLedger(
      w,
      { buyer: [BUYER_DEPOSIT, 0n], seller: [PAYOUT, 0n], platform: [FEE, 0n] },
      'confirm OK',
    )
    assert.equal(FEE, (PRICE * 250n) / 10_000n)
    assert.equal((await w.client.listing(listingId)).standing, STANDING, 'standing deposit untouched')
    await expectSolvent(w.client, all)

    // The SDK rebuilds the same record and the whole history from events.
    const view = await w.client.trade(trade.id)
    assert.equal(view.open, false)
    assert.deepEqual(view.trade, settled.trade)
    assert.deepEqual(view.timeline.map((e) => e.event), ['TradeOpened', 'TradeUpdated', 'TradeClosed'])
    const closed = view.timeline[2]!.args as { resolution: number; sellerPayout: bigint; platformFee: bigint; buyerRefund: bigint }
    assert.equal(resolutions[closed.resolution], 'Confirmed')
    assert.equal(closed.sellerPayout, PAYOUT)
    assert.equal(closed.platformFee, FEE)
    assert.equal(closed.buyerRefund, BUYER_DEPOSIT)
    assert.equal(view.timeline[0]!.timestamp, orderedAt)
    assert.match(view.timeline[0]!.summary, /at 150 \(round 1, max 200\); state Accepted/)

    // Pull payments: each withdraws exactly its balance, once.
    await w.buyer.withdraw(BUYER_DEPOSIT)
    await w.seller.withdraw(PAYOUT)
    await w.platform.withdraw(FEE)
    await expectLedger(w, {}, 'withdrawals')
    assert.equal(await tokensOf(w.client, w.buyer.address), MINT - PRICE)
    assert.equal(await tokensOf(w.client, w.seller.address), MINT - STANDING + PAYOUT)
    assert.equal(await tokensOf(w.client, w.platform.address), FEE)
    assert.equal(await tokensOf(w.client, w.deployment.marketplace), STANDING)
    await expectRevert(w.seller.withdraw(1n), 'MarketplaceInsufficientBalance', { account: w.seller.address, available: 0n, needed: 1n })
    await expectSolvent(w.client, all)
  })

  test('manual acceptance: order waits in Ordered, the seller locks its deposit from its balance, then settles', async () => {
    const w = await setupWorld()
    const all = Object.values(w.parties).map((p) => p.address)
    const listingId = await w.list({ requiresAcceptance: true })
    await w.seller.deposit(credits(50))
    await expectLedger(w, { seller: [credits(50), 0n] }, 'seller deposit')

    const { trade } = await w.buyer.order({ listingId, maxPrice: credits(1000), token: newToken() })
    const orderedAt = await chainTime(w)
    assert.equal(trade.state, TradeState.Ordered)
    assert.equal(trade.sellerDepositSource, 0)
    assert.equal(trade.deadline, orderedAt + w.deployment.windows.accept)
    await expectStored(w.client, trade)
    await expectLedger(w, { seller: [credits(50), 0n], buyer: [0n, PRICE + BUYER_DEPOSIT] }, 'order')

    // A buyer cannot confirm before the seller accepted.
    await expectRevert(w.buyer.confirm(trade, 'Ok'), 'MarketplaceWrongState', { tradeId: trade.id, state: TradeState.Ordered })

    const accepted = await w.seller.accept(trade)
    const acceptedAt = await chainTime(w)
    assert.equal(accepted.trade.state, TradeState.Accepted)
    assert.equal(accepted.trade.sellerDepositSource, 2) // Account
    assert.equal(accepted.trade.deadline, acceptedAt + w.deployment.windows.download)
    await expectStored(w.client, accepted.trade)
    await expectLedger(w, { seller: [credits(30), SELLER_DEPOSIT], buyer: [0n, PRICE + BUYER_DEPOSIT] }, 'accept')
    assert.equal(await tokensOf(w.client, w.seller.address), MINT - STANDING - credits(50), 'accept pulled nothing from the allowance')

    const downloaded = await w.storage.confirmDownload(accepted.trade)
    await expectStored(w.client, downloaded.trade)
    await expectLedger(w, { seller: [credits(30), SELLER_DEPOSIT], buyer: [0n, PRICE + BUYER_DEPOSIT] }, 'confirmDownload')

    const settled = await w.buyer.confirm(downloaded.trade, 'Ok')
    await expectStored(w.client, settled.trade, false)
    await expectLedger(
      w,
      { seller: [credits(30) + PAYOUT + SELLER_DEPOSIT, 0n], buyer: [BUYER_DEPOSIT, 0n], platform: [FEE, 0n] },
      'confirm OK',
    )
    await expectSolvent(w.client, all)

    const view = await w.client.trade(trade.id)
    assert.deepEqual(view.trade, settled.trade)
    assert.deepEqual(view.timeline.map((e) => e.event), ['TradeOpened', 'TradeUpdated', 'TradeUpdated', 'TradeClosed'])

    await w.seller.withdraw(credits('196.25'))
    assert.equal(await tokensOf(w.client, w.seller.address), MINT - STANDING - credits(50) + credits('196.25'))
    await expectLedger(w, { buyer: [BUYER_DEPOSIT, 0n], platform: [FEE, 0n] }, 'seller withdrawal')
  })

  test('accept with an empty balance pulls the seller deposit from the allowance', async () => {
    const w = await setupWorld()
    const listingId = await w.list({ requiresAcceptance: true })
    const { trade } = await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })
    await w.seller.accept(trade)
    await expectLedger(w, { seller: [0n, SELLER_DEPOSIT], buyer: [0n, PRICE + BUYER_DEPOSIT] }, 'accept')
    assert.equal(await tokensOf(w.client, w.seller.address), MINT - STANDING - SELLER_DEPOSIT)
    await expectSolvent(w.client, Object.values(w.parties).map((p) => p.address))
  })

  test('order escrows from the available balance first and pulls only the shortfall; maxPrice == price is accepted', async () => {
    const w = await setupWorld()
    const listingId = await w.list()
    await w.buyer.deposit(credits(100))
    const { trade } = await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })
    await expectLedger(w, { buyer: [0n, PRICE + BUYER_DEPOSIT] }, 'order')
    assert.equal(await tokensOf(w.client, w.buyer.address), MINT - PRICE - BUYER_DEPOSIT)

    // A second order from a balance that covers it pulls nothing.
    await w.buyer.deposit(credits(200))
    const second = await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })
    assert.equal(second.trade.id, (BigInt(w.buyer.address) << 96n) | 1n, 'trade ids count the buyer\'s orders')
    await expectLedger(w, { buyer: [credits(40), 2n * (PRICE + BUYER_DEPOSIT)] }, 'second order')
    assert.equal(await tokensOf(w.client, w.buyer.address), MINT - credits(360))
    const [, , orders] = await w.client.read(w.deployment.marketplace, MarketplaceAbi, 'accountOf', [w.buyer.address])
    assert.equal(orders, 2n)
    assert.notEqual(trade.id, second.trade.id)
  })

  test('the buyer may confirm OK before the storage provider confirms the download', async () => {
    const w = await setupWorld()
    const listingId = await w.list()
    const { trade } = await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })
    const settled = await w.buyer.confirm(trade, 'Ok')
    assert.equal(settled.trade.state, TradeState.Settled)
    await expectLedger(w, { buyer: [BUYER_DEPOSIT, 0n], seller: [PAYOUT, 0n], platform: [FEE, 0n] }, 'confirm OK')
  })

  test('confirmDownloads confirms a batch; one bad record reverts the whole batch', async () => {
    const w = await setupWorld()
    const listingId = await w.list()
    const a = (await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })).trade
    const b = (await w.buyer2.order({ listingId, maxPrice: PRICE, token: newToken() })).trade
    const forged = { ...b, price: 1n }
    await expectRevert(w.storage.confirmDownloads([a, forged]), 'MarketplaceTradeMismatch', { tradeId: b.id })
    await expectStored(w.client, a)
    const { trades } = await w.storage.confirmDownloads([a, b])
    assert.deepEqual(trades.map((t) => t.state), [TradeState.Downloaded, TradeState.Downloaded])
    for (const t of trades) await expectStored(w.client, t)
    assert.deepEqual((await w.client.trade(b.id)).trade, trades[1])
  })

  test('fee rate is a deployment parameter: feeBps 1000 takes exactly 10%', async () => {
    const w = await setupWorld({ feeBps: 1000 })
    const listingId = await w.list()
    const { trade } = await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })
    await w.buyer.confirm(trade, 'Ok')
    await expectLedger(w, { buyer: [BUYER_DEPOSIT, 0n], seller: [credits(135), 0n], platform: [credits(15), 0n] }, 'settle')
  })

  test('ownership challenge-response: only the listing seller\'s EIP-712 signature verifies', async () => {
    const w = await setupWorld()
    const listingId = await w.list()
    const challenge = keccak256(newToken())
    const sign = (account = w.seller.account, id = listingId, ch: Hex = challenge) =>
      w.client.walletFor(account).signTypedData({
        account,
        domain: { name: 'databourse', version: '1', chainId: w.devnet.chain.id, verifyingContract: w.deployment.marketplace },
        types: { OwnershipProof: [{ name: 'listingId', type: 'uint256' }, { name: 'challenge', type: 'bytes32' }] },
        primaryType: 'OwnershipProof',
        message: { listingId: id, challenge: ch },
      })
    assert.equal(await w.client.verifyOwnership(listingId, challenge, await sign()), true)
    assert.equal(await w.client.verifyOwnership(listingId, challenge, await sign(w.buyer.account)), false, 'another key')
    assert.equal(await w.client.verifyOwnership(listingId, challenge, await sign(newAccount())), false, 'an outsider')
    assert.equal(await w.client.verifyOwnership(listingId, keccak256(challenge), await sign()), false, 'another challenge')
    assert.equal(await w.client.verifyOwnership(2n, challenge, await sign(w.seller.account, 2n)), false, 'unknown listing')
    assert.equal(await w.client.verifyOwnership(listingId, challenge, '0x1234'), false, 'malformed signature')
  })

  test('record hash: the SDK hash equals Marketplace.hashTrade for every state', async () => {
    const w = await setupWorld()
    const listingId = await w.list({ requiresAcceptance: true })
    let { trade } = await w.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })
    for (const step of [() => w.seller.accept(trade), () => w.storage.confirmDownload(trade), () => w.buyer.confirm(trade, 'DownloadFailed')]) {
      assert.equal(await w.client.read(w.deployment.marketplace, MarketplaceAbi, 'hashTrade', [trade]), hashTrade(trade))
      trade = (await step()).trade
      await expectStored(w.client, trade)
      assert.deepEqual((await w.client.trade(trade.id)).trade, trade)
    }
    assert.equal(trade.state, TradeState.DisputedDownload)
    assert.equal(await w.client.read(w.deployment.marketplace, MarketplaceAbi, 'maxTradeLifetime', []), BigInt(12 * DAY), '1 + 1 + 3 + 7 days')
  })
})
