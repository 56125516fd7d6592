/**
 * End to end over HTTP, on SQLite and on PostgreSQL: the API on a real socket, a member's
 * whole day through it. A new buyer organisation applies, binds its key and is admitted; the
 * seller uploads a file (streamed, encrypted at rest) and lists it; the buyer orders, the
 * seller accepts, the buyer downloads and decrypts with its own key — bytes equal — the
 * storage provider confirms the download on chain, the buyer's confirmation settles the trade,
 * and the indexer shows the whole timeline, the member's history and the seller's payout.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import pino from 'pino'
import { parseEther, type Hex, type LocalAccount } from 'viem'
import { testDialects } from '../db/testing/testDatabases.ts'
import { receiveAsset, serializeDownloadRequest, signDownloadRequest } from '../storage/index.ts'
import { signApiRequest } from './auth/signApiRequest.ts'
import { createApiClient } from './client.ts'
import { startApiServer, type ApiServer } from './server.ts'
import { createApiWorld, type ApiWorld } from './testing/apiWorld.ts'

for (const dialect of testDialects()) {
  describe(`end to end over HTTP [${dialect}]`, () => {
    let t: ApiWorld
    let server: ApiServer
    before(async () => {
      t = await createApiWorld({ database: dialect, storage: true })
      server = await startApiServer({ app: t.app, tracker: t.deps.tracker, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) })
    })
    after(async () => {
      await server.close()
      await t.close()
    })

    /** A JSON request over the socket, signed when `as` is given (the API client the CLI uses). */
    const call = (method: 'GET' | 'POST', path: string, as?: LocalAccount, body?: unknown) =>
      createApiClient({ url: server.url, chainId: t.world.deployment.chainId }).call<any>(method, path, { as, body })

    test('upload, list, order, accept, download + decrypt, confirm, settle; the indexer shows it all', { timeout: 120_000 }, async () => {
      const { keys, world } = t
      // A new buyer organisation joins through the API.
      await call('POST', '/v1/members', keys.newOrg, { name: 'Epsilon Foods', roles: ['Buyer'] })
      await call('POST', `/v1/members/${keys.newOrg.address}/keys`, keys.newOrg, { role: 'Buyer', key: keys.newBuyer.address })
      await call('POST', `/v1/members/${keys.newOrg.address}/admission`, keys.supervisor)
      await world.governance.mint(keys.newBuyer.address, parseEther('1000')) // the treasury issues credits
      await call('POST', '/v1/balances/deposit', keys.newBuyer, { amount: parseEther('600').toString() })

      // The seller streams a 3 MiB file in; it is stored encrypted under its SHA-256.
      const file = join(t.dir, 'orders.csv')
      writeFileSync(file, randomBytes(3 * 1024 * 1024 + 17))
      const sha = `0x${createHash('sha256').update(readFileSync(file)).digest('hex')}` as Hex
      const uploadAuth = await signApiRequest(keys.seller, { chainId: world.deployment.chainId, method: 'POST', path: '/v1/uploads', bodySha256: sha })
      const upload = await fetch(`${server.url}/v1/uploads`, {
        method: 'POST',
        headers: { ...uploadAuth, 'content-type': 'application/octet-stream' },
        body: Readable.toWeb(createReadStream(file)) as ReadableStream,
        duplex: 'half',
      } as RequestInit)
      const uploaded = (await upload.json()) as any
      assert.equal(upload.status, 201, JSON.stringify(uploaded))
      assert.equal(uploaded.contentHash, sha)

      const { listingId } = await call('POST', '/v1/listings', keys.seller, {
        contentHash: sha,
        category: 1,
        arbitrator: keys.arbitrator.address,
        minPrice: parseEther('100').toString(),
        buyerDeposit: parseEther('10').toString(),
        sellerDeposit: parseEther('20').toString(),
        quantity: 20,
        requiresAcceptance: true,
        dataType: 'text/csv',
        description: 'Order lines of an online retailer',
      })

      // The buyer finds it, orders; the seller accepts.
      await t.index()
      const found = await call('GET', '/v1/listings?text=online%20retail&dataType=text%2Fcsv')
      assert.deepEqual(found.items.map((l: any) => l.listingId), [listingId])
      const ordered = await call('POST', '/v1/orders', keys.newBuyer, { listingId, maxPrice: parseEther('500').toString() })
      const tradeId: string = ordered.trade.idHex
      assert.equal(ordered.trade.stateName, 'Ordered')
      assert.equal((await call('POST', `/v1/trades/${tradeId}/accept`, keys.seller)).trade.stateName, 'Accepted')

      // The buyer downloads with its token and its own key, and decrypts.
      const request = await signDownloadRequest({ account: keys.newBuyer, chainId: world.deployment.chainId, marketplace: world.deployment.marketplace, tradeId: BigInt(tradeId), token: ordered.token })
      const delivery = await fetch(`${server.url}/v1/downloads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(serializeDownloadRequest(request)) })
      assert.equal(delivery.status, 200)
      const out = join(t.dir, 'received.csv')
      const received = await receiveAsset({ source: delivery.body as unknown as AsyncIterable<Uint8Array>, privateKey: t.privateKeys.newBuyer, expectedContentHash: sha, outPath: out })
      assert.equal(received.contentHash, sha)
      assert.ok(readFileSync(out).equals(readFileSync(file)), 'the decrypted bytes equal the uploaded ones')

      // The provider confirms the download on chain by itself; the token is spent.
      let state = ''
      for (let i = 0; i < 100 && state !== 'Downloaded'; i++) {
        // The trade reaches the indexed views a moment after the chain: until then it is a 404.
        state = await call('GET', `/v1/trades/${tradeId}`).then(
          (r) => r.trade.stateName,
          (e: { status?: number }) => (e.status === 404 ? 'not indexed yet' : Promise.reject(e)),
        )
        if (state !== 'Downloaded') await new Promise((r) => setTimeout(r, 50))
      }
      assert.equal(state, 'Downloaded')
      await assert.rejects(call('POST', '/v1/downloads', undefined, serializeDownloadRequest(request)), { name: 'ApiResponseError', status: 409, code: 'DOWNLOAD_TOKEN_REPLAYED', reason: 'completed' })

      // Confirmation settles the trade.
      const settled = await call('POST', `/v1/trades/${tradeId}/confirmation`, keys.newBuyer, { verdict: 'Ok' })
      assert.deepEqual([settled.trade.stateName, settled.closed], ['Settled', true])

      // The indexer shows the whole timeline, the history and the payout.
      await t.index()
      const timeline = await call('GET', `/v1/trades/${tradeId}/timeline`)
      assert.equal(timeline.source, 'database')
      assert.deepEqual(
        timeline.entries.map((e: any) => `${e.event}:${e.stateName}`),
        ['TradeOpened:Ordered', 'TradeUpdated:Accepted', 'TradeUpdated:Downloaded', 'TradeClosed:Settled'],
      )
      const details = await call('GET', `/v1/trades/${tradeId}`)
      assert.deepEqual([details.source, details.resolution, details.open], ['database', 'Confirmed', false])
      const history = await call('GET', `/v1/members/${keys.newOrg.address}/history`, keys.newBuyer)
      assert.deepEqual(history.items.map((i: any) => i.trade.idHex), [tradeId])
      const seller = await call('GET', `/v1/members/${world.orgs.seller.address}/balances`, keys.seller)
      const sellerKey = seller.keys.find((k: any) => k.role === 'Seller')
      assert.equal(BigInt(sellerKey.available), BigInt(details.sellerPayout) + parseEther('20'), 'payout plus the returned seller deposit')
      const health = await call('GET', '/health')
      assert.equal(health.indexer.lag, 0)
    })
  })
}
