/** Ownership challenge-response through the API (SPEC.md section 2.2). */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { signOwnershipProof } from '../../identity/signing.ts'
import { createApiWorld, json, type ApiWorld } from '../testing/apiWorld.ts'

describe('ownership challenges', () => {
  let t: ApiWorld
  let listingId: bigint
  before(async () => {
    t = await createApiWorld()
    listingId = await t.world.list()
  })
  after(async () => t.close())

  const post = async (path: string, as: keyof ApiWorld['keys']) => {
    const res = await t.send('POST', path, { as: t.keys[as] })
    return { status: res.status, body: await json(res) }
  }

  test('create, answer with the seller key, verify on chain once', async () => {
    const created = await post(`/v1/listings/${listingId}/challenges`, 'buyer')
    assert.equal(created.status, 201)
    const { challenge } = created.body
    assert.match(challenge, /^0x[0-9a-f]{64}$/)
    assert.equal((await post(`/v1/challenges/${challenge}/verification`, 'buyer')).status, 409, 'not answered yet')
    const answered = await post(`/v1/challenges/${challenge}/response`, 'seller')
    assert.equal(answered.status, 200, JSON.stringify(answered.body))
    assert.match(answered.body.signature, /^0x[0-9a-f]{130}$/)
    assert.equal((await post(`/v1/challenges/${challenge}/response`, 'seller')).status, 409, 'answered once')
    assert.equal((await post(`/v1/challenges/${challenge}/verification`, 'buyer2')).body.error.reason, 'not-owner', 'only the requester verifies')
    const verified = await post(`/v1/challenges/${challenge}/verification`, 'buyer')
    assert.deepEqual([verified.status, verified.body.owner, verified.body.seller], [200, true, t.keys.seller.address])
    assert.equal((await post(`/v1/challenges/${challenge}/verification`, 'buyer')).status, 404, 'a challenge is verified once')
  })

  test("refusals: unknown listing or challenge, another seller's key, malformed ids", async () => {
    assert.equal((await post('/v1/listings/9999/challenges', 'buyer')).status, 404)
    assert.equal((await post(`/v1/challenges/0x${'ab'.repeat(32)}/response`, 'seller')).status, 404)
    assert.equal((await post('/v1/challenges/0x12/response', 'seller')).body.error.field, 'path.challenge')
    const { challenge } = (await post(`/v1/listings/${listingId}/challenges`, 'stranger')).body
    assert.equal((await post(`/v1/challenges/${challenge}/response`, 'buyer')).body.error.reason, 'wrong-role')
    assert.equal((await post(`/v1/listings/${listingId}/challenges`, 'buyer')).status, 201)
  })

  test('ownership check of a challenge signed anywhere: true only for the listing seller', async () => {
    const challenge = `0x${'5e'.repeat(32)}` as const
    const { chainId, marketplace } = t.world.deployment
    const sign = (account: ApiWorld['keys']['seller']) => signOwnershipProof({ account: account as never, chainId, marketplace, listingId, challenge })
    const check = async (id: bigint | string | number, query: Record<string, string>) => {
      const res = await t.send('GET', `/v1/listings/${id}/ownership?${new URLSearchParams(query)}`)
      return { status: res.status, body: await json(res) }
    }
    const bySeller = await sign(t.keys.seller)
    assert.deepEqual((await check(listingId, { challenge, signature: bySeller })).body, { listingId: listingId.toString(), challenge, owner: true })
    assert.equal((await check(listingId, { challenge, signature: await sign(t.keys.buyer) })).body.owner, false)
    assert.equal((await check(listingId, { challenge: `0x${'5f'.repeat(32)}`, signature: bySeller })).body.owner, false, 'another challenge')
    assert.equal((await check(9999, { challenge, signature: bySeller })).body.owner, false, 'no such listing: nobody owns it')
    assert.equal((await check(listingId, { challenge, signature: '0x1234' })).body.owner, false, 'a signature of the wrong length')
    assert.equal((await check(listingId, { challenge, signature: '0x123' })).body.error.field, 'query.signature')
    assert.equal((await check(listingId, { signature: bySeller })).body.error.field, 'query.challenge')
    assert.equal((await check(0, { challenge, signature: bySeller })).body.error.field, 'path.listingId')
  })
})
