/**
 * The storage provider on a real (in-memory) chain: upload -> list -> order -> signed
 * download -> decrypt -> confirmDownload, and every refusal with its exact error.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { nonceManager, parseEther, type Hex, type LocalAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  BlobTamperedError,
  DownloadExpiredError,
  DownloadInterruptedError,
  DownloadTokenMismatchError,
  DownloadTokenReplayedError,
  DownloadTradeStateError,
  DownloadWrongBuyerError,
  DownloadWrongProviderError,
  InvalidDownloadSignatureError,
} from '../errors/storage.ts'
import type { Actor, ListingInput } from '../sdk/BourseClient.ts'
import { joinAlliance } from '../sdk/bootstrap.ts'
import type { Trade } from '../sdk/trade.ts'
import { createWorld, newKeyAccount, newToken, type World } from '../testing/world.ts'
import type { LocalBlobBackend } from './backends/local.ts'
import { blobLength, KeyWrapKind, TAG_LENGTH } from './blobFormat.ts'
import { DownloadConfirmer } from './DownloadConfirmer.ts'
import { downloadAsset } from './downloadAsset.ts'
import { signDownloadRequest, type SignedDownloadRequest } from './downloadRequest.ts'
import { RedemptionLog } from './RedemptionLog.ts'
import { StorageProvider, type DownloadSession } from './StorageProvider.ts'

const CHUNK = 4096
const HEADER = blobLength(KeyWrapKind.masterKey, 0, CHUNK) - TAG_LENGTH

async function* pieces(data: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += 5000) yield data.subarray(at, at + 5000)
}

async function rejectsWith<E extends Error>(p: Promise<unknown>, cls: new (...a: never[]) => E, check: Partial<Record<keyof E, unknown>> = {}): Promise<E> {
  const err = await p.then(
    () => assert.fail(`expected ${cls.name}`),
    (e: unknown) => e,
  )
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
  for (const [k, v] of Object.entries(check)) assert.equal((err as never)[k], v, `${cls.name}.${k}`)
  return err as E
}

describe('StorageProvider on a chain', () => {
  let world: World
  let dir: string
  let provider: StorageProvider
  let buyerKey: Hex
  let buyerAccount: LocalAccount
  let buyer: Actor
  let shared: { listingId: bigint; contentHash: Hex; data: Buffer }

  before(async () => {
    world = await createWorld()
    buyerKey = generatePrivateKey()
    buyerAccount = privateKeyToAccount(buyerKey, { nonceManager })
    await joinAlliance(world.client, world.supervisor, { name: 'Epsilon Data', admin: newKeyAccount(), keys: { Buyer: buyerAccount } })
    await world.governance.mint(buyerAccount.address, parseEther('10000'))
    buyer = world.client.as(buyerAccount)
    await buyer.approve(parseEther('10000'))
    dir = await mkdtemp(join(tmpdir(), 'storage-provider-'))
    provider = await StorageProvider.open({ dataDir: dir, masterKey: randomBytes(32), client: world.client, actor: world.storage, chunkSize: CHUNK })
    shared = await listAsset(randomBytes(10 * CHUNK + 123))
  })
  after(async () => {
    await provider.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function listAsset(data: Buffer, overrides: Partial<ListingInput> = {}) {
    const { id } = await provider.upload(pieces(data))
    const listingId = await world.list({ contentHash: id, ...overrides })
    return { listingId, contentHash: id, data }
  }
  async function order(listingId: bigint): Promise<{ trade: Trade; token: Hex }> {
    const token = newToken()
    const { trade } = await buyer.order({ listingId, maxPrice: parseEther('1000'), token })
    return { trade, token }
  }
  const sign = (tradeId: bigint, token: Hex, account: LocalAccount = buyerAccount, extra: { issuedAt?: number } = {}) =>
    signDownloadRequest({ account, chainId: world.deployment.chainId, marketplace: world.deployment.marketplace, tradeId, token, ...extra })
  const via = (p: StorageProvider, sessions: DownloadSession[] = []) => async (request: SignedDownloadRequest) => {
    const session = await p.download(request)
    sessions.push(session)
    return session.body
  }
  const stateOf = async (tradeId: bigint) => (await world.client.trade(tradeId)).trade.state
  const blobPath = (id: Hex) => (provider.store.backend as LocalBlobBackend).pathOf(id)

  test('upload -> list -> order -> download: bytes equal, confirmed on chain, then the token is spent', async () => {
    const { trade, token } = await order(shared.listingId)
    assert.equal(trade.state, 2) // accepted at once
    const sessions: DownloadSession[] = []
    const out = join(dir, 'bought.bin')
    const received = await downloadAsset({ client: world.client, privateKey: buyerKey, tradeId: trade.id, token, outPath: out, fetchDelivery: via(provider, sessions) })
    assert.deepEqual(await readFile(out), shared.data)
    assert.equal(received.contentHash, shared.contentHash)
    assert.equal(sessions[0]!.byteLength, blobLength(KeyWrapKind.ecies, shared.data.length, CHUNK))
    const confirmation = await sessions[0]!.completion
    assert.equal(confirmation.trade.state, 3)
    assert.equal(await stateOf(trade.id), 3) // Downloaded
    assert.equal(provider.redemptions.get(trade.tokenCommitment)?.status, 'confirmed')

    await rejectsWith(provider.download(await sign(trade.id, token)), DownloadTokenReplayedError, { reason: 'completed' })
  })

  test('refused: wrong buyer, forged signature, wrong token, trade not accepted, another provider', async () => {
    const { trade, token } = await order(shared.listingId)
    const other = world.buyer.account as LocalAccount
    await rejectsWith(provider.download(await sign(trade.id, token, other)), DownloadWrongBuyerError, { signer: other.address })

    const byOther = await sign(trade.id, token, other)
    await rejectsWith(provider.download({ ...byOther, buyer: buyerAccount.address }), InvalidDownloadSignatureError, { reason: 'not-signer' })
    const forTrade = await sign(trade.id + 1n, token) // the buyer's real signature, moved to another request
    await rejectsWith(provider.download({ ...forTrade, tradeId: trade.id }), InvalidDownloadSignatureError, { reason: 'not-signer' })

    await rejectsWith(provider.download(await sign(trade.id, newToken())), DownloadTokenMismatchError, { tradeId: trade.id })

    const manual = await listAsset(randomBytes(100), { requiresAcceptance: true })
    const ordered = await order(manual.listingId)
    await rejectsWith(provider.download(await sign(ordered.trade.id, ordered.token)), DownloadTradeStateError, { state: 'Ordered', open: true })

    const impostor = new StorageProvider({ store: provider.store, client: world.client, actor: world.seller, redemptions: provider.redemptions })
    await rejectsWith(impostor.download(await sign(trade.id, token)), DownloadWrongProviderError)

    // None of the refusals used the token up.
    assert.equal(provider.redemptions.get(trade.tokenCommitment), undefined)
    await downloadAsset({ client: world.client, privateKey: buyerKey, tradeId: trade.id, token, outPath: join(dir, 'ok.bin'), fetchDelivery: via(provider) })
  })

  test('refused: stale or future-dated request', async () => {
    const { trade, token } = await order(shared.listingId)
    const now = Math.floor(Date.now() / 1000)
    await rejectsWith(provider.download(await sign(trade.id, token, buyerAccount, { issuedAt: now - 3600 })), DownloadExpiredError, { reason: 'request-stale' })
    await rejectsWith(provider.download(await sign(trade.id, token, buyerAccount, { issuedAt: now + 3600 })), DownloadExpiredError, { reason: 'request-future' })
  })

  test('an interrupted download can be retried with a new signed request within the grace period', async () => {
    const { trade, token } = await order(shared.listingId)
    const first = await sign(trade.id, token)
    const session = await provider.download(first)
    await rejectsWith(provider.download(await sign(trade.id, token)), DownloadTokenReplayedError, { reason: 'in-progress' })
    for await (const piece of session.body) {
      assert.ok(piece.length > 0)
      break // the receiver goes away
    }
    await rejectsWith(session.completion, DownloadInterruptedError)
    assert.equal(await stateOf(trade.id), 2)
    assert.equal(provider.redemptions.get(trade.tokenCommitment)?.status, 'interrupted')
    await rejectsWith(provider.download(first), DownloadTokenReplayedError, { reason: 'request-reused' })

    const later = new StorageProvider({ store: provider.store, client: world.client, actor: world.storage, redemptions: provider.redemptions, now: () => Date.now() + 3600_000 })
    await rejectsWith(later.download(await sign(trade.id, token, buyerAccount, { issuedAt: Math.floor(Date.now() / 1000) + 3600 })), DownloadTokenReplayedError, { reason: 'grace-expired' })
    const strict = new StorageProvider({ store: provider.store, client: world.client, actor: world.storage, redemptions: provider.redemptions, maxAttempts: 1 })
    await rejectsWith(strict.download(await sign(trade.id, token)), DownloadTokenReplayedError, { reason: 'attempts-exhausted' })

    const out = join(dir, 'retried.bin')
    await downloadAsset({ client: world.client, privateKey: buyerKey, tradeId: trade.id, token, outPath: out, fetchDelivery: via(provider) })
    assert.deepEqual(await readFile(out), shared.data)
    assert.equal(provider.redemptions.get(trade.tokenCommitment)?.nonces.length, 2)
  })

  describe('a damaged blob is refused and never confirmed', () => {
    let asset: { listingId: bigint; contentHash: Hex; data: Buffer }
    let pristine: Buffer
    before(async () => {
      asset = await listAsset(randomBytes(8 * CHUNK))
      pristine = await readFile(blobPath(asset.contentHash))
    })
    const restore = () => writeFile(blobPath(asset.contentHash), pristine)
    const flipChunk = (chunk: number) => {
      const b = Buffer.from(pristine)
      b[HEADER + chunk * (CHUNK + TAG_LENGTH) + 17]! ^= 0x80
      return writeFile(blobPath(asset.contentHash), b)
    }

    test('a flipped byte mid-blob stops the stream at that chunk; no output, no confirmation; a retry after repair works', async () => {
      const { trade, token } = await order(asset.listingId)
      await flipChunk(5)
      const sessions: DownloadSession[] = []
      const out = join(dir, 'tampered.bin')
      await rejectsWith(
        downloadAsset({ client: world.client, privateKey: buyerKey, tradeId: trade.id, token, outPath: out, fetchDelivery: via(provider, sessions) }),
        BlobTamperedError,
        { reason: 'chunk-auth', chunk: 5, where: 'store' },
      )
      await rejectsWith(sessions[0]!.completion, BlobTamperedError, { chunk: 5 })
      assert.equal(existsSync(out), false)
      assert.equal(await stateOf(trade.id), 2)

      await flipChunk(0)
      await rejectsWith(provider.download(await sign(trade.id, token)), BlobTamperedError, { reason: 'chunk-auth', chunk: 0 })
      await truncate(blobPath(asset.contentHash), pristine.length - CHUNK)
      await rejectsWith(provider.download(await sign(trade.id, token)), BlobTamperedError, { reason: 'truncated' })
      assert.equal(provider.redemptions.get(trade.tokenCommitment)?.nonces.length, 1) // refused before serving: no attempt used

      await restore()
      await downloadAsset({ client: world.client, privateKey: buyerKey, tradeId: trade.id, token, outPath: out, fetchDelivery: via(provider) })
      assert.deepEqual(await readFile(out), asset.data)
    })
  })

  test('downloads finishing together are confirmed in one confirmDownloads transaction', async () => {
    const log = await RedemptionLog.open(join(dir, 'batch', 'redemptions.jsonl'))
    const batching = new StorageProvider({ store: provider.store, client: world.client, actor: world.storage, redemptions: log, confirmer: new DownloadConfirmer(world.storage, { batchDelayMs: 300 }) })
    const trades = [await order(shared.listingId), await order(shared.listingId)]
    const sessions: DownloadSession[] = []
    await Promise.all(trades.map(({ trade, token }, i) => downloadAsset({ client: world.client, privateKey: buyerKey, tradeId: trade.id, token, outPath: join(dir, `batch-${i}.bin`), fetchDelivery: via(batching, sessions) })))
    const [a, b] = await Promise.all(sessions.map((s) => s.completion))
    assert.equal(a!.hash, b!.hash)
    assert.equal(a!.batchSize, 2)
    for (const { trade } of trades) assert.equal(await stateOf(trade.id), 3)
    await batching.close()
  })

  test('a download served but not confirmed before a crash is confirmed after the restart', async () => {
    const path = join(dir, 'crash', 'redemptions.jsonl')
    const stalled = new StorageProvider({
      store: provider.store,
      client: world.client,
      actor: world.storage,
      redemptions: await RedemptionLog.open(path),
      confirmer: new DownloadConfirmer(world.storage, { batchDelayMs: 3_600_000 }), // never sent before the "crash"
    })
    const { trade, token } = await order(shared.listingId)
    await downloadAsset({ client: world.client, privateKey: buyerKey, tradeId: trade.id, token, outPath: join(dir, 'crash.bin'), fetchDelivery: via(stalled) })
    assert.equal(await stateOf(trade.id), 2)

    const restarted = new StorageProvider({ store: provider.store, client: world.client, actor: world.storage, redemptions: await RedemptionLog.open(path) })
    await rejectsWith(restarted.download(await sign(trade.id, token)), DownloadTokenReplayedError, { reason: 'completed' })
    const resumed = await restarted.resumeConfirmations()
    assert.equal(resumed.length, 1)
    assert.equal(await stateOf(trade.id), 3)
    assert.deepEqual(restarted.redemptions.unconfirmed(), [])
    await restarted.close()
    await stalled.confirmer.flush() // the stale confirmation now reverts; its session already settled the record
    await stalled.redemptions.close()
  })

  test('close() aborts a streaming download and sends the confirmations still waiting for their batch', async () => {
    const path = join(dir, 'shutdown', 'redemptions.jsonl')
    const node = new StorageProvider({
      store: provider.store,
      client: world.client,
      actor: world.storage,
      redemptions: await RedemptionLog.open(path),
      confirmer: new DownloadConfirmer(world.storage, { batchDelayMs: 3_600_000 }),
    })
    const served = await order(shared.listingId)
    const sessions: DownloadSession[] = []
    await downloadAsset({ client: world.client, privateKey: buyerKey, tradeId: served.trade.id, token: served.token, outPath: join(dir, 'shutdown.bin'), fetchDelivery: via(node, sessions) })
    const streaming = await order(shared.listingId)
    const open = await node.download(await sign(streaming.trade.id, streaming.token))
    await node.close()
    assert.equal((await sessions[0]!.completion).trade.state, 3)
    await rejectsWith(open.completion, DownloadInterruptedError)
    assert.equal(await stateOf(served.trade.id), 3)
    assert.equal(await stateOf(streaming.trade.id), 2)
    const reopened = await RedemptionLog.open(path)
    assert.equal(reopened.get(served.trade.tokenCommitment)?.status, 'confirmed')
    assert.equal(reopened.get(streaming.trade.tokenCommitment)?.status, 'interrupted')
    await reopened.close()
  })

  // Last: moves chain time past every open trade's download deadline.
  test('refused: expired trade (download deadline passed on chain)', async () => {
    const { trade, token } = await order(shared.listingId)
    await world.net.increaseTime(world.deployment.windows.download + 1)
    await rejectsWith(provider.download(await sign(trade.id, token)), DownloadExpiredError, { reason: 'trade-deadline', tradeId: trade.id })
  })
})
