/** Ownership challenge-response through the API (SPEC.md section 2.2). */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
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
})
