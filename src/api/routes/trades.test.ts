/**
 * Order and trade routes: order (token returned once and kept by the node), accept,
 * download confirmation, confirmation with each kind of verdict, dispute decision, time-out,
 * a trade and its timeline — and their refusals.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { keccak256, parseEther } from 'viem'
import { createApiWorld, json, type ApiWorld } from '../testing/apiWorld.ts'

describe('orders and trades', () => {
  let t: ApiWorld
  before(async () => {
    t = await createApiWorld()
  })
  after(async () => t.close())

  const order = async (listingId: bigint, maxPrice = parseEther('500')) => {
    const res = await t.send('POST', '/v1/orders', { as: t.keys.buyer, body: { listingId: listingId.toString(), maxPrice: maxPrice.toString() } })
    const body = await json(res)
    assert.equal(res.status, 201, JSON.stringify(body))
    return body
  }
  const act = async (path: string, as: keyof ApiWorld['keys'], body?: unknown) => {
    const res = await t.send('POST', path, { as: t.keys[as], body })
    return { status: res.status, body: await json(res) }
  }

  test('order: the token is committed on chain, returned once and kept in the vault', async () => {
    const listingId = await t.world.list()
    const o = await order(listingId)
    assert.equal(o.trade.stateName, 'Accepted', 'a listing that accepts at once')
    assert.equal(o.trade.tokenCommitment, keccak256(o.token))
    assert.equal(o.trade.buyer, t.keys.buyer.address)
    const file = join(t.dir, 'tokens', `${o.trade.idHex}.json`)
    assert.ok(existsSync(file))
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).token, o.token)
    const read = await json(await t.send('GET', `/v1/trades/${o.trade.idHex}`))
    assert.equal(read.trade.id, o.trade.id)
    assert.equal(read.token, undefined, 'the token is never shown again')
    assert.doesNotMatch(JSON.stringify(read), new RegExp(o.token.slice(2)))
    assert.doesNotMatch(t.logs.join(''), new RegExp(o.token.slice(2)), 'the token never reaches the logs')
  })

  test('accept, download confirmation, confirmation Ok: the trade settles; the timeline shows every step', async () => {
    const listingId = await t.world.list({ requiresAcceptance: true })
    const o = await order(listingId)
    assert.equal(o.trade.stateName, 'Ordered')
    const id = o.trade.idHex
    assert.equal((await act(`/v1/trades/${id}/accept`, 'buyer')).status, 403, 'the buyer cannot accept')
    const accepted = await act(`/v1/trades/${id}/accept`, 'seller')
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body))
    assert.equal(accepted.body.trade.stateName, 'Accepted')
    assert.equal((await act(`/v1/trades/${id}/download-confirmation`, 'storage')).body.trade.stateName, 'Downloaded')
    const settled = await act(`/v1/trades/${id}/confirmation`, 'buyer', { verdict: 'Ok' })
    assert.deepEqual([settled.status, settled.body.trade.stateName, settled.body.closed], [200, 'Settled', true])
    const timeline = await json(await t.send('GET', `/v1/trades/${id}/timeline`))
    assert.equal(timeline.source, 'chain')
    assert.deepEqual(timeline.entries.map((e: any) => e.event), ['TradeOpened', 'TradeUpdated', 'TradeUpdated', 'TradeClosed'])
    const details = await json(await t.send('GET', `/v1/trades/${BigInt(id)}`))
    assert.deepEqual([details.open, details.trade.stateName], [false, 'Settled'])
  })

  test('dispute: not as described, decided by the arbitrator', async () => {
    const o = await order(await t.world.list())
    const id = o.trade.idHex
    await act(`/v1/trades/${id}/download-confirmation`, 'storage')
    const disputed = await act(`/v1/trades/${id}/confirmation`, 'buyer', { verdict: 'NotAsDescribed' })
    assert.equal(disputed.body.trade.stateName, 'DisputedDescription')
    assert.equal((await act(`/v1/trades/${id}/decision`, 'seller', { buyerRight: true })).status, 403, 'only the arbitrator decides')
    assert.equal((await act(`/v1/trades/${id}/decision`, 'arbitrator', { buyerRight: 'yes' })).body.error.field, 'body.buyerRight')
    const decided = await act(`/v1/trades/${id}/decision`, 'arbitrator', { buyerRight: true })
    assert.deepEqual([decided.status, decided.body.trade.stateName], [200, 'Failed'])
  })

  test('time-out: refused before the deadline, resolves after it', async () => {
    const o = await order(await t.world.list({ requiresAcceptance: true }))
    const early = await act(`/v1/trades/${o.trade.idHex}/timeout`, 'buyer2')
    assert.deepEqual([early.status, early.body.error.code], [409, 'MarketplaceDeadlineNotReached'])
    await t.world.net.increaseTime(2 * 86_400)
    const resolved = await act(`/v1/trades/${o.trade.idHex}/timeout`, 'buyer2')
    assert.deepEqual([resolved.status, resolved.body.trade.stateName], [200, 'Failed'])
  })

  test('refusals: unknown trade or listing, bad ids, bad verdict, price above the maximum, wrong state', async () => {
    const listingId = await t.world.list()
    const head = await t.world.client.publicClient.getBlockNumber()
    assert.equal((await t.send('GET', '/v1/trades/0x1234')).status, 404)
    assert.equal((await t.send('GET', '/v1/trades/0x1234/timeline')).status, 404)
    assert.equal((await t.send('GET', '/v1/trades/12x')).status, 400)
    assert.equal((await act('/v1/trades/0x1234/accept', 'seller')).status, 404)
    const unknownListing = await t.send('POST', '/v1/orders', { as: t.keys.buyer, body: { listingId: '777', maxPrice: '1' } })
    assert.equal(unknownListing.status, 404)
    const cheap = await t.send('POST', '/v1/orders', { as: t.keys.buyer, body: { listingId: listingId.toString(), maxPrice: '1' } })
    const refusal = (await json(cheap)).error
    assert.equal(cheap.status, 409)
    assert.equal(refusal.code, 'MarketplacePriceAboveMax')
    assert.equal(refusal.args.maxPrice, '1')
    assert.equal((await t.send('POST', '/v1/orders', { as: t.keys.buyer, body: { listingId: listingId.toString() } })).status, 400)
    assert.equal(await t.world.client.publicClient.getBlockNumber(), head, 'nothing above changed the chain')
    const o = await order(listingId)
    const bad = await act(`/v1/trades/${o.trade.idHex}/confirmation`, 'buyer', { verdict: 'Great' })
    assert.deepEqual([bad.status, bad.body.error.field], [400, 'body.verdict'])
    const early = await act(`/v1/trades/${o.trade.idHex}/decision`, 'arbitrator', { buyerRight: true })
    assert.deepEqual([early.status, early.body.error.code], [409, 'MarketplaceWrongState'], 'no dispute to decide')
  })
})

describe('trade timeline from the database', () => {
  let t: ApiWorld
  before(async () => {
    t = await createApiWorld({ database: 'sqlite' })
  })
  after(async () => t.close())

  test('indexed entries say what each step did, as the chain timeline does', async () => {
    const { trade } = await t.world.buyer.order({ listingId: await t.world.list(), maxPrice: parseEther('500'), token: `0x${'44'.repeat(32)}` })
    const downloaded = await t.world.storage.confirmDownload(trade)
    const disputed = await t.world.buyer.confirm(downloaded.trade, 'NotAsDescribed')
    await t.world.arbitrator.decideDispute(disputed.trade, false)
    await t.index()
    const indexed = await json(await t.send('GET', `/v1/trades/${trade.id}/timeline`))
    assert.equal(indexed.source, 'database')
    const chain = (await t.world.client.trade(trade.id)).timeline
    assert.deepEqual(indexed.entries.map((e: any) => e.event), chain.map((e) => e.event))
    for (const event of ['DisputeOpened', 'DisputeDecided', 'DepositForfeited', 'TradeClosed']) assert.ok(chain.some((e) => e.event === event), event)
    assert.deepEqual(indexed.entries.map((e: any) => e.summary), chain.map((e) => e.summary))
    assert.ok(indexed.entries.some((e: any) => e.summary === 'dispute opened: NotAsDescribed'))
  })
})
