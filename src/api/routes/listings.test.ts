/**
 * Listing routes: create from an uploaded asset or from a content hash, search with filters
 * and pagination (database), read one (database, or the chain before indexing), close — and
 * their refusals, each naming the field or the contract error.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { keccak256, parseEther, toHex } from 'viem'
import { signApiRequest } from '../auth/signApiRequest.ts'
import { createApiWorld, json, type ApiWorld } from '../testing/apiWorld.ts'

describe('listings', () => {
  let t: ApiWorld
  before(async () => {
    t = await createApiWorld({ database: 'sqlite', storage: true })
  })
  after(async () => t.close())

  const terms = (over: Record<string, unknown> = {}) => ({
    contentHash: keccak256(toHex('weekly sales by region')),
    storageProvider: t.keys.storage.address,
    category: 1,
    arbitrator: t.world.listingDefaults.arbitrator,
    minPrice: parseEther('100').toString(),
    buyerDeposit: parseEther('10').toString(),
    sellerDeposit: parseEther('20').toString(),
    quantity: 50,
    dataType: 'text/csv',
    description: 'Weekly sales by region',
    ...over,
  })

  test('create from a content hash, then read it before and after indexing', async () => {
    const res = await t.send('POST', '/v1/listings', { as: t.keys.seller, body: terms() })
    const created = await json(res)
    assert.equal(res.status, 201, JSON.stringify(created))
    const before = await json(await t.send('GET', `/v1/listings/${created.listingId}`))
    assert.equal(before.source, 'chain')
    assert.equal(before.standing, parseEther('100').toString(), 'standing deposit defaults to 5 × sellerDeposit')
    await t.index()
    const indexed = await json(await t.send('GET', `/v1/listings/${created.listingId}`))
    assert.equal(indexed.source, 'database')
    assert.equal(indexed.description, 'Weekly sales by region')
    assert.equal(indexed.seller, t.keys.seller.address)
  })

  test('create from an asset uploaded to this node: the storage provider defaults to the node', async () => {
    const asset = 'sku,units\nA-1,4\n'
    const sha = `0x${createHash('sha256').update(asset).digest('hex')}` as const
    const headers = await signApiRequest(t.keys.seller, { chainId: t.world.deployment.chainId, method: 'POST', path: '/v1/uploads', bodySha256: sha })
    const up = await t.app.request('/v1/uploads', { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: asset })
    const uploaded = await json(up)
    assert.equal(up.status, 201, JSON.stringify(uploaded))
    assert.equal(uploaded.contentHash, sha)
    const { storageProvider: _omit, ...withoutStorage } = terms({ contentHash: sha, description: 'Stock units per SKU' })
    const res = await t.send('POST', '/v1/listings', { as: t.keys.seller, body: withoutStorage })
    const created = await json(res)
    assert.equal(res.status, 201, JSON.stringify(created))
    assert.equal(created.storageProvider, t.storage!.address)
  })

  test('search: filters, text, sort and cursor pagination', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await t.send('POST', '/v1/listings', { as: t.keys.seller, body: terms({ category: 3, minPrice: parseEther(String(100 + i)).toString(), description: `Basket series ${i}` }) })
      assert.equal(res.status, 201)
    }
    await t.index()
    const page1 = await json(await t.send('GET', '/v1/listings?category=3&sort=price_desc&limit=2'))
    assert.deepEqual(page1.items.map((l: any) => l.minPrice), [parseEther('104'), parseEther('103')].map(String))
    const page2 = await json(await t.send('GET', `/v1/listings?category=3&sort=price_desc&limit=2&cursor=${page1.nextCursor}`))
    assert.deepEqual(page2.items.map((l: any) => l.minPrice), [parseEther('102'), parseEther('101')].map(String))
    const text = await json(await t.send('GET', '/v1/listings?text=basket%20seri&maxPrice=' + parseEther('101')))
    assert.equal(text.items.length, 2)
    const none = await json(await t.send('GET', '/v1/listings?seller=' + t.keys.buyer.address))
    assert.deepEqual(none.items, [])
  })

  test('search refusals name the parameter', async () => {
    const cases: [string, string][] = [
      ['/v1/listings?limit=0', 'query.limit'],
      ['/v1/listings?limit=abc', 'query.limit'],
      ['/v1/listings?category=-1', 'query.category'],
      ['/v1/listings?sort=cheapest', 'query.sort'],
      ['/v1/listings?seller=0x12', 'query.seller'],
      ['/v1/listings?cursor=not-a-cursor', 'query.cursor'],
      ['/v1/listings?minPrice=1.5', 'query.minPrice'],
    ]
    for (const [path, field] of cases) {
      const res = await t.send('GET', path)
      const body = await json(res)
      assert.equal(res.status, 400, path)
      assert.equal(body.error.field, field, path)
    }
  })

  test('create refusals: missing or malformed fields, unknown fields, no storage provider, contract refusals', async () => {
    const head = await t.world.client.publicClient.getBlockNumber()
    const expect = async (body: unknown, status: number, check: (e: any) => void) => {
      const res = await t.send('POST', '/v1/listings', { as: t.keys.seller, body })
      const b = await json(res)
      assert.equal(res.status, status, JSON.stringify(b))
      check(b.error)
    }
    const { dataType: _d, ...noType } = terms()
    await expect(noType, 400, (e) => assert.deepEqual([e.field, e.message], ['body.dataType', 'Invalid request: body.dataType is required.']))
    await expect(terms({ minPrice: '-1' }), 400, (e) => assert.equal(e.field, 'body.minPrice'))
    await expect(terms({ buyerDeposit: (1n << 96n).toString() }), 400, (e) => assert.equal(e.field, 'body.buyerDeposit'))
    await expect(terms({ contentHash: '0x1234' }), 400, (e) => assert.equal(e.field, 'body.contentHash'))
    await expect(terms({ price: '1' }), 400, (e) => assert.deepEqual([e.field, e.message], ['body.price', 'Invalid request: body.price is not a known field.']))
    const { storageProvider: _s, ...noStorage } = terms()
    await expect(noStorage, 400, (e) => assert.equal(e.field, 'body.storageProvider'))
    // Refusals by the contract carry its custom error's name and arguments.
    await expect(terms({ arbitrator: t.keys.storage.address }), 403, (e) => assert.deepEqual([e.code, e.args.key], ['MarketplaceNotActiveMember', t.keys.storage.address]))
    await expect(terms({ standingDeposit: parseEther('1').toString() }), 409, (e) => assert.deepEqual([e.code, e.args.needed], ['MarketplaceStandingDepositTooLow', parseEther('20').toString()]))
    await expect(terms({ quantity: 0 }), 400, (e) => assert.equal(e.field, 'body.quantity'))
    const notJson = await t.send('POST', '/v1/listings', { as: t.keys.seller, body: '{"category":', headers: { 'content-type': 'application/json' } })
    assert.equal(notJson.status, 400)
    assert.equal((await json(notJson)).error.field, 'body')
    const wrongType = await t.send('POST', '/v1/listings', { as: t.keys.seller, body: 'x', headers: { 'content-type': 'text/plain' } })
    assert.equal(wrongType.status, 415)
    assert.equal(await t.world.client.publicClient.getBlockNumber(), head)
  })

  test('one listing: 404 for an unknown id, 400 for a malformed one', async () => {
    assert.equal((await t.send('GET', '/v1/listings/424242')).status, 404)
    assert.equal((await t.send('GET', '/v1/listings/0')).status, 400)
    assert.equal((await t.send('GET', '/v1/listings/abc')).status, 400)
  })

  test('close: by the seller; refused for another key and twice', async () => {
    const id = await t.world.list()
    assert.equal((await t.send('POST', `/v1/listings/${id}/close`, { as: t.keys.buyer })).status, 403)
    assert.equal((await t.send('POST', `/v1/listings/${id}/close`, { as: t.keys.seller })).status, 200)
    const again = await t.send('POST', `/v1/listings/${id}/close`, { as: t.keys.seller })
    assert.equal(again.status, 409)
    assert.equal((await json(again)).error.code, 'MarketplaceListingClosed')
  })

  test('release: the standing deposit of a closed listing, once no trade can need it; refused before and for another key', async () => {
    const id = await t.world.list()
    const release = () => t.send('POST', `/v1/listings/${id}/release`, { as: t.keys.seller })
    const open = await release()
    assert.deepEqual([open.status, (await json(open)).error.code], [409, 'MarketplaceListingStillBacking'])
    assert.equal((await t.send('POST', `/v1/listings/${id}/close`, { as: t.keys.seller })).status, 200)
    const early = await json(await release())
    assert.equal(early.error.code, 'MarketplaceListingStillBacking')
    const now = Number((await t.world.client.publicClient.getBlock()).timestamp)
    await t.world.net.increaseTime(Number(early.error.args.releaseTime) - now + 60)
    const before = await t.world.client.balances(t.keys.seller.address)
    const other = await t.send('POST', `/v1/listings/${id}/release`, { as: t.keys.buyer })
    assert.deepEqual([other.status, (await json(other)).error.reason], [403, 'wrong-role'])
    const released = await release()
    assert.equal(released.status, 200, JSON.stringify(await released.clone().json()))
    assert.equal((await t.world.client.balances(t.keys.seller.address)).available, before.available + t.world.listingDefaults.standingDeposit)
    assert.equal((await t.world.client.listing(id)).standing, 0n)
    assert.equal((await t.send('POST', '/v1/listings/0/release', { as: t.keys.seller })).status, 400)
  })
})
