/**
 * The same node code against an external EVM JSON-RPC chain (configuration, no code change):
 * node B is configured with node A's JSON-RPC URL, deploys its alliance there and trades.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { parseEther } from 'viem'
import { joinAlliance } from '../sdk/bootstrap.ts'
import { newToken } from '../testing/world.ts'
import { BourseNode } from './BourseNode.ts'
import { DataDir, type NodeConfig } from './dataDir.ts'
import { createOrganisation } from './organisations.ts'

const dirs: string[] = []
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

async function dataDirWith(chain: Partial<NodeConfig['chain']> & Pick<NodeConfig['chain'], 'mode'>): Promise<DataDir> {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-external-'))
  dirs.push(dir)
  const dataDir = new DataDir(dir)
  await createOrganisation(dataDir, 'operator')
  await dataDir.writeConfig({
    version: 1,
    operator: 'operator',
    chain: { chainId: 31337, rpcHost: '127.0.0.1', rpcPort: 0, freeGas: true, devMethods: false, ...chain },
    market: { feeBps: 250, windows: {} },
  })
  return dataDir
}

test('a node on an external JSON-RPC chain deploys, admits members and settles a trade', async () => {
  const a = await BourseNode.start({ dataDir: await dataDirWith({ mode: 'embedded' }) })
  try {
    const bDir = await dataDirWith({ mode: 'external', rpcUrl: a.rpcUrl })
    const b = await BourseNode.start({ dataDir: bDir })
    try {
      assert.equal(b.connection.embedded, undefined, 'node B runs no chain of its own')
      assert.notEqual(b.deployment.marketplace, a.deployment.marketplace, 'B deployed its own alliance on A\'s chain')
      const seller = (await createOrganisation(bDir, 'alpha')).org
      const buyer = (await createOrganisation(bDir, 'beta')).org
      const arbitrator = (await createOrganisation(bDir, 'delta')).org
      const operator = (await import('./organisations.ts')).loadOrganisation(bDir, 'operator')
      const supervisor = b.client.as((await operator).key('Supervisor'))
      await joinAlliance(b.client, supervisor, { name: 'Alpha', admin: seller.admin, keys: { Seller: seller.key('Seller'), Storage: seller.key('Storage') } })
      await joinAlliance(b.client, supervisor, { name: 'Beta', admin: buyer.admin, keys: { Buyer: buyer.key('Buyer') } })
      await joinAlliance(b.client, supervisor, { name: 'Delta', admin: arbitrator.admin, keys: { Arbitrator: arbitrator.key('Arbitrator') } })
      const governance = b.client.as((await operator).admin)
      for (const key of [seller.key('Seller'), buyer.key('Buyer')]) {
        await governance.mint(key.address, parseEther('1000'))
        await b.client.as(key).approve(parseEther('1000'))
      }
      const { listingId } = await b.client.as(seller.key('Seller')).list({
        category: 3, contentHash: `0x${'cd'.repeat(32)}`, storageProvider: seller.key('Storage').address, arbitrator: arbitrator.key('Arbitrator').address,
        minPrice: parseEther('100'), buyerDeposit: parseEther('10'), sellerDeposit: parseEther('20'), standingDeposit: parseEther('40'),
        quantity: 10, requiresAcceptance: false, dataType: 'text/csv', description: 'x',
      })
      const o = await b.client.as(buyer.key('Buyer')).order({ listingId, maxPrice: parseEther('150'), token: newToken() })
      const c = await b.client.as(seller.key('Storage')).confirmDownload(o.trade)
      const s = await b.client.as(buyer.key('Buyer')).confirm(c.trade, 'Ok')
      assert.equal(s.closed, true)
      // Node A's chain holds B's transactions: A sees the same head.
      const [headA, headB] = await Promise.all([a.connection.publicClient.getBlock(), b.connection.publicClient.getBlock()])
      assert.equal(headA.hash, headB.hash)
      assert.equal((await b.client.balances(seller.key('Seller').address)).available, parseEther('146.25'))
    } finally {
      await b.stop()
    }
  } finally {
    await a.stop()
  }
})
