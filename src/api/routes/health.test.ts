/**
 * Operations routes: /health and /ready, the OpenAPI document and the browsable docs served
 * from local files only; and a node without database or storage answering 503 where it must.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createApiWorld, json, type ApiWorld } from '../testing/apiWorld.ts'

describe('operations', () => {
  let t: ApiWorld
  before(async () => {
    t = await createApiWorld({ database: 'sqlite' })
  })
  after(async () => t.close())

  test('/health reports the chain head, the database and the indexer lag; /ready follows the indexer', async () => {
    const notYet = await t.send('GET', '/ready')
    assert.equal(notYet.status, 503)
    assert.match((await json(notYet)).reasons[0], /indexer/)
    await t.index()
    const health = await json(await t.send('GET', '/health'))
    const head = Number(await t.world.client.publicClient.getBlockNumber())
    assert.deepEqual(health.chain, { ok: true, chainId: 31337, head })
    assert.deepEqual(health.database, { ok: true, dialect: 'sqlite' })
    assert.equal(health.indexer.lastBlock, head)
    assert.equal(health.indexer.lag, 0)
    assert.equal(health.status, 'ok')
    assert.deepEqual(await json(await t.send('GET', '/ready')), { ready: true, reasons: [] })
  })

  test('/openapi.json is an OpenAPI 3.1 document of every route, with the signature scheme', async () => {
    const doc = await json(await t.send('GET', '/openapi.json'))
    assert.equal(doc.openapi, '3.1.0')
    const paths = Object.keys(doc.paths)
    for (const p of ['/v1/listings', '/v1/orders', '/v1/trades/{tradeId}/confirmation', '/v1/uploads', '/v1/downloads', '/health']) assert.ok(paths.includes(p), p)
    assert.equal(doc.components.securitySchemes.BourseSignature.name, 'x-bourse-signature')
    assert.deepEqual(doc.paths['/v1/orders'].post.security, [{ BourseSignature: [] }])
    assert.ok(doc.paths['/v1/orders'].post.responses['409'])
  })

  test('/docs is Swagger UI from local files, fetching nothing from elsewhere', async () => {
    const page = await t.send('GET', '/docs')
    const html = await page.text()
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    assert.ok(refs.length >= 3)
    for (const ref of refs) {
      assert.match(ref, /^\/docs\//, `${ref} is local`)
      const asset = await t.send('GET', ref)
      assert.equal(asset.status, 200, ref)
      assert.ok((await asset.arrayBuffer()).byteLength > 0)
    }
    assert.equal((await t.send('GET', '/docs/../../package.json')).status, 404)
    assert.equal((await t.send('GET', '/docs/index.html')).status, 404)
  })

  test('unknown routes answer a JSON 404', async () => {
    const res = await t.send('GET', '/v2/nothing')
    assert.equal(res.status, 404)
    assert.equal((await json(res)).error.code, 'NOT_FOUND')
  })
})

describe('a node without database or storage provider', () => {
  let t: ApiWorld
  before(async () => {
    t = await createApiWorld()
  })
  after(async () => t.close())

  test('database and storage routes answer 503; single reads fall back to the chain', async () => {
    const unavailable = await t.send('GET', '/v1/listings')
    assert.deepEqual([unavailable.status, (await json(unavailable)).error.reason], [503, 'database'])
    assert.equal((await t.send('GET', '/v1/members')).status, 503)
    const download = await t.send('POST', '/v1/downloads', {
      body: { tradeId: '1', token: `0x${'00'.repeat(32)}`, buyer: t.keys.buyer.address, issuedAt: 1, nonce: `0x${'00'.repeat(32)}`, signature: `0x${'00'.repeat(65)}` },
    })
    assert.equal(download.status, 503)
    const health = await json(await t.send('GET', '/health'))
    assert.deepEqual([health.database, health.indexer, health.storage], [null, null, null])
    assert.equal((await t.send('GET', '/ready')).status, 200)
    const org = t.world.orgs.buyer.address
    const balances = await json(await t.send('GET', `/v1/members/${org}/balances`, { as: t.keys.buyer }))
    assert.equal(balances.keys[0].address, t.keys.buyer.address)
    const member = await json(await t.send('GET', `/v1/members/${org}`))
    assert.deepEqual([member.source, member.status, member.roles], ['chain', 'Admitted', ['Buyer']])
  })
})
