/**
 * The indexer against a world after a full market history (trades, every dispute outcome,
 * every time-out) and a supervision history, on SQLite and PostgreSQL: rows as the chain
 * has them, resume after a restart, a processor failure that leaves the last committed
 * state, and a database indexed before the deployment had its Supervision contract.
 */
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import type { Address } from 'viem'
import { deploySupervision } from '../chain/deploy.ts'
import { AllianceAbi } from '../contracts/generated.ts'
import { getIndexerStatus } from '../db/queries/indexerStatus.ts'
import { getListing } from '../db/queries/listings.ts'
import { getAccount, getMember, getMemberBalances, getMemberTrades, listMembers } from '../db/queries/members.ts'
import { listPricingRounds } from '../db/queries/pricing.ts'
import { getTrade, listDisputes, listTrades } from '../db/queries/trades.ts'
import { dumpTables } from '../db/testing/dumpTables.ts'
import { describeEachDatabase } from '../db/testing/testDatabases.ts'
import { IndexerConfigurationError, IndexerProcessorError } from '../errors/db.ts'
import { createWorld, newKeyAccount, type World } from '../testing/world.ts'
import { Indexer, type IndexerParameters } from './Indexer.ts'
import { processors } from './processors/registry.ts'
import { channelIdText } from './processors/supervision.ts'
import { assertBalancesMatchChain, assertPricingMatchesChain, assertSupervisionMatchesChain, assertTradesMatchChain, runMarketScenario, runSupervisionScenario, type ScenarioTrades } from './testing/scenario.ts'

let w: World
let trades: ScenarioTrades
let listings: bigint[]
let channels: bigint[]
let foreign: Address
let head: number

before(async () => {
  w = await createWorld()
  ;({ trades, listings } = await runMarketScenario(w))
  channels = await runSupervisionScenario(w, trades)
  // A Supervision contract of another deployment (another marketplace) on the same chain.
  const deployer = newKeyAccount()
  foreign = await deploySupervision({ publicClient: w.client.publicClient, walletClient: w.net.walletFor(deployer), account: deployer, alliance: w.deployment.alliance, marketplace: w.deployment.credit })
  head = Number(await w.client.publicClient.getBlockNumber({ cacheTime: 0 }))
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

    // Supervision: channels, joins, keys and batches reproduce the chain.
    await assertSupervisionMatchesChain(db, w, channels)
    const channel = async (t: keyof ScenarioTrades) => {
      const row = (await db.selectFrom('supervision_channels').selectAll().where('channel_id', '=', channelIdText(trades[t].id)).executeTakeFirst())!
      return [row.kind, JSON.parse(row.members).length, JSON.parse(row.supervisors)]
    }
    const regulator = w.orgs.supervisor.address.toLowerCase()
    assert.deepEqual(await channel('settled'), [2, 3, [regulator]], 'overseer added at opening; its join adds nothing')
    assert.deepEqual(await channel('downloadUpheld'), [3, 4, [regulator]])
    assert.deepEqual(await channel('stillOpen'), [1, 2, [regulator]])
    assert.deepEqual(await channel('lateRound'), [2, 3, [regulator]], 'opened without overseers, joined twice: once in the set')
    const events = await db.selectFrom('supervision_channel_events').select(['event', 'org']).orderBy('block_number').orderBy('log_index').execute()
    assert.deepEqual(
      events.map((e) => e.event),
      [
        'EncryptionKeyPublished', 'OversightChanged', ...Array(5).fill('EncryptionKeyPublished'), // createWorld
        'ChannelOpened', 'ChannelOpened', 'ChannelOpened', 'EncryptionKeyPublished', 'OversightChanged', 'ChannelOpened',
        'SupervisorJoined', 'SupervisorJoined', 'SupervisorJoined', 'OversightChanged', 'HeadsCommitted', 'HeadsCommitted',
      ],
    )
    assert.equal((await db.selectFrom('supervision_keys').selectAll().execute()).length, 6)
    assert.equal(
      Number((await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('contract', '=', 'Supervision').executeTakeFirstOrThrow()).n),
      events.length,
      'every Supervision event also in the raw events table',
    )

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

  test('a database indexed before the deployment had its Supervision contract is taken over only if it missed no Supervision event', async () => {
    const withoutSupervision = (contracts: string) => {
      const { Supervision: _, ...rest } = JSON.parse(contracts) as Record<string, string>
      return JSON.stringify(rest)
    }
    // Indexed up to a block before the Supervision contract's first event: taken over, and completed.
    const { db } = await open()
    const firstSupervisionEvent = await w.client.publicClient.getLogs({ address: w.deployment.supervision, fromBlock: BigInt(w.deployment.fromBlock) })
    const before = Number(firstSupervisionEvent[0]!.blockNumber) - 1
    await indexerFor(db).runOnce({ toBlock: before })
    const state = await db.selectFrom('indexer_state').select('contracts').executeTakeFirstOrThrow()
    await db.updateTable('indexer_state').set({ contracts: withoutSupervision(state.contracts) }).execute()
    await indexerFor(db).runOnce()
    assert.equal((await db.selectFrom('indexer_state').select('contracts').executeTakeFirstOrThrow()).contracts, state.contracts)
    assert.deepEqual(await dumpTables(db), full)

    // Indexed past Supervision events it did not follow: refused.
    const late = await open()
    await indexerFor(late.db).runOnce({ toBlock: before + 1 })
    await late.db.updateTable('indexer_state').set({ contracts: withoutSupervision(state.contracts) }).execute()
    await assert.rejects(indexerFor(late.db).runOnce(), (e: unknown) => e instanceof IndexerConfigurationError && /not this deployment/.test(e.shortMessage))
  })

  test('refuses a database of another deployment, and a deployment record the chain contradicts', async () => {
    const { db } = await open()
    await indexerFor(db).runOnce({ toBlock: 3 })
    await db.updateTable('indexer_state').set({ contracts: '{"Marketplace":"0x0000000000000000000000000000000000000001"}' }).execute()
    await assert.rejects(indexerFor(db).runOnce(), (e: unknown) => e instanceof IndexerConfigurationError && /not this deployment/.test(e.shortMessage))
    const wrongTreasury = new Indexer({ db, publicClient: w.client.publicClient, deployment: { ...w.deployment, treasury: w.buyer.address } })
    await assert.rejects(wrongTreasury.runOnce(), (e: unknown) => e instanceof IndexerConfigurationError && /treasury/.test(e.shortMessage))
    const notSupervision = new Indexer({ db, publicClient: w.client.publicClient, deployment: { ...w.deployment, supervision: w.deployment.credit } })
    await assert.rejects(notSupervision.runOnce(), (e: unknown) => e instanceof IndexerConfigurationError && /not a Supervision contract/.test(e.shortMessage))
    const foreignSupervision = new Indexer({ db, publicClient: w.client.publicClient, deployment: { ...w.deployment, supervision: foreign } })
    await assert.rejects(foreignSupervision.runOnce(), (e: unknown) => e instanceof IndexerConfigurationError && /not this deployment/.test(e.shortMessage))
    const wrongChain = new Indexer({ db, publicClient: w.client.publicClient, deployment: { ...w.deployment, chainId: 1 } })
    await assert.rejects(wrongChain.runOnce(), IndexerConfigurationError)
  })
})
