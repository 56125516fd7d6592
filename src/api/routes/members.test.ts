/**
 * Member routes: an organisation applies, binds a key, is admitted, suspended and
 * reinstated through the API; members are listed and read; a member's balances and history
 * are shown to its own keys and to supervisors only.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { parseEther } from 'viem'
import { createApiWorld, json, type ApiWorld } from '../testing/apiWorld.ts'

describe('members', () => {
  let t: ApiWorld
  before(async () => {
    t = await createApiWorld({ database: 'sqlite' })
  })
  after(async () => t.close())

  const post = async (path: string, as: keyof ApiWorld['keys'], body?: unknown) => {
    const res = await t.send('POST', path, { as: t.keys[as], body })
    return { status: res.status, body: await json(res) }
  }

  test('apply, bind a key, admit, suspend, reinstate', async () => {
    const org = t.keys.newOrg.address
    assert.equal((await post('/v1/members', 'newOrg', { name: 'Epsilon Foods', roles: ['Buyer', 'Auditor'] })).body.error.field, 'body.roles.1')
    assert.equal((await post('/v1/members', 'newBuyer', { name: 'Epsilon Foods', roles: ['Buyer'] })).body.error.reason, 'wrong-role', 'only the identity key applies')
    const applied = await post('/v1/members', 'newOrg', { name: 'Epsilon Foods', roles: ['Buyer'] })
    assert.deepEqual([applied.status, applied.body.org], [201, org])
    assert.equal((await post('/v1/members', 'newOrg', { name: 'Epsilon Foods', roles: ['Buyer'] })).body.error.code, 'AllianceAlreadyApplied')
    assert.equal((await t.send('GET', `/v1/members/${org}`).then(json)).status, 'Applied')

    assert.equal((await post(`/v1/members/${org}/keys`, 'sellerOrg', { role: 'Buyer', key: t.keys.newBuyer.address })).body.error.reason, 'not-owner')
    assert.equal((await post(`/v1/members/${org}/keys`, 'newOrg', { role: 'Buyer', key: t.keys.newBuyer.address })).status, 200)

    assert.equal((await post(`/v1/members/${org}/admission`, 'buyer')).status, 403)
    const admitted = await post(`/v1/members/${org}/admission`, 'supervisor')
    assert.equal(admitted.status, 200, JSON.stringify(admitted.body))
    assert.equal((await post(`/v1/members/${org}/admission`, 'supervisor')).body.error.code, 'AllianceInvalidStatus')

    assert.equal((await post(`/v1/members/${org}/suspension`, 'supervisor', {})).body.error.field, 'body.reason')
    assert.equal((await post(`/v1/members/${org}/suspension`, 'supervisor', { reason: 'unpaid fees' })).status, 200)
    assert.equal((await t.send('GET', `/v1/members/${org}`).then(json)).status, 'Suspended')
    assert.equal((await post(`/v1/members/${org}/reinstatement`, 'supervisor')).status, 200)
    const unindexed = await json(await t.send('GET', `/v1/members/${org}`))
    assert.deepEqual([unindexed.source, unindexed.keys], ['chain', [{ key: t.keys.newBuyer.address, role: 'Buyer', bound: true }]], 'from the chain: the key bound to each granted role')

    await t.index()
    const member = await json(await t.send('GET', `/v1/members/${org}`))
    assert.deepEqual([member.source, member.name, member.status, member.roles], ['database', 'Epsilon Foods', 'Admitted', ['Buyer']])
    assert.equal(member.keys[0].key, t.keys.newBuyer.address)
    const buyers = await json(await t.send('GET', '/v1/members?role=Buyer&status=Admitted'))
    assert.ok(buyers.items.some((m: any) => m.org === org))
    assert.equal((await t.send('GET', '/v1/members?role=Owner')).status, 400)
    assert.equal((await t.send('GET', '/v1/members/0x0000000000000000000000000000000000000bad')).status, 404)
  })

  test("balances and history: the member's own keys and supervisors only", async () => {
    const org = t.world.orgs.buyer.address
    await t.world.buyer.order({ listingId: await t.world.list(), maxPrice: parseEther('500'), token: `0x${'22'.repeat(32)}` })
    await t.index()
    const own = await t.send('GET', `/v1/members/${org}/balances`, { as: t.keys.buyer })
    const balances = await json(own)
    assert.equal(own.status, 200, JSON.stringify(balances))
    assert.equal(balances.keys[0].address, t.keys.buyer.address)
    assert.ok(BigInt(balances.total.locked) > 0n, 'the order locked a deposit')
    assert.equal((await t.send('GET', `/v1/members/${org}/balances`, { as: t.keys.supervisor })).status, 200)
    const other = await t.send('GET', `/v1/members/${org}/balances`, { as: t.keys.buyer2 })
    assert.deepEqual([other.status, (await json(other)).error.reason], [403, 'not-owner'])
    assert.equal((await t.send('GET', `/v1/members/${org}/balances`)).status, 401)

    const history = await json(await t.send('GET', `/v1/members/${org}/history?limit=5`, { as: t.keys.buyerOrg }))
    assert.equal(history.items.length, 1)
    assert.equal(history.items[0].trade.buyer, t.keys.buyer.address)
    assert.equal((await t.send('GET', `/v1/members/${org}/history?open=maybe`, { as: t.keys.buyer })).status, 400)
    assert.equal((await t.send('GET', `/v1/members/${org}/history`, { as: t.keys.stranger })).status, 403)
  })
})
