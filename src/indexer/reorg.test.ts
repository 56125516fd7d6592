/**
 * Reorganisations for real on the in-memory devnet: index a fork, revert the chain to a
 * snapshot (evm_revert), mine different transactions, index again — the tables must equal a
 * fresh index of the new chain. Also: a reorganisation deeper than the undo window, and
 * confirmations with the start()/stop() loop.
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { before, test } from 'node:test'
import { createPublicClient, custom, keccak256, parseEther, toHex, type Hex, type PublicClient } from 'viem'
import { getListing } from '../db/queries/listings.ts'
import { getMember } from '../db/queries/members.ts'
import { dumpTables } from '../db/testing/dumpTables.ts'
import { describeEachDatabase } from '../db/testing/testDatabases.ts'
import { ReorgTooDeepError } from '../errors/db.ts'
import { generateEncryptionKeyPair } from '../identity/encryptionKey.ts'
import { createDevnet, type Devnet } from '../testing/devnet.ts'
import { createWorld, newToken, type World } from '../testing/world.ts'
import { Indexer, type IndexerParameters } from './Indexer.ts'
import { channelIdText } from './processors/supervision.ts'
import { assertBalancesMatchChain, assertSupervisionMatchesChain, assertTradesMatchChain } from './testing/scenario.ts'

let net: Devnet
let w: World
let listingId: bigint
let base: Hex

before(async () => {
  net = await createDevnet()
  w = await createWorld({ chain: { publicClient: net.publicClient, walletFor: net.wallet, increaseTime: net.increaseTime } })
  listingId = await w.list()
  base = await net.testClient.snapshot()
})

/** Reverts the chain to `snapshot` and forgets the nonces the world's keys had counted past it. */
async function revertTo(snapshot: Hex): Promise<void> {
  await net.testClient.revert({ id: snapshot })
  const chainId = await net.publicClient.getChainId()
  for (const account of [...Object.values(w.parties).map((a) => a.account), w.supervisor.account, w.governance.account, ...Object.values(w.orgs)]) {
    account.nonceManager?.reset({ address: account.address, chainId })
  }
}

/** Every test starts from the same chain: the world with one listing. */
async function fromBase(): Promise<void> {
  await revertTo(base)
  base = await net.testClient.snapshot() // a snapshot is used up by reverting to it
}

const indexerFor = (db: IndexerParameters['db'], options: Partial<IndexerParameters> = {}) =>
  new Indexer({ db, publicClient: net.publicClient, deployment: w.deployment, ...options })

const maxPrice = parseEther('200')

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await sleep(5)
  }
}

describeEachDatabase('Indexer reorganisations', ({ open }) => {
  test('an orphaned fork is rolled back and the new one indexed: the tables equal a fresh index', async () => {
    await fromBase()
    const { db } = await open()
    const indexer = indexerFor(db)
    await indexer.runOnce()
    const forkPoint = Number(await net.publicClient.getBlockNumber())
    const fork = await net.testClient.snapshot()

    // Fork A: a settled trade, a new listing, a suspension, a deposit.
    const a = (await w.buyer.order({ listingId, maxPrice, token: newToken() })).trade
    await w.buyer.confirm(a, 'Ok')
    const onlyInA = await w.list({ description: 'only on the orphaned fork' })
    await w.supervisor.suspend(w.orgs.buyer2.address, 'fork A')
    await w.buyer.deposit(parseEther('5'))
    await w.seller.topUpStanding(listingId, parseEther('1'))
    // Supervision on fork A: a channel, a join, a key rotation, a batch root.
    const { buyer, buyer2, platform, seller } = w.orgs
    await w.platform.openChannels([{ channelId: a.id, kind: 'DePlPrSu', members: [buyer.address, platform.address, seller.address] }])
    await w.supervisor.join(a.id)
    await w.client.as(seller).publishEncryptionKey(generateEncryptionKeyPair().publicKey)
    await w.platform.commitHeads({ root: keccak256(toHex('fork A')), heads: 1, records: 1 })
    await indexer.runOnce()
    assert.equal((await getListing(db, onlyInA))?.description, 'only on the orphaned fork')
    assert.ok(await db.selectFrom('supervision_channels').select('channel_id').where('channel_id', '=', channelIdText(a.id)).executeTakeFirst())
    const lastOfA = Number(await net.publicClient.getBlockNumber())

    // Fork B, shorter than A: other orders from the same point.
    await revertTo(fork)
    const b = (await w.buyer2.order({ listingId, maxPrice, token: newToken() })).trade
    const disputed = (await w.buyer2.confirm(b, 'DownloadFailed')).trade
    const onlyInB = await w.list({ description: 'on the canonical fork', category: 3 })
    const keyB = generateEncryptionKeyPair().publicKey
    await w.client.as(seller).publishEncryptionKey(keyB)
    await w.platform.openChannels([{ channelId: b.id, kind: 'DePlSu', members: [buyer2.address, platform.address] }])
    assert.ok(Number(await net.publicClient.getBlockNumber()) < lastOfA)

    const reorgs: unknown[] = []
    indexer.on('reorg', (r) => reorgs.push(r))
    const result = await indexer.runOnce()
    assert.equal(result.reorgs.length, 1)
    assert.ok(result.reorgs[0]!.ancestor <= forkPoint && result.reorgs[0]!.restored > 0 && result.reorgs[0]!.deleted > 0)
    assert.deepEqual(reorgs, result.reorgs)

    assert.equal(onlyInB, onlyInA) // the same listing id, now a different listing
    assert.equal((await getListing(db, onlyInB))?.description, 'on the canonical fork')
    assert.equal((await getMember(db, w.orgs.buyer2.address))?.member.status, 'Admitted')
    const fresh = await open()
    await indexerFor(fresh.db).runOnce()
    assert.deepEqual(await dumpTables(db), await dumpTables(fresh.db))
    await assertTradesMatchChain(db, w, [b.id])
    await assertSupervisionMatchesChain(db, w, [b.id])
    assert.equal(await db.selectFrom('supervision_channels').select('channel_id').where('channel_id', '=', channelIdText(a.id)).executeTakeFirst(), undefined, 'fork A channel undone')
    assert.equal((await db.selectFrom('supervision_keys').select('public_key').where('org', '=', seller.address.toLowerCase()).executeTakeFirst())?.public_key, keyB.toLowerCase())
    assert.equal(disputed.state, 4)
    await assertBalancesMatchChain(db, w)

    // And again, to a fork longer than the indexed one.
    const fork2 = await net.testClient.snapshot()
    await w.buyer.deposit(parseEther('1'))
    await indexer.runOnce()
    await revertTo(fork2)
    for (let i = 0; i < 3; i++) await w.buyer.deposit(parseEther('2'))
    assert.equal((await indexer.runOnce()).reorgs.length, 1)
    const fresh2 = await open()
    await indexerFor(fresh2.db).runOnce()
    assert.deepEqual(await dumpTables(db), await dumpTables(fresh2.db))
  })

  test('a reorganisation deeper than reorgDepth stops the indexer and keeps its tables', async () => {
    await fromBase()
    const { db } = await open()
    const indexer = indexerFor(db, { reorgDepth: 2 })
    await indexer.runOnce()
    const fork = await net.testClient.snapshot()
    for (let i = 0; i < 5; i++) await w.buyer.deposit(parseEther('1'))
    await indexer.runOnce()
    const before = await dumpTables(db)
    await revertTo(fork)
    await w.buyer2.deposit(parseEther('3'))
    await assert.rejects(indexer.runOnce(), ReorgTooDeepError)
    assert.deepEqual(await dumpTables(db), before)
  })

  test('a node that lags behind the indexed head is waited for, not rolled back', async () => {
    await fromBase()
    const { db } = await open()
    const head = (await indexerFor(db).runOnce()).lastBlock
    const lagging = head - 4
    // A node that has only seen blocks up to `lagging` (e.g. behind a load balancer).
    const transport = custom({
      request: async ({ method, params }: { method: string; params?: unknown }) => {
        if (method === 'eth_blockNumber') return toHex(lagging)
        if (method === 'eth_getBlockByNumber' && Number((params as [Hex])[0]) > lagging) return null
        return net.provider.request({ method, params } as never)
      },
    })
    const behind = createPublicClient({ chain: net.chain, transport }) as PublicClient
    const result = await new Indexer({ db, publicClient: behind, deployment: w.deployment }).runOnce()
    assert.deepEqual(result, { lastBlock: head, headBlock: lagging, batches: 0, events: 0, reorgs: [] })
  })

  test('confirmations: the start() loop stays that many blocks behind the head', async () => {
    await fromBase()
    const { db } = await open()
    const indexer = indexerFor(db, { confirmations: 3, pollIntervalMs: 10 })
    const head = Number(await net.publicClient.getBlockNumber())
    let indexed = 0
    indexer.on('progress', (p) => (indexed = p.toBlock))
    indexer.start()
    try {
      await until(() => indexed === head - 3)
      await sleep(100) // several polls: it does not go further
      assert.equal(indexed, head - 3)
      await net.testClient.mine({ blocks: 3 })
      await until(() => indexed === head)
    } finally {
      await indexer.stop()
    }
    assert.deepEqual(await indexer.status(), { running: false, lastBlock: head, headBlock: head + 3, behind: 0 })
  })
})
