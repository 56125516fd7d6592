/** Balance routes: a key reads its balances, deposits credits and withdraws them; refusals change nothing. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { parseEther } from 'viem'
import { createApiWorld, json, type ApiWorld } from '../testing/apiWorld.ts'

describe('balances', () => {
  let t: ApiWorld
  before(async () => {
    t = await createApiWorld()
  })
  after(async () => t.close())

  test('deposit then withdraw part and all', async () => {
    const start = await json(await t.send('GET', '/v1/balances', { as: t.keys.buyer }))
    assert.equal(start.available, '0')
    const dep = await t.send('POST', '/v1/balances/deposit', { as: t.keys.buyer, body: { amount: parseEther('50').toString() } })
    const deposited = await json(dep)
    assert.equal(dep.status, 200, JSON.stringify(deposited))
    assert.equal(deposited.balances.available, parseEther('50').toString())
    assert.equal(BigInt(deposited.balances.tokens), BigInt(start.tokens) - parseEther('50'))
    const part = await json(await t.send('POST', '/v1/balances/withdraw', { as: t.keys.buyer, body: { amount: parseEther('20').toString() } }))
    assert.equal(part.balances.available, parseEther('30').toString())
    const all = await json(await t.send('POST', '/v1/balances/withdraw', { as: t.keys.buyer, body: { amount: 'all' } }))
    assert.equal(all.balances.available, '0')
    assert.equal(all.balances.tokens, start.tokens)
  })

  test('refusals: nothing to withdraw, more than available, more than held, zero, a key of no local organisation', async () => {
    const head = await t.world.client.publicClient.getBlockNumber()
    const expect = async (path: string, body: unknown, status: number, check: (e: any) => void, as = t.keys.buyer) => {
      const res = await t.send('POST', path, { as, body })
      const b = await json(res)
      assert.equal(res.status, status, JSON.stringify(b))
      check(b.error)
    }
    await expect('/v1/balances/withdraw', { amount: 'all' }, 409, (e) => assert.equal(e.code, 'CONFLICT'))
    await expect('/v1/balances/withdraw', { amount: '5' }, 409, (e) => assert.deepEqual([e.code, e.args.needed], ['MarketplaceInsufficientBalance', '5']))
    await expect('/v1/balances/deposit', { amount: parseEther('1000000000').toString() }, 409, (e) => assert.equal(e.code, 'CONFLICT'))
    await expect('/v1/balances/deposit', { amount: '0' }, 400, (e) => assert.equal(e.field, 'body.amount'))
    await expect('/v1/balances/deposit', { amount: 5 }, 400, (e) => assert.equal(e.field, 'body.amount'))
    await expect('/v1/balances/deposit', { amount: '5' }, 403, (e) => assert.equal(e.reason, 'not-local-key'), t.keys.stranger)
    assert.equal(await t.world.client.publicClient.getBlockNumber(), head)
  })
})
