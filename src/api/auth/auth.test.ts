/**
 * API authentication and authorisation, in process: a signed request is accepted; bad
 * signatures, stale or future timestamps, replayed nonces, tampered bodies or paths, keys
 * this node does not hold, keys of the wrong role and keys of another organisation are
 * refused — each with its reason, and without changing the chain.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { parseEther } from 'viem'
import { createApi } from '../createApi.ts'
import { createApiWorld, json, type ApiWorld } from '../testing/apiWorld.ts'
import { authHeaders, sha256Hex } from './apiRequest.ts'
import { NonceCache } from './NonceCache.ts'
import { signApiRequest } from './signApiRequest.ts'
import { verifyApiRequest } from './verifyApiRequest.ts'

describe('verifyApiRequest', () => {
  test('recovers the signer of a well-formed request and refuses any change', async () => {
    const { privateKeyToAccount, generatePrivateKey } = await import('viem/accounts')
    const account = privateKeyToAccount(generatePrivateKey())
    const body = '{"a":1}'
    const h = await signApiRequest(account, { chainId: 7, method: 'post', path: '/v1/x?y=1', body, timestamp: 1000 })
    const base = { chainId: 7, method: 'POST', path: '/v1/x?y=1', bodyHash: sha256Hex(body), header: (n: string) => h[n], now: 1010, windowSeconds: 60 }
    const ok = await verifyApiRequest(base)
    assert.equal(ok.signer, account.address)
    assert.equal(ok.timestamp, 1000)
    for (const change of [{ chainId: 8 }, { method: 'PUT' }, { path: '/v1/x?y=2' }, { bodyHash: sha256Hex('{"a":2}') }]) {
      await assert.rejects(verifyApiRequest({ ...base, ...change }), { name: 'ApiAuthenticationError', reason: 'bad-signature' })
    }
    await assert.rejects(verifyApiRequest({ ...base, now: 1061 }), { reason: 'stale' })
    await assert.rejects(verifyApiRequest({ ...base, now: 939 }), { reason: 'stale' })
    await assert.rejects(verifyApiRequest({ ...base, header: (n) => (n === authHeaders.nonce ? undefined : h[n]) }), { reason: 'missing', field: authHeaders.nonce })
    await assert.rejects(verifyApiRequest({ ...base, header: (n) => (n === authHeaders.signature ? '0x1234' : h[n]) }), { reason: 'malformed', field: authHeaders.signature })
    await assert.rejects(verifyApiRequest({ ...base, header: (n) => (n === authHeaders.timestamp ? '-5' : h[n]) }), { reason: 'malformed', field: authHeaders.timestamp })
  })

  test('NonceCache accepts a nonce once per signer and forgets it after the window', () => {
    const cache = new NonceCache({ windowSeconds: 60, maxEntries: 2 })
    cache.use('0xA', '0x01', 100, 100)
    assert.throws(() => cache.use('0xa', '0x01', 100, 120), { name: 'ApiAuthenticationError', reason: 'replayed' })
    cache.use('0xB', '0x01', 100, 100) // another signer, same nonce
    assert.throws(() => cache.use('0xC', '0x01', 100, 100), { name: 'ApiTooManyRequestsError' })
    cache.use('0xC', '0x01', 100, 161) // both earlier entries expired at 160
    assert.equal(cache.size, 1)
  })
})

describe('signed requests through the app', () => {
  let t: ApiWorld
  let head: bigint
  before(async () => {
    t = await createApiWorld()
  })
  after(async () => t.close())

  const order = (listingId = '999') => ({ listingId, maxPrice: parseEther('500').toString() })
  const expectRefused = async (res: Response, status: number, code: string, reason?: string) => {
    const body = await json(res)
    assert.equal(res.status, status, JSON.stringify(body))
    assert.equal(body.error.code, code)
    if (reason) assert.equal(body.error.reason, reason)
    assert.equal(await t.world.client.publicClient.getBlockNumber(), head, 'a refused request changed the chain')
    return body
  }

  test('accepted: a local key of the right role, signing its own request', async () => {
    head = await t.world.client.publicClient.getBlockNumber()
    // Listing 999 does not exist: authentication passed, the contract lookup answers 404.
    const res = await t.send('POST', '/v1/orders', { as: t.keys.buyer, body: order() })
    assert.equal(res.status, 404)
    const res2 = await t.send('GET', '/v1/balances', { as: t.keys.stranger })
    assert.equal(res2.status, 200, 'reads of the own balances need a valid signature only')
    assert.equal((await json(res2)).address, t.keys.stranger.address)
  })

  test('refused: no signature', async () => {
    await expectRefused(await t.send('POST', '/v1/orders', { body: order() }), 401, 'UNAUTHENTICATED', 'missing')
  })

  test('refused: a signature by another key than the address claims', async () => {
    const forged = await t.send('POST', '/v1/orders', { as: t.keys.stranger, body: order(), tamper: (h) => (h[authHeaders.address] = t.keys.buyer.address) })
    await expectRefused(forged, 401, 'UNAUTHENTICATED', 'bad-signature')
  })

  test('refused: a body or path other than the one signed', async () => {
    const signed = await signApiRequest(t.keys.buyer, { chainId: t.world.deployment.chainId, method: 'POST', path: '/v1/orders', body: JSON.stringify(order('1')) })
    const swapped = await t.app.request('/v1/orders', { method: 'POST', headers: { ...signed, 'content-type': 'application/json' }, body: JSON.stringify(order('2')) })
    await expectRefused(swapped, 401, 'UNAUTHENTICATED', 'bad-signature')
    const moved = await t.app.request('/v1/balances/withdraw', { method: 'POST', headers: { ...signed, 'content-type': 'application/json' }, body: JSON.stringify(order('1')) })
    await expectRefused(moved, 401, 'UNAUTHENTICATED', 'bad-signature')
  })

  test('refused: a stale or future timestamp', async () => {
    const now = Math.floor(Date.now() / 1000)
    await expectRefused(await t.send('POST', '/v1/orders', { as: t.keys.buyer, body: order(), timestamp: now - 61 }), 401, 'UNAUTHENTICATED', 'stale')
    await expectRefused(await t.send('POST', '/v1/orders', { as: t.keys.buyer, body: order(), timestamp: now + 120 }), 401, 'UNAUTHENTICATED', 'stale')
  })

  test('refused: a request signed before the API started (replays across a restart)', async () => {
    const startedAt = Math.floor(Date.now() / 1000)
    const restarted = createApi({ ...t.deps, options: { now: () => (startedAt + 30) * 1000 } })
    const body = JSON.stringify(order())
    const headers = { ...(await signApiRequest(t.keys.buyer, { chainId: t.world.deployment.chainId, method: 'POST', path: '/v1/orders', body, timestamp: startedAt + 29 })), 'content-type': 'application/json' }
    const res = await restarted.request('/v1/orders', { method: 'POST', headers, body })
    await expectRefused(res, 401, 'UNAUTHENTICATED', 'stale')
  })

  test('refused: a replayed nonce', async () => {
    const body = JSON.stringify(order())
    const headers = { ...(await signApiRequest(t.keys.buyer, { chainId: t.world.deployment.chainId, method: 'POST', path: '/v1/orders', body })), 'content-type': 'application/json' }
    assert.equal((await t.app.request('/v1/orders', { method: 'POST', headers, body })).status, 404)
    await expectRefused(await t.app.request('/v1/orders', { method: 'POST', headers, body }), 401, 'UNAUTHENTICATED', 'replayed')
  })

  test('refused: a key of no local organisation (the node never acts for it)', async () => {
    const body = await expectRefused(await t.send('POST', '/v1/orders', { as: t.keys.stranger, body: order() }), 403, 'FORBIDDEN', 'not-local-key')
    assert.match(body.error.message, new RegExp(t.keys.stranger.address))
  })

  test('refused: a local key of the wrong role', async () => {
    await expectRefused(await t.send('POST', '/v1/orders', { as: t.keys.seller, body: order() }), 403, 'FORBIDDEN', 'wrong-role')
    await expectRefused(await t.send('POST', '/v1/members/0x0000000000000000000000000000000000000001/admission', { as: t.keys.buyer }), 403, 'FORBIDDEN', 'wrong-role')
  })

  test('refused: a key of another organisation acting on a trade it is not part of', async () => {
    const listingId = await t.world.list()
    const { trade } = await t.world.buyer.order({ listingId, maxPrice: parseEther('500'), token: `0x${'11'.repeat(32)}` })
    head = await t.world.client.publicClient.getBlockNumber()
    const res = await t.send('POST', `/v1/trades/0x${trade.id.toString(16)}/confirmation`, { as: t.keys.buyer2, body: { verdict: 'Ok' } })
    const body = await expectRefused(res, 403, 'MarketplaceUnauthorized')
    assert.ok(body.error.args, 'a contract refusal carries its arguments')
  })

  test('refused: an inactive role (suspended organisation), checked on chain', async () => {
    const t2 = await createApiWorld({ api: { roleCacheMs: 0 } })
    try {
      await t2.world.supervisor.suspend(t2.world.orgs.buyer.address, 'audit')
      head = await t2.world.client.publicClient.getBlockNumber()
      const res = await t2.send('POST', '/v1/orders', { as: t2.keys.buyer, body: order() })
      const body = await json(res)
      assert.equal(res.status, 403)
      assert.equal(body.error.reason, 'role-inactive')
      assert.equal(await t2.world.client.publicClient.getBlockNumber(), head)
    } finally {
      await t2.close()
    }
  })

  test('logs carry request ids and signers, never signatures or bodies', async () => {
    const res = await t.send('GET', '/v1/balances', { as: t.keys.buyer, headers: { 'x-request-id': 'req-42' } })
    assert.equal(res.headers.get('x-request-id'), 'req-42')
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.reqId === 'req-42' && l.msg === 'request')
    assert.equal(line.signer, t.keys.buyer.address)
    assert.equal(line.status, 200)
    const all = t.logs.join('')
    assert.doesNotMatch(all, /x-bourse-signature"?:/i)
    assert.doesNotMatch(all, /0x[0-9a-f]{130}/i, 'no 65-byte signature in the logs')
  })
})
