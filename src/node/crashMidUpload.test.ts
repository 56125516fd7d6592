/**
 * A real node process (`bourse up --detach`) killed with SIGKILL while a large upload streams
 * into its storage provider over the HTTP API and trades are in flight through the same API.
 * After a restart: every trade the API acknowledged is on chain, the indexer has caught up
 * (the API answers from the database with the chain's every event), the half upload left no
 * partial file behind, and the same upload retried with `bourse upload` is stored and then
 * downloaded byte-equal by a buyer.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { parseEther, type Hex } from 'viem'
import { signApiRequest } from '../api/auth/signApiRequest.ts'
import { createApiClient } from '../api/client.ts'
import { processAlive } from '../platform/processAlive.ts'
import { BourseClient } from '../sdk/BourseClient.ts'
import { contractEvents } from '../sdk/events.ts'
import { joinAlliance } from '../sdk/bootstrap.ts'
import type { RoleName } from '../sdk/roles.ts'
import { TradeState } from '../sdk/trade.ts'
import { bourse, bourseOk } from '../testing/cli.ts'
import { connectRpc } from './connection.ts'
import { DataDir } from './dataDir.ts'
import { readDeployment } from './deployment.ts'
import { createOrganisation, loadOrganisation } from './organisations.ts'
import type { NodeInfo } from './BourseNode.ts'

const MiB = 1 << 20
const dir = mkdtempSync(join(tmpdir(), 'bourse-crash-upload-'))
after(() => {
  bourse(dir, ['stop'])
  rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const partials = () => readdirSafe(join(dir, 'blobs', '.partial'))
function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path)
  } catch {
    return []
  }
}
const blobPath = (contentHash: Hex) => join(dir, 'blobs', contentHash.slice(2, 4), `${contentHash.slice(2)}.blob`)

/**
 * A running node with alpha (seller + storage), beta (buyer, 4000 credits deposited) and
 * delta (arbitrator), and listing 1 by alpha — like `startCliAlliance`, but joined over the
 * node's JSON-RPC from this process instead of ten CLI runs.
 */
async function startAlliance(): Promise<void> {
  bourseOk(dir, ['init', '--dev', '--rpc-port', '0', '--org', 'regulator'])
  bourseOk(dir, ['up', '--detach'])
  const dataDir = new DataDir(dir)
  const info = JSON.parse(readFileSync(dataDir.nodeInfo, 'utf8')) as NodeInfo
  const conn = connectRpc({ rpcUrl: info.rpcUrl, chainId: info.chainId })
  const client = new BourseClient({ publicClient: conn.publicClient, walletFor: conn.walletFor, deployment: readDeployment(dataDir) })
  const operator = await loadOrganisation(dataDir, 'regulator')
  const supervisor = client.as(operator.key('Supervisor'))
  const members: [string, RoleName[]][] = [['alpha', ['Seller', 'Storage']], ['beta', ['Buyer']], ['delta', ['Arbitrator']]]
  for (const [name, roles] of members) {
    const { org } = await createOrganisation(dataDir, name)
    await joinAlliance(client, supervisor, { name, admin: org.admin, keys: Object.fromEntries(roles.map((r) => [r, org.key(r)])) })
  }
  const [alpha, beta, delta] = await Promise.all(['alpha', 'beta', 'delta'].map((name) => loadOrganisation(dataDir, name)))
  const governance = client.as(operator.admin)
  await governance.mint(alpha!.key('Seller').address, parseEther('5000'))
  await governance.mint(beta!.key('Buyer').address, parseEther('5000'))
  const buyer = client.as(beta!.key('Buyer'))
  await buyer.approve(parseEther('4000'))
  await buyer.deposit(parseEther('4000'))
  const seller = client.as(alpha!.key('Seller'))
  await seller.approve(parseEther('5000'))
  await seller.list({
    contentHash: `0x${'cd'.repeat(32)}`,
    storageProvider: alpha!.key('Storage').address,
    arbitrator: delta!.key('Arbitrator').address,
    category: 1,
    minPrice: parseEther('100'),
    buyerDeposit: parseEther('10'),
    sellerDeposit: parseEther('10'),
    standingDeposit: parseEther('50'),
    quantity: 1000,
    requiresAcceptance: false,
    dataType: 'csv',
    description: '',
    sampleURI: '',
  })
}

async function connect() {
  const dataDir = new DataDir(dir)
  const info = JSON.parse(readFileSync(dataDir.nodeInfo, 'utf8')) as NodeInfo
  assert.ok(info.apiUrl, 'the node serves its HTTP API')
  const conn = connectRpc({ rpcUrl: info.rpcUrl, chainId: info.chainId })
  const client = new BourseClient({ publicClient: conn.publicClient, walletFor: conn.walletFor, deployment: readDeployment(dataDir) })
  const [alpha, beta] = await Promise.all([loadOrganisation(dataDir, 'alpha'), loadOrganisation(dataDir, 'beta')])
  const api = createApiClient({ url: info.apiUrl, chainId: info.chainId })
  return { info, client, api, seller: alpha.key('Seller'), storage: alpha.key('Storage'), buyer: beta.key('Buyer') }
}
type Node = Awaited<ReturnType<typeof connect>>

interface Ordered {
  trade: { id: string; stateName: string }
}

/**
 * Streams `data` to POST /v1/uploads at about `bytesPerSecond` up to `stallAt` bytes, then
 * holds the request open mid-body (an upload in progress for the node, whatever the timing);
 * rejects when the connection dies.
 */
function stalledUpload(node: Node, data: Buffer, contentHash: Hex, p: { bytesPerSecond: number; stallAt: number }): { sent: () => number; response: Promise<IncomingMessage> } {
  let sent = 0
  const response = (async () => {
    const path = '/v1/uploads'
    const headers = await signApiRequest(node.seller, { chainId: node.info.chainId, method: 'POST', path, bodySha256: contentHash })
    const req = request(new URL(path, node.info.apiUrl), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
    })
    const answered = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve)
      req.once('error', reject)
    })
    answered.catch(() => {})
    const block = MiB / 4
    while (sent < p.stallAt && !req.destroyed) {
      const piece = data.subarray(sent, Math.min(sent + block, p.stallAt))
      sent += piece.length
      if (!req.write(piece)) await drained(req)
      await sleep((piece.length / p.bytesPerSecond) * 1000)
    }
    return answered
  })()
  response.catch(() => {})
  return { sent: () => sent, response }
}

function drained(req: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done).off('close', done)
      resolve()
    }
    req.once('drain', done).once('close', done)
  })
}

/** Waits until GET /health reports the indexer at the chain head with nothing left to index. */
async function indexerCaughtUp(node: Node): Promise<void> {
  const head = await node.client.publicClient.getBlockNumber()
  for (let i = 0; i < 300; i++) {
    const health = await node.api.call<{ indexer: { lastBlock: number; lag?: number } | null }>('GET', '/health')
    if (health.indexer && health.indexer.lastBlock >= Number(head) && (health.indexer.lag ?? 0) === 0) return
    await sleep(50)
  }
  assert.fail('the indexer did not catch up within 15 s')
}

test('SIGKILL mid-upload and mid-trade: committed trades survive and are indexed, the half upload is cleaned up, a retry succeeds', { timeout: 150_000 }, async () => {
  await startAlliance()
  const first = await connect()
  const order = () => first.api.call<Ordered>('POST', '/v1/orders', { as: first.buyer, body: { listingId: '1', maxPrice: parseEther('200').toString() } })

  // Committed before the crash: two settled trades and one left open, all through the API.
  const committed: string[] = []
  for (let i = 0; i < 2; i++) {
    const { trade } = await order()
    await first.api.call('POST', `/v1/trades/${trade.id}/download-confirmation`, { as: first.storage })
    await first.api.call('POST', `/v1/trades/${trade.id}/confirmation`, { as: first.buyer, body: { verdict: 'Ok' } })
    committed.push(trade.id)
  }
  const open = (await order()).trade.id
  committed.push(open)

  // A large upload streaming in: kill once a good part of it is on the provider's disk.
  const data = randomBytes(64 * MiB)
  const contentHash = `0x${createHash('sha256').update(data).digest('hex')}` as Hex
  const upload = stalledUpload(first, data, contentHash, { bytesPerSecond: 32 * MiB, stallAt: 40 * MiB })
  for (let i = 0; i < 600; i++) {
    const [part] = partials()
    if (part && (statSync(join(dir, 'blobs', '.partial', part), { throwIfNoEntry: false })?.size ?? 0) >= 8 * MiB) break
    await sleep(10)
  }
  assert.equal(partials().length, 1, 'the upload is being written to a partial file')

  // Trades in flight when the process dies: orders, and a download confirmation of the open trade.
  const inFlight = [
    ...Array.from({ length: 4 }, () => order().then((r) => r.trade.id)),
    first.api.call('POST', `/v1/trades/${open}/download-confirmation`, { as: first.storage }).then(() => open),
  ].map((p) => p.then((id) => ({ id }), () => undefined))
  // Die right after the first acknowledgement, with the rest still in flight (one key's
  // transactions are serialised by the API, so the other orders are queued or being mined).
  await Promise.race([...inFlight.map((p) => p.then((r) => r ?? new Promise(() => {}))), sleep(10_000)])
  process.kill(first.info.pid, 'SIGKILL')
  const acknowledged = (await Promise.all(inFlight)).filter((r) => r !== undefined).map((r) => r.id)
  await assert.rejects(upload.response, 'the upload never completed')
  // Gone, not merely signalled: a detached node killed in a container may linger as a zombie.
  for (let i = 0; i < 500 && processAlive(first.info.pid); i++) await sleep(10)
  assert.equal(processAlive(first.info.pid), false)
  const [orphan] = partials()
  assert.ok(orphan && statSync(join(dir, 'blobs', '.partial', orphan)).size > 0, 'the crash left a partial upload behind')

  bourseOk(dir, ['up', '--detach'])
  const second = await connect()

  // The half upload: its partial file is gone and nothing was published under its hash.
  assert.deepEqual(partials(), [], 'no orphaned partial upload after the restart')
  assert.equal(statSync(blobPath(contentHash), { throwIfNoEntry: false }), undefined)

  // Every acknowledged action is on chain.
  for (const id of committed) assert.equal((await second.client.trade(BigInt(id))).trade.id, BigInt(id))
  for (const id of acknowledged) assert.equal((await second.client.trade(BigInt(id))).trade.id, BigInt(id))
  if (acknowledged.includes(open)) assert.equal((await second.client.trade(BigInt(open))).trade.state, TradeState.Downloaded, 'the acknowledged download confirmation survived')

  // The indexer caught up: every trade on chain, with every one of its events, is served from the database.
  await indexerCaughtUp(second)
  const events = await contractEvents(second.client, { fromBlock: 0n })
  const perTrade = new Map<string, number>()
  for (const e of events) {
    const id = e.contract === 'marketplace' && 'tradeId' in (e.args as object) ? String((e.args as { tradeId: bigint }).tradeId) : undefined
    if (id !== undefined) perTrade.set(id, (perTrade.get(id) ?? 0) + 1)
  }
  for (const id of [...committed, ...acknowledged]) assert.ok(perTrade.has(id), `trade ${id} has events on chain`)
  for (const [id, count] of perTrade) {
    const view = await second.api.call<{ source: string; trade: { state: number } }>('GET', `/v1/trades/${id}`)
    assert.equal(view.source, 'database', `trade ${id} is indexed`)
    assert.equal(view.trade.state, (await second.client.trade(BigInt(id))).trade.state, `trade ${id}: the database agrees with the chain`)
    const timeline = await second.api.call<{ source: string; entries: unknown[] }>('GET', `/v1/trades/${id}/timeline`)
    assert.equal(timeline.source, 'database')
    assert.equal(timeline.entries.length, count, `trade ${id}: every event indexed`)
  }
  const listings = await second.api.call<{ items: { listingId: string; source: string }[] }>('GET', '/v1/listings?category=1')
  assert.deepEqual(listings.items.map((l) => [l.listingId, l.source]), [['1', 'database']])

  // The same upload retried with the CLI is stored; a buyer downloads it byte-equal.
  const file = join(dir, 'asset.bin')
  writeFileSync(file, data)
  const uploaded = bourseOk(dir, ['--json', 'upload', file, '--org', 'alpha', '--list', '--category', '2', '--min-price', '100', '--arbitrator', 'delta']).json
  assert.equal(uploaded.contentHash, contentHash)
  assert.equal(uploaded.created, true)
  // spawnSync blocked this event loop for the whole upload: let fetch see the keep-alive
  // connections the node closed meanwhile before it picks one for the next request.
  await sleep(100)
  const ordered = await second.api.call<Ordered>('POST', '/v1/orders', { as: second.buyer, body: { listingId: String(uploaded.listingId), maxPrice: parseEther('200').toString() } })
  const out = join(dir, 'downloaded.bin')
  bourseOk(dir, ['download', ordered.trade.id, '--org', 'beta', '--out', out])
  assert.ok(readFileSync(out).equals(data), 'downloaded byte-equal')
  assert.ok(statSync(blobPath(contentHash)).size > data.length, 'stored encrypted under its content hash')
  assert.deepEqual(partials(), [])
})
