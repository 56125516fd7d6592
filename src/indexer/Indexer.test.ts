/**
 * The indexer against a world after a full market history (trades, every dispute outcome,
 * every time-out), on SQLite and PostgreSQL: rows as the chain has them, resume after a
 * restart, and a processor failure that leaves the last committed state.
 */
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { AllianceAbi } from '../contracts/generated.ts'
import { getIndexerStatus } from '../db/queries/indexerStatus.ts'
import { getListing } from '../db/queries/listings.ts'
import { getAccount, getMember, getMemberBalances, getMemberTrades, listMembers } from '../db/queries/members.ts'
import { listPricingRounds } from '../db/queries/pricing.ts'
import { getTrade, listDisputes, listTrades } from '../db/queries/trades.ts'
import { dumpTables } from '../db/testing/dumpTables.ts'
import { describeEachDatabase } from '../db/testing/testDatabases.ts'
import { IndexerConfigurationError, IndexerProcessorError } from '../errors/db.ts'
import { createWorld, type World } from '../testing/world.ts'
import { Indexer, type IndexerParameters } from './Indexer.ts'
import { processors } from './processors/registry.ts'
import { assertBalancesMatchChain, assertPricingMatchesChain, assertTradesMatchChain, runMarketScenario, type ScenarioTrades } from './testing/scenario.ts'

let w: World
let trades: ScenarioTrades
let listings: bigint[]
let head: number

before(async () => {
  w = await createWorld()
  ;({ trades, listings } = await runMarketScenario(w))
  head = Number(await w.client.publicClient.getBlockNumber())
})

const indexerFor = (db: IndexerParameters['db'], options: Partial<IndexerParameters> = {}) =>
  new Indexer({ db, publicClient: w.client.publicClient, deployment: w.deployment, ...options })

describeEachDatabase('Indexer', ({ open }) => {
  let full: Record<string, unknown[]>

  test('indexes the whole history: trades, timelines, disputes, balances, members as on chain', async () => {
    const { db } = await open()
    const progress: number[] = []
    const indexer = indexerFor(db, { batchSize: 25 })
    indexer.on('progress', (p) => progress.push(p.toBlock))
    const result = await indexer.runOnce()
    assert.equal(result.lastBlock, head)
    assert.equal(progress.at(-1), head)
    assert.equal(result.batches, progress.length)
    full = await dumpTables(db)

    // Trades: records and timelines equal the SDK's reconstruction from the chain.
    const ids = Object.values(trades).map((t) => t.id)
    await assertTradesMatchChain(db, w, ids)
    const outcome = async (t: keyof ScenarioTrades) => {
      const r = (await getTrade(db, trades[t].id))!
      return [r.stateName, r.resolution, r.dispute?.verdict ?? null, r.forfeitures.map((f) => f.from)]
    }
    const buyer = w.buyer.address
    const buyer2 = w.buyer2.address
    const seller = w.seller.address
    assert.deepEqual(await outcome('settled'), ['Settled', 'Confirmed', null, []])
    assert.deepEqual(await outcome('descriptionMismatchStanding'), ['Failed', 'DescriptionMismatch', 'NotAsDescribed', [seller]])
    assert.deepEqual(await outcome('buyerLied'), ['Settled', 'DownloadDisputeBuyerLied', 'DownloadFailed', [buyer]])
    assert.deepEqual(await outcome('acceptTimeout'), ['Failed', 'AcceptTimeout', null, []])
    assert.deepEqual(await outcome('priceMatch'), ['Settled', 'PriceMatch', null, [buyer]])
    assert.deepEqual(await outcome('confirmTimeout'), ['Settled', 'ConfirmTimeout', null, []])
    assert.deepEqual(await outcome('arbitrationTimeout'), ['Failed', 'ArbitrationTimeout', 'NotAsDescribed', []])
    assert.deepEqual(await outcome('downloadUpheld'), ['Failed', 'DownloadDisputeUpheld', 'DownloadFailed', []])
    assert.deepEqual(await outcome('descriptionMismatchAccount'), ['Failed', 'DescriptionMismatch', 'NotAsDescribed', [seller]])
    assert.deepEqual(await outcome('lateRound'), ['Settled', 'Confirmed', null, []])
    assert.deepEqual(await outcome('stillOpen'), ['Accepted', null, null, []])
    const timeline = (await getTrade(db, trades.buyerLied.id))!
    assert.equal(timeline.dispute?.buyerRight, false)
    const priceMatch = (await getTrade(db, trades.priceMatch.id))!.forfeitures[0]!
    assert.deepEqual([priceMatch.toCounterparty, priceMatch.toArbitrator], [7n * 10n ** 18n, 0n]) // no arbitrator: its 20% to the seller

    // Balances: every account and the Marketplace's own token balance agree with the chain.
    await assertBalancesMatchChain(db, w)

    // Listings: standing deposits after seizure, top-up and release; closing.
    for (const id of listings) {
      const onChain = await w.client.listing(id)
      const indexed = (await getListing(db, id))!
      assert.deepEqual([indexed.standing, indexed.closed, indexed.closedAt ?? 0, indexed.seller, indexed.contentHash], [onChain.standing, onChain.closedAt !== 0, onChain.closedAt, onChain.seller, onChain.contentHash])
    }
    assert.equal((await getListing(db, listings[1]!))!.released, true)

    // Members and keys as the Alliance contract has them; the rotated key is history.
    for (const [name, org] of Object.entries(w.orgs)) {
      const { member, keys } = (await getMember(db, org.address))!
      const [status, rolesMask] = await w.client.read(w.deployment.alliance, AllianceAbi, 'member', [org.address])
      assert.deepEqual([member.status, BigInt(member.rolesMask)], [['None', 'Applied', 'Admitted', 'Suspended'][status], rolesMask], name)
      for (const k of keys) {
        const info = await w.client.keyInfo(k.key)
        assert.equal(k.bound, info.org.toLowerCase() === org.address.toLowerCase(), `${name} key ${k.key}`)
      }
    }
    const buyer2Org = (await getMember(db, w.orgs.buyer2.address))!
    assert.deepEqual(buyer2Org.keys.map((k) => k.bound), [false, true])
    assert.equal((await listMembers(db, { role: 'Supervisor' })).items.length, 1)
    assert.equal((await listMembers(db, { status: 'Admitted' })).items.length, Object.keys(w.orgs).length)

    // Member views used by the API.
    const balances = (await getMemberBalances(db, w.orgs.buyer2.address))!
    assert.equal(balances.keys[0]!.address, buyer2)
    assert.deepEqual(balances.total.available, (await getAccount(db, buyer2)).available)
    const history = await getMemberTrades(db, w.orgs.buyer.address, { limit: 3 })
    assert.equal(history.items.length, 3)
    assert.equal(history.items[0]!.trade.id, trades.lateRound.id) // newest first
    const rest = await getMemberTrades(db, w.orgs.buyer.address, { limit: 100, cursor: history.nextCursor! })
    const buyerTrades = Object.values(trades).filter((t) => t.buyer === buyer)
    assert.equal(history.items.length + rest.items.length, buyerTrades.length)
    assert.equal((await listTrades(db, { open: true })).items.length, 1)
    assert.equal((await listDisputes(db, { arbitrator: w.arbitrator.address })).items.length, 5)
    // Pricing: categories and rounds as DynamicPricing has them; round 2 priced from round 1's demand.
    await assertPricingMatchesChain(db, w)
    const rounds = await listPricingRounds(db, { category: 1 })
    assert.deepEqual(rounds.items.map((r) => [r.round, r.tradeCount, r.prevDemand]), [[2, 1, 6n], [1, 6, 0n]])
    assert.equal(rounds.items[0]!.price, trades.lateRound.price)
    assert.ok(trades.lateRound.price < 150n * 10n ** 18n) // little demand: below p_balance

    const status = (await getIndexerStatus(db))!
    assert.deepEqual([status.lastBlock, status.chainId], [head, w.deployment.chainId])
  })

  test('resumes after a restart from the last indexed block and indexes only new blocks', async () => {
    const first = await open()
    const middle = Math.floor(head / 2)
    assert.equal((await indexerFor(first.db).runOnce({ toBlock: middle })).lastBlock, middle)
    const eventsBefore = await first.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    assert.ok(((await first.db.selectFrom('events').select('block_number').orderBy('block_number', 'desc').executeTakeFirst())?.block_number ?? 0) <= middle)
    await first.close() // the process ends

    const restarted = await first.reopen()
    try {
      const batches: [number, number][] = []
      const indexer = indexerFor(restarted.db, { batchSize: 1000 })
      indexer.on('progress', (p) => batches.push([p.fromBlock, p.toBlock]))
      const result = await indexer.runOnce()
      assert.deepEqual(batches, [[middle + 1, head]])
      const totalEvents = full.events!.length
      assert.equal(result.events, totalEvents - Number(eventsBefore.n))
      assert.deepEqual(await dumpTables(restarted.db), full)
      assert.deepEqual(await indexer.runOnce(), { lastBlock: head, headBlock: head, batches: 0, events: 0, reorgs: [] })
    } finally {
      await restarted.close()
    }
  })

  test('a processor that throws mid-batch leaves the previous consistent state; a fixed run completes it', async () => {
    const { db } = await open()
    let closings = 0
    const failing = {
      ...processors,
      Marketplace: {
        ...processors.Marketplace,
        TradeClosed: async (...args: Parameters<NonNullable<typeof processors.Marketplace.TradeClosed>>) => {
          if (++closings === 4) throw new Error('injected failure')
          return processors.Marketplace.TradeClosed!(...args)
        },
      },
    }
    const crashing = indexerFor(db, { batchSize: 10, processors: failing })
    await assert.rejects(crashing.runOnce(), (e: unknown) => e instanceof IndexerProcessorError && e.event === 'Marketplace.TradeClosed' && e.details === 'injected failure')
    const committed = (await getIndexerStatus(db))!.lastBlock
    assert.ok(committed > 0 && committed < head)

    // The tables hold exactly the committed ranges: equal to a fresh index up to that block.
    const reference = await open()
    await indexerFor(reference.db).runOnce({ toBlock: committed })
    assert.deepEqual(await dumpTables(db), await dumpTables(reference.db))

    await indexerFor(db).runOnce()
    assert.deepEqual(await dumpTables(db), full)
  })

  test('refuses a database of another deployment, and a deployment record the chain contradicts', async () => {
    const { db } = await open()
    await indexerFor(db).runOnce({ toBlock: 3 })
    await db.updateTable('indexer_state').set({ contracts: '{"Marketplace":"0x0000000000000000000000000000000000000001"}' }).execute()
    await assert.rejects(indexerFor(db).runOnce(), (e: unknown) => e instanceof IndexerConfigurationError && /not this deployment/.test(e.shortMessage))
    const wrongTreasury = new Indexer({ db, publicClient: w.client.publicClient, deployment: { ...w.deployment, treasury: w.buyer.address } })
    await assert.rejects(wrongTreasury.runOnce(), (e: unknown) => e instanceof IndexerConfigurationError && /treasury/.test(e.shortMessage))
    const wrongChain = new Indexer({ db, publicClient: w.client.publicClient, deployment: { ...w.deployment, chainId: 1 } })
    await assert.rejects(wrongChain.runOnce(), IndexerConfigurationError)
  })
})
