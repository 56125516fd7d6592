/**
 * Test support: a market history that exercises every event the indexer handles and every
 * balance path of the Marketplace — settlements, each dispute outcome, each time-out, seller
 * acceptance, standing-deposit top-up/seizure/release, deposits and withdrawals, suspension
 * and key rotation — and the checks that the indexed tables agree with the chain.
 */
import assert from 'node:assert/strict'
import type { Kysely } from 'kysely'
import { parseEther, type Address } from 'viem'
import { AllianceCreditAbi, DynamicPricingAbi, MarketplaceAbi } from '../../contracts/generated.ts'
import { decodeAmount } from '../../db/codec.ts'
import { getTrade, getTradeTimeline } from '../../db/queries/trades.ts'
import type { Database } from '../../db/schema.ts'
import { advanceRound } from '../../sdk/pricing.ts'
import type { Trade } from '../../sdk/trade.ts'
import { newKeyAccount, newToken, type World } from '../../testing/world.ts'

const DAY = 24 * 3600
const maxPrice = parseEther('200')

/** Trade records by the story they tell. */
export type ScenarioTrades = Record<
  | 'settled'
  | 'descriptionMismatchStanding'
  | 'buyerLied'
  | 'acceptTimeout'
  | 'priceMatch'
  | 'confirmTimeout'
  | 'arbitrationTimeout'
  | 'downloadUpheld'
  | 'descriptionMismatchAccount'
  | 'lateRound'
  | 'stillOpen',
  Trade
>

/**
 * Plays the whole history on `w` (about 60 transactions) and returns the trades it made.
 *
 * @example
 * const trades = await runMarketScenario(world)
 */
export async function runMarketScenario(w: World): Promise<{ trades: ScenarioTrades; listings: bigint[] }> {
  const { buyer, buyer2, seller, storage, arbitrator, platform, supervisor } = w
  const atOnce = await w.list({ description: 'Daily order lines of a UK online retailer, 2011' })
  const byHand = await w.list({ requiresAcceptance: true, category: 2, dataType: 'application/parquet', description: 'Customer marketing tags (RFM segments)' })
  await buyer.deposit(parseEther('100')) // later orders take from available before pulling
  const order = (who: typeof buyer, listingId: bigint) => who.order({ listingId, maxPrice, token: newToken() }).then((r) => r.trade)
  const downloaded = async (t: Trade) => (await storage.confirmDownload(t)).trade

  // Settled by the buyer's OK.
  const settled = (await buyer.confirm(await downloaded(await order(buyer, atOnce)), 'Ok')).trade
  // Not as described, arbitrator agrees: the seller's deposit is seized from the standing deposit.
  let t = (await buyer2.confirm(await downloaded(await order(buyer2, atOnce)), 'NotAsDescribed')).trade
  const descriptionMismatchStanding = (await arbitrator.decideDispute(t, true)).trade
  // Accepted by hand (seller deposit locked), download "failed", arbitrator could download: buyer lied.
  t = (await seller.accept(await order(buyer, byHand))).trade
  t = (await buyer.confirm(t, 'DownloadFailed')).trade
  const buyerLied = (await arbitrator.decideDispute(t, false)).trade
  // Price abnormal decided by the contract: the price was right, the buyer's deposit is forfeited.
  const priceMatch = (await buyer.confirm(await order(buyer, atOnce), 'PriceAbnormal')).trade
  // Download failed and the arbitrator could not download either: full refund.
  t = (await buyer2.confirm(await order(buyer2, atOnce), 'DownloadFailed')).trade
  const downloadUpheld = (await arbitrator.decideDispute(t, true)).trade
  // Not as described on a hand-accepted trade: the seller's locked deposit is seized.
  t = await downloaded((await seller.accept(await order(buyer2, byHand))).trade)
  t = (await buyer2.confirm(t, 'NotAsDescribed')).trade
  const descriptionMismatchAccount = (await arbitrator.decideDispute(t, true)).trade

  // Waiting trades for the time-outs.
  const ordered = await order(buyer2, byHand)
  const awaitingConfirm = await downloaded(await order(buyer, atOnce))
  t = await downloaded((await seller.accept(await order(buyer2, byHand))).trade)
  const awaitingArbitrator = (await buyer2.confirm(t, 'NotAsDescribed')).trade
  const stillOpen = await order(buyer, atOnce)

  await w.net.increaseTime(DAY + 1)
  const acceptTimeout = (await platform.resolveTimeout(ordered)).trade
  await w.net.increaseTime(3 * DAY)
  const confirmTimeout = (await platform.resolveTimeout(awaitingConfirm)).trade
  await w.net.increaseTime(4 * DAY)
  const arbitrationTimeout = (await platform.resolveTimeout(awaitingArbitrator)).trade

  // Standing deposits: top up one listing, close the other and release its deposit.
  await seller.topUpStanding(atOnce, parseEther('50'))
  await seller.closeListing(byHand)
  await w.net.increaseTime(12 * DAY + 1)
  await seller.releaseStanding(byHand)
  await seller.withdraw(parseEther('25'))
  await platform.withdraw(parseEther('1'))

  // Pricing: rounds long over — an order opens category 1's next round at a price from the
  // last round's demand; the platform opens category 3's next round itself.
  const lateRound = (await buyer.confirm(await order(buyer, atOnce), 'Ok')).trade
  await advanceRound(w.client, platform.account, 3)

  // Membership: suspend and reinstate a buyer organisation; rotate its key.
  await supervisor.suspend(w.orgs.buyer2.address, 'late KYC documents')
  await supervisor.reinstate(w.orgs.buyer2.address)
  await w.client.as(w.orgs.buyer2).bindKey('Buyer', newKeyAccount().address)
  return {
    trades: {
      settled,
      descriptionMismatchStanding,
      buyerLied,
      acceptTimeout,
      priceMatch,
      confirmTimeout,
      arbitrationTimeout,
      downloadUpheld,
      descriptionMismatchAccount,
      lateRound,
      stillOpen,
    },
    listings: [atOnce, byHand],
  }
}

/**
 * Asserts that every account's Marketplace balances and every holder's credit balance in the
 * tables equal `accountOf` / `balanceOf` on chain, and that the Marketplace's token balance is
 * what the tables say it holds.
 */
export async function assertBalancesMatchChain(db: Kysely<Database>, w: World): Promise<void> {
  const { publicClient } = w.client
  const { marketplace, credit } = w.deployment
  const accounts = await db.selectFrom('accounts').selectAll().execute()
  const addresses = new Set<string>([...accounts.map((a) => a.address), ...Object.values(w.parties).map((a) => a.address.toLowerCase())])
  let held = 0n
  for (const address of addresses) {
    const [available, locked, orders] = await publicClient.readContract({ address: marketplace, abi: MarketplaceAbi, functionName: 'accountOf', args: [address as Address] })
    const row = accounts.find((a) => a.address === address)
    assert.deepEqual(
      { address, available: row ? decodeAmount(row.available) : 0n, locked: row ? decodeAmount(row.locked) : 0n, orders: BigInt(row?.orders ?? 0) },
      { address, available, locked, orders },
    )
    held += available + locked
  }
  const standing = await db.selectFrom('listings').select('standing').execute()
  held += standing.reduce((sum, l) => sum + decodeAmount(l.standing), 0n)

  const credits = await db.selectFrom('credit_balances').selectAll().execute()
  for (const row of credits) {
    const onChain = await publicClient.readContract({ address: credit, abi: AllianceCreditAbi, functionName: 'balanceOf', args: [row.address as Address] })
    assert.equal(decodeAmount(row.balance), onChain, `credit balance of ${row.address}`)
  }
  // credit.balanceOf(marketplace) == Σ(available + locked) + Σ standing deposits
  const marketplaceCredit = credits.find((c) => c.address === marketplace.toLowerCase())
  assert.equal(marketplaceCredit && decodeAmount(marketplaceCredit.balance), held)
}

/**
 * Asserts that each trade's indexed record equals `BourseClient.trade()`'s (rebuilt from the
 * chain's logs and checked against the stored hash) and its timeline the SDK's, step by step.
 */
export async function assertTradesMatchChain(db: Kysely<Database>, w: World, tradeIds: bigint[]): Promise<void> {
  for (const id of tradeIds) {
    const onChain = await w.client.trade(id)
    const indexed = await getTrade(db, id)
    assert.ok(indexed, `trade ${id} indexed`)
    assert.deepEqual(indexed.trade, onChain.trade)
    assert.equal(indexed.open, onChain.open)
    const timeline = await getTradeTimeline(db, id)
    assert.deepEqual(
      timeline.map((e) => [e.event, e.blockNumber, e.timestamp, e.transactionHash]),
      onChain.timeline.map((e) => [e.event, Number(e.blockNumber), e.timestamp, e.transactionHash]),
    )
    assert.equal(timeline.at(-1)!.state, onChain.trade.state)
  }
}

/**
 * Asserts that the indexed pricing categories and rounds equal DynamicPricing's `roundState`
 * and `roundInfo`, and every trade's price its round's price.
 */
export async function assertPricingMatchesChain(db: Kysely<Database>, w: World): Promise<void> {
  const read = (functionName: 'roundState' | 'roundInfo', args: readonly unknown[]) =>
    w.client.publicClient.readContract({ address: w.deployment.pricing, abi: DynamicPricingAbi, functionName, args } as never) as Promise<any>
  const categories = await db.selectFrom('pricing_categories').selectAll().execute()
  assert.ok(categories.length > 0)
  for (const c of categories) {
    const s = await read('roundState', [c.category])
    assert.deepEqual(
      [c.current_round, decodeAmount(c.supply), decodeAmount(c.demand), c.ends_at],
      [s.round, s.supply, s.demand, Number(s.endsAt)],
      `category ${c.category}`,
    )
  }
  const rounds = await db.selectFrom('pricing_rounds').selectAll().execute()
  for (const r of rounds) {
    const [price, startedAt] = await read('roundInfo', [r.category, r.round])
    assert.deepEqual([decodeAmount(r.price), r.started_at, r.source], [price, Number(startedAt), 'RoundOpened'], `round ${r.category}/${r.round}`)
  }
  const trades = await db.selectFrom('trades').select(['category', 'round', 'price']).execute()
  for (const t of trades) {
    const round = rounds.find((r) => r.category === t.category && r.round === t.round)
    assert.equal(round?.price, t.price)
  }
}
