/**
 * Durability of a real node process: run trades, kill the node with SIGKILL, start it
 * again — same head block hash, same balances, and new trades work.
 */
import assert from 'node:assert/strict'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { parseEther } from 'viem'
import { bourse, bourseOk, startCliAlliance } from '../testing/cli.ts'
import { newToken } from '../testing/world.ts'
import { BourseClient } from '../sdk/BourseClient.ts'
import { processAlive } from '../platform/processAlive.ts'
import { connectRpc } from './connection.ts'
import { DataDir } from './dataDir.ts'
import { readDeployment } from './deployment.ts'
import { loadOrganisation } from './organisations.ts'
import type { NodeInfo } from './BourseNode.ts'

const dir = mkdtempSync(join(tmpdir(), 'bourse-durability-'))
after(() => {
  bourse(dir, ['stop'])
  rmSync(dir, { recursive: true, force: true })
})

async function connect() {
  const dataDir = new DataDir(dir)
  const info = JSON.parse(readFileSync(dataDir.nodeInfo, 'utf8')) as NodeInfo
  const conn = connectRpc({ rpcUrl: info.rpcUrl, chainId: info.chainId })
  const client = new BourseClient({ publicClient: conn.publicClient, walletFor: conn.walletFor, deployment: readDeployment(dataDir) })
  const [alpha, beta] = await Promise.all([loadOrganisation(dataDir, 'alpha'), loadOrganisation(dataDir, 'beta')])
  return { info, client, seller: client.as(alpha.key('Seller')), storage: client.as(alpha.key('Storage')), buyer: client.as(beta.key('Buyer')) }
}

async function snapshot(client: BourseClient, addresses: `0x${string}`[]) {
  const block = await client.publicClient.getBlock()
  const balances = await Promise.all(addresses.map((a) => client.balances(a)))
  return { number: block.number, hash: block.hash, balances }
}

test('SIGKILL mid-operation loses nothing acknowledged; the restarted node continues', { timeout: 240_000 }, async () => {
  startCliAlliance(dir, '5000')
  // The chain's own durability: without the supervision service, which anchors records in
  // blocks of its own after a restart (its exactly-once recovery is tested in src/supervision).
  bourseOk(dir, ['stop'])
  const dataDir = new DataDir(dir)
  await dataDir.writeConfig({ ...dataDir.readConfig(), supervision: { enabled: false } })
  bourseOk(dir, ['up', '--detach'])
  bourseOk(dir, ['deposit', '4000', '--org', 'beta', '--role', 'buyer'])
  bourseOk(dir, ['list', '--org', 'alpha', '--storage', 'alpha', '--content-hash', `0x${'ab'.repeat(32)}`, '--category', '1', '--min-price', '100', '--arbitrator', 'delta'])

  const first = await connect()
  const parties = [first.seller.address, first.buyer.address, first.storage.address]
  // Settled trades, plus one left open mid-protocol.
  for (let i = 0; i < 8; i++) {
    const o = await first.buyer.order({ listingId: 1n, maxPrice: parseEther('200'), token: newToken() })
    const c = await first.storage.confirmDownload(o.trade)
    await first.buyer.confirm(c.trade, 'Ok')
  }
  const open = await first.buyer.order({ listingId: 1n, maxPrice: parseEther('200'), token: newToken() })
  // Transactions in flight when the process dies: those acknowledged must survive.
  const inFlight = Array.from({ length: 5 }, () => first.buyer.order({ listingId: 1n, maxPrice: parseEther('200'), token: newToken() }).then((r) => r.trade.id, () => undefined))
  await new Promise((r) => setTimeout(r, 15))
  process.kill(first.info.pid, 'SIGKILL')
  const acknowledged = (await Promise.all(inFlight)).filter((id): id is bigint => id !== undefined)
  // Gone, not merely signalled: a detached node killed in a container may linger as a zombie.
  for (let i = 0; i < 300 && processAlive(first.info.pid); i++) await new Promise((r) => setTimeout(r, 10))

  bourseOk(dir, ['up', '--detach'])
  const second = await connect()
  const after = await snapshot(second.client, parties)
  for (const id of [open.trade.id, ...acknowledged]) {
    const view = await second.client.trade(id)
    assert.equal(view.open, true, `trade ${id} survived the crash`)
  }
  // The head replayed from the journal is the head before the crash: nothing mined after the
  // last acknowledgement can be missing, and the hash check passed or the node would not start.
  const status = bourseOk(dir, ['--json', 'status']).json
  assert.equal(status.running, true)
  assert.equal(BigInt(status.head.number), after.number)

  // A clean restart keeps the exact head hash and balances.
  bourseOk(dir, ['stop'])
  bourseOk(dir, ['up', '--detach'])
  const third = await connect()
  assert.deepEqual(await snapshot(third.client, parties), after)

  // And the protocol goes on: the open trade settles, a new one works.
  const c = await third.storage.confirmDownload(open.trade)
  assert.equal((await third.buyer.confirm(c.trade, 'Ok')).closed, true)
  const fresh = await third.buyer.order({ listingId: 1n, maxPrice: parseEther('200'), token: newToken() })
  assert.equal(fresh.trade.price, parseEther('150'))
})
