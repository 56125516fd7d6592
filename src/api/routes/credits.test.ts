/** POST /v1/credits/mint: governance (AllianceCredit MINTER_ROLE) issues credits; every other signer is refused and nothing changes. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { parseEther } from 'viem'
import { createApiWorld, json, type ApiWorld } from '../testing/apiWorld.ts'

describe('credits', () => {
  let t: ApiWorld
  before(async () => {
    t = await createApiWorld()
  })
  after(async () => t.close())

  const mint = async (as: keyof ApiWorld['keys'], body: unknown) => {
    const res = await t.send('POST', '/v1/credits/mint', { as: t.keys[as], body })
    return { status: res.status, body: await json(res) }
  }

  test('governance mints to any address', async () => {
    const before = (await t.world.client.balances(t.keys.newBuyer.address)).tokens
    const r = await mint('governance', { to: t.keys.newBuyer.address, amount: parseEther('75').toString() })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual([r.body.to, r.body.amount], [t.keys.newBuyer.address, parseEther('75').toString()])
    assert.match(r.body.tx.hash, /^0x[0-9a-f]{64}$/)
    assert.equal((await t.world.client.balances(t.keys.newBuyer.address)).tokens, before + parseEther('75'))
  })

  test('refusals: a local key without MINTER_ROLE, a stranger, bad fields — the chain unchanged', async () => {
    const head = await t.world.client.publicClient.getBlockNumber()
    const ok = { to: t.keys.buyer.address, amount: '1' }
    const notMinter = await mint('sellerOrg', ok)
    assert.deepEqual([notMinter.status, notMinter.body.error.reason], [403, 'wrong-role'])
    assert.match(notMinter.body.error.message, /is not a Minter key/)
    assert.equal((await mint('seller', ok)).body.error.reason, 'wrong-role')
    assert.equal((await mint('stranger', ok)).body.error.reason, 'not-local-key')
    assert.equal((await t.send('POST', '/v1/credits/mint', { body: ok })).status, 401)
    assert.equal((await mint('governance', { ...ok, to: '0x12' })).body.error.field, 'body.to')
    assert.equal((await mint('governance', { ...ok, amount: '0' })).body.error.field, 'body.amount')
    assert.equal((await mint('governance', { ...ok, amount: '1.5' })).body.error.field, 'body.amount')
    assert.equal((await mint('governance', { ...ok, note: 'x' })).body.error.field, 'body.note')
    assert.equal(await t.world.client.publicClient.getBlockNumber(), head)
  })
})
