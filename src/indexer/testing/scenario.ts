/**
 * Test support: a market history that exercises every event the indexer handles and every
 * balance path of the Marketplace — settlements, each dispute outcome, each time-out, seller
 * acceptance, standing-deposit top-up/seizure/release, deposits and withdrawals, suspension
 * and key rotation — a supervision history on top of it (channels of every kind, oversight
 * changes, joins, key rotation, batch roots), and the checks that the indexed tables agree
 * with the chain.
 */
import assert from 'node:assert/strict'
import type { Kysely } from 'kysely'
import { getAddress, keccak256, parseEther, toHex, type Address, type Hex } from 'viem'
import { AllianceCreditAbi, DynamicPricingAbi, MarketplaceAbi } from '../../contracts/generated.ts'
import { decodeAmount, lowerHex } from '../../db/codec.ts'
import { getTrade, getTradeTimeline } from '../../db/queries/trades.ts'
import type { Database } from '../../db/schema.ts'
import { generateEncryptionKeyPair } from '../../identity/encryptionKey.ts'
import { advanceRound } from '../../sdk/pricing.ts'
import { channelJoinedState, channelOpenedState } from '../../sdk/supervision.ts'
import type { Trade } from '../../sdk/trade.ts'
import { newKeyAccount, newToken, type World } from '../../testing/world.ts'
import { channelIdText } from '../processors/supervision.ts'

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

/**
 * Supervision on top of {@link runMarketScenario}: the platform opens channels of every kind
 * for some of its trades (the world's supervisor oversees them), an organisation rotates its
 * encryption key, the supervisor stops overseeing, a channel opens without supervisors, the
 * supervisor joins it twice and joins a channel it already oversees, oversees again, and
 * the platform commits two batch roots. Returns the channel ids (trade ids).
 *
 * Not part of {@link runMarketScenario}: the node's supervision service opens the channels
 * of that scenario's trades itself.
 *
 * @example
 * const channels = await runSupervisionScenario(world, trades)
 */
export async function runSupervisionScenario(w: World, trades: ScenarioTrades): Promise<bigint[]> {
  const { buyer, buyer2, platform, seller, arbitrator } = w.orgs
  await w.platform.openChannels([
    { channelId: trades.settled.id, kind: 'DePlPrSu', members: [buyer.address, platform.address, seller.address] },
    { channelId: trades.downloadUpheld.id, kind: 'DePlSePrSu', members: [buyer2.address, platform.address, arbitrator.address, seller.address] },
    { channelId: trades.stillOpen.id, kind: 'DePlSu', members: [buyer.address, platform.address] },
  ])
  await w.client.as(seller).publishEncryptionKey(generateEncryptionKeyPair().publicKey)
  await w.supervisor.oversee(false)
  await w.platform.openChannels([{ channelId: trades.lateRound.id, kind: 'DePlPrSu', members: [buyer.address, platform.address, seller.address] }])
  await w.supervisor.join(trades.lateRound.id)
  await w.supervisor.join(trades.lateRound.id)
  await w.supervisor.join(trades.settled.id)
  await w.supervisor.oversee(true)
  await w.platform.commitHeads({ root: keccak256(toHex('scenario batch 0')), heads: 3, records: 9 })
  await w.platform.commitHeads({ root: keccak256(toHex('scenario batch 1')), heads: 1, records: 2 })
  return [trades.settled.id, trades.downloadUpheld.id, trades.stillOpen.id, trades.lateRound.id]
}

/**
 * Asserts that each channel's indexed row and events reproduce the chain: the hash chain
 * recomputed from `supervision_channel_events` equals `channelState`, `members` are the
 * opening's, `supervisors` the opening's overseers plus each joining organisation once;
 * `supervision_keys` equals `encryptionKeyOf` for every member organisation; one
 * HeadsCommitted per committed batch, with its root.
 */
export async function assertSupervisionMatchesChain(db: Kysely<Database>, w: World, channelIds: bigint[]): Promise<void> {
  for (const id of channelIds) {
    const row = await db.selectFrom('supervision_channels').selectAll().where('channel_id', '=', channelIdText(id)).executeTakeFirst()
    assert.ok(row, `channel ${id} indexed`)
    const events = await db.selectFrom('supervision_channel_events').selectAll().where('channel_id', '=', channelIdText(id)).orderBy('block_number').orderBy('log_index').execute()
    const [opened, ...joins] = events
    assert.equal(opened?.event, 'ChannelOpened')
    const args = JSON.parse(opened!.args) as { kind: number; members: Address[]; supervisors: Address[] }
    let state = channelOpenedState(args.kind, args.members, args.supervisors)
    const supervisors = args.supervisors.map(lowerHex)
    for (const j of joins) {
      assert.equal(j.event, 'SupervisorJoined')
      state = channelJoinedState(state, getAddress(j.org!))
      if (!supervisors.includes(j.org!)) supervisors.push(j.org!)
    }
    assert.equal(state, await w.client.channelState(id), `channel ${id}: the indexed events reproduce the stored hash`)
    assert.deepEqual([row.kind, JSON.parse(row.members), JSON.parse(row.supervisors), row.opened_block], [args.kind, args.members.map(lowerHex), supervisors, opened!.block_number])
  }
  const keys = await db.selectFrom('supervision_keys').selectAll().execute()
  const members = await db.selectFrom('members').select('org').execute()
  for (const { org } of members) {
    const onChain = await w.client.encryptionKeyOf(getAddress(org))
    assert.equal(keys.find((k) => k.org === org)?.public_key, onChain?.toLowerCase(), `encryption key of ${org}`)
  }
  const batches = await db.selectFrom('supervision_channel_events').selectAll().where('event', '=', 'HeadsCommitted').orderBy('block_number').orderBy('log_index').execute()
  assert.equal(BigInt(batches.length), await w.client.batchCount())
  for (const [i, b] of batches.entries()) {
    const { batch, root } = JSON.parse(b.args) as { batch: string; root: Hex }
    assert.deepEqual([BigInt(batch), root], [BigInt(i), (await w.client.batchRoot(BigInt(i))).root])
  }
}
