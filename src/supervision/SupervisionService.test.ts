/**
 * Supervision end to end on a real chain and both databases: a whole market history is
 * indexed, every trade's records are produced, checked, encrypted and anchored; they verify
 * against the roots committed on chain and against roots computed here independently; only
 * channel members decrypt; tampering with the database (a field, the order, a deletion, the
 * log itself) is pinpointed; a restart (and a crash mid-anchoring) loses and repeats nothing.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { before, test } from 'node:test'
import { bytesToHex, encodeAbiParameters, hexToBytes, parseEther, type Hex } from 'viem'
import { SupervisionAbi } from '../contracts/generated.ts'
import { decodeAmount } from '../db/codec.ts'
import type { TestDatabase } from '../db/testing/testDatabases.ts'
import { describeEachDatabase } from '../db/testing/testDatabases.ts'
import { Indexer } from '../indexer/Indexer.ts'
import { runMarketScenario } from '../indexer/testing/scenario.ts'
import { worldSupervision } from '../testing/supervision.ts'
import { createWorld, newToken, type World } from '../testing/world.ts'
import { verifyBundle } from './bundle.ts'
import { unwrapChannelKeyAsMember } from './envelope.ts'
import { inclusionProof } from './merkle/index.ts'
import { openRecord, recordBytes } from './record.ts'
import { channelIdText } from './tradeContext.ts'

// ─── an independent RFC 9162 implementation, straight from the text (2.1.1) ───
const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest())
const mth = (leaves: Uint8Array[]): Uint8Array => {
  if (leaves.length === 0) return sha()
  if (leaves.length === 1) return sha(Uint8Array.of(0), leaves[0]!)
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return sha(Uint8Array.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)))
}

const serviceFor = (w: World, db: TestDatabase) => worldSupervision(w, db.db, { maxDelayMs: 20, reader: db.reader, writer: db.writer })

describeEachDatabase('supervision', ({ open }) => {
  let w: World
  let db: TestDatabase
  let indexer: Indexer
  let service: ReturnType<typeof serviceFor>

  before(async () => {
    w = await createWorld()
    await runMarketScenario(w)
    db = await open()
    indexer = new Indexer({ db: db.db, publicClient: w.client.publicClient, deployment: w.deployment })
    await indexer.runOnce()
    service = serviceFor(w, db)
    await service.anchorer.recover()
    await service.catchUp()
    await service.anchorer.stop({ flush: true })
    await indexer.runOnce() // ChannelOpened / HeadsCommitted into the indexed tables
  })

  test('every trade gets the records its history implies, all anchored and verified on chain', async () => {
    const trades = await db.db.selectFrom('trades').select(['trade_id', 'open']).execute()
    const downloaded = await db.db.selectFrom('trade_events').select('trade_id').where('state_name', '=', 'Downloaded').where('event', '=', 'TradeUpdated').distinct().execute()
    const expected = trades.length * 2 + downloaded.length * 2 + trades.filter((t) => !t.open).length
    const records = await db.db.selectFrom('supervision_records').select(['record_id', 'channel_id', 'link']).execute()
    assert.equal(records.length, expected)
    assert.equal((await db.db.selectFrom('supervision_rejections').selectAll().execute()).length, 0)
    for (const t of trades) {
      const links = records.filter((r) => r.channel_id === channelIdText(BigInt(t.trade_id))).map((r) => r.link).sort()
      assert.ok(links.includes('access') && links.includes('match'), `trade ${t.trade_id} has access and match records`)
      assert.equal(links.includes('settlement'), !t.open, 'a settlement record exactly when closed')
    }
    for (const r of records) {
      const v = await service.verifier.verify(r.record_id as Hex)
      assert.equal(v.status, 'verified', `${r.record_id}: ${v.problems.join('; ')}`)
      assert.deepEqual(v.checks.map((c) => c.name), ['record-hash', 'channel-inclusion', 'batch-inclusion', 'on-chain-root'])
    }
    // Channels on chain: one per trade, DePlPrSu (the seller stores its own data), the
    // overseeing supervisor added by the contract.
    const channels = await db.db.selectFrom('supervision_channels').selectAll().execute()
    assert.equal(channels.length, trades.length)
    for (const c of channels) {
      assert.equal(c.kind, 2)
      assert.deepEqual(JSON.parse(c.supervisors).map((a: string) => a.toLowerCase()), [w.orgs.supervisor.address.toLowerCase()])
      assert.equal((await service.audit(BigInt(c.channel_id))).ok, true)
    }
  })

  test('proofs verify against roots computed independently and the root read from the chain', async () => {
    const channel = (await db.db.selectFrom('supervision_channels').select('channel_id').limit(1).executeTakeFirstOrThrow()).channel_id
    const records = await service.store.channelRecords(BigInt(channel))
    const leaves = records.map((r) => recordBytes(r)) // leaf data: mth() hashes them with the 0x00 prefix
    const heads = await service.store.heads(BigInt(channel))
    const newest = heads.at(-1)!
    assert.equal(bytesToHex(mth(leaves.slice(0, newest.treeSize))), newest.root)

    // The batch tree: every head of that batch re-encoded with viem and hashed here.
    const batchHeads = await db.db.selectFrom('supervision_heads').selectAll().where('batch', '=', newest.batch).orderBy('batch_index').execute()
    const headLeaves = batchHeads.map((h) => encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }, { type: 'bytes32' }], [BigInt(h.channel_id), BigInt(h.tree_size), h.root as Hex]))
    const batchRoot = bytesToHex(mth(headLeaves.map((l) => hexToBytes(l))))
    const [onChain] = (await w.client.publicClient.readContract({ address: w.deployment.supervision, abi: SupervisionAbi, functionName: 'batchRoot', args: [BigInt(newest.batch)] })) as [Hex, bigint]
    assert.equal(onChain, batchRoot)

    // The offline bundle verifies with only that root; a wrong root fails it.
    const built = await service.verifier.bundle(records[0]!.recordId)
    assert.ok(!('missing' in built))
    const bundle = JSON.parse(JSON.stringify(built.bundle))
    assert.equal(verifyBundle(bundle, onChain).ok, true)
    assert.equal(verifyBundle(bundle, `0x${'00'.repeat(32)}`).ok, false)
    const forged = { ...bundle, record: { ...bundle.record, publicFields: bundle.record.publicFields.replace('"', '" ') } }
    assert.deepEqual(verifyBundle(forged, onChain).checks.filter((c) => !c.ok).map((c) => c.name), ['channel-inclusion'])
  })

  test('the inclusion proofs stored at anchoring equal fresh ones; a tampered stored proof is reported, not trusted', async () => {
    const channel = (await db.db.selectFrom('supervision_channels').select('channel_id').orderBy('opened_block', 'desc').limit(1).executeTakeFirstOrThrow()).channel_id
    const channelId = BigInt(channel)
    const records = await service.store.channelRecords(channelId)
    const leaves = (await service.store.channelLeaves(channelId)).map((l) => hexToBytes(l.leafHash))
    const heads = await service.store.heads(channelId)
    assert.ok(records.length > 1 && heads.length > 0)
    for (const r of records) {
      const stored = await service.store.storedProof(channelId, r.seq)
      assert.ok(stored, `record ${r.seq} has a stored proof`)
      // The head it was first anchored under: the smallest anchored size above its position.
      const head = heads.find((h) => h.treeSize > r.seq)!
      assert.equal(stored.treeSize, head.treeSize)
      assert.equal(stored.batch, head.batch)
      assert.deepEqual(stored.proof, inclusionProof(leaves.slice(0, head.treeSize), r.seq).map((p) => bytesToHex(p)))
      const built = await service.verifier.bundle(r.recordId)
      assert.ok(!('missing' in built))
      assert.deepEqual(built.bundle.channel.inclusionProof, stored.proof)
    }

    const target = records[records.length - 1]!
    const head = heads.find((h) => h.treeSize > target.seq)!
    const where = { channel: channelIdText(channelId), treeSize: head.treeSize }
    const original = await db.db.selectFrom('supervision_heads').select(['first_leaf', 'proof_depth', 'leaf_proofs']).where('channel_id', '=', where.channel).where('tree_size', '=', where.treeSize).executeTakeFirstOrThrow()
    const setProofs = (columns: { first_leaf?: number | null; proof_depth?: number | null; leaf_proofs: Uint8Array | null }) =>
      db.db.updateTable('supervision_heads').set(columns).where('channel_id', '=', where.channel).where('tree_size', '=', where.treeSize).execute()
    try {
      const path = (await service.store.storedProof(channelId, target.seq))!.proof
      assert.ok(path.length > 0)
      const depth = Number(original.proof_depth)
      const stored = Buffer.from(original.leaf_proofs!)
      const at = (target.seq - Number(original.first_leaf)) * depth * 32
      assert.equal(stored.subarray(at, at + path.length * 32).toString('hex'), path.map((p) => p.slice(2)).join(''), "the record's slot holds its path")
      // A sibling hash changed: the record itself is intact, the proof no longer leads to the head.
      const forged = Buffer.from(stored)
      forged.fill(0x22, at, at + 32)
      await setProofs({ leaf_proofs: forged })
      let v = await service.verifier.verify(target.recordId)
      assert.equal(v.status, 'tampered')
      assert.deepEqual(v.checks.filter((c) => !c.ok).map((c) => c.name), ['channel-inclusion'])
      assert.match(v.problems[0]!, /inclusion proof do not lead to the channel root/)
      // Proofs cut short are no proof either, and say the same.
      await setProofs({ leaf_proofs: stored.subarray(0, at + 16) })
      v = await service.verifier.verify(target.recordId)
      assert.deepEqual(v.checks.filter((c) => !c.ok).map((c) => c.name), ['channel-inclusion'])
      // No stored proofs (a head anchored before migration 0004): recomputed from the log, verified.
      await setProofs({ first_leaf: null, proof_depth: null, leaf_proofs: null })
      const fallback = await service.store.proofMaterial(target.recordId)
      assert.equal(fallback?.anchor?.proofSource, 'log')
      assert.deepEqual(fallback?.anchor?.proof, path)
      assert.equal((await service.verifier.verify(target.recordId)).status, 'verified')
    } finally {
      await setProofs(original)
    }
    assert.equal((await service.store.proofMaterial(target.recordId))?.anchor?.proofSource, 'stored')
    assert.equal((await service.verifier.verify(target.recordId)).status, 'verified')
  })

  test('a channel head proven once is proven again when its row changes (the memo never answers for other bytes)', async () => {
    const record = (await db.db.selectFrom('supervision_records').select('record_id').orderBy('record_id').limit(1).executeTakeFirstOrThrow()).record_id as Hex
    const before = await service.verifier.verify(record)
    assert.equal(before.status, 'verified') // its head is now in the verifier's memo of proven heads
    const built = await service.verifier.bundle(record)
    assert.ok(!('missing' in built))
    const head = { channel: built.bundle.record.channelId, size: built.bundle.channel.treeSize }
    const original = (await db.db.selectFrom('supervision_heads').select(['batch_path', 'batch_index']).where('channel_id', '=', head.channel).where('tree_size', '=', head.size).executeTakeFirstOrThrow())
    const setHead = (values: { batch_path?: string; batch_index?: number }) => db.db.updateTable('supervision_heads').set(values).where('channel_id', '=', head.channel).where('tree_size', '=', head.size).execute()
    try {
      const path = JSON.parse(original.batch_path) as string[]
      if (path.length > 0) {
        await setHead({ batch_path: JSON.stringify([`0x${'33'.repeat(32)}`, ...path.slice(1)]) })
        const v = await service.verifier.verify(record)
        assert.equal(v.status, 'tampered')
        assert.deepEqual(v.checks.filter((c) => !c.ok).map((c) => c.name), ['batch-inclusion', 'on-chain-root'])
      }
      await setHead({ batch_path: original.batch_path, batch_index: original.batch_index + 1 })
      const moved = await service.verifier.verify(record)
      assert.equal(moved.status, 'tampered', 'the same head at another position of the batch is another proof')
    } finally {
      await setHead({ batch_path: original.batch_path, batch_index: original.batch_index })
    }
    assert.equal((await service.verifier.verify(record)).status, 'verified')
  })

  test('a bundle with a malformed head is refused with its checks, not thrown', async () => {
    const record = (await db.db.selectFrom('supervision_records').select('record_id').limit(1).executeTakeFirstOrThrow()).record_id as Hex
    const built = await service.verifier.bundle(record)
    assert.ok(!('missing' in built))
    const onChain = await service.verifier.onChainRoot(built.bundle.batch.number)
    for (const channel of [{ ...built.bundle.channel, root: '0x1234' as Hex }, { ...built.bundle.channel, treeSize: -1 }]) {
      const v = verifyBundle({ ...built.bundle, channel }, onChain)
      assert.equal(v.ok, false)
      assert.ok(v.checks.some((c) => c.name === 'batch-inclusion' && !c.ok))
    }
  })

  test('members decrypt the private fields; a non-member organisation cannot', async () => {
    const trade = await db.db.selectFrom('trades').selectAll().where('open', '=', 0).limit(1).executeTakeFirstOrThrow()
    const channelId = BigInt(trade.trade_id)
    const match = (await service.store.channelRecords(channelId)).find((r) => r.link === 'match')!
    const keys = await service.store.channelKeys(channelId)
    const producer = hexToBytes(w.encryptionKeys.platform.publicKey)
    const readAs = (org: keyof World['orgs']) => {
      const row = keys.find((k) => k.org.toLowerCase() === w.orgs[org].address.toLowerCase())
      if (!row) return undefined
      const channelKey = unwrapChannelKeyAsMember(w.encryptionKeys[org].privateKey, producer, hexToBytes(row.wrappedKey), channelId, row.org)
      return channelKey && openRecord(match, channelKey)
    }
    const buyerOrg = (await db.db.selectFrom('keys').select('org').where('key', '=', trade.buyer).executeTakeFirstOrThrow()).org
    const buyerName = Object.entries(w.orgs).find(([, a]) => a.address.toLowerCase() === buyerOrg)![0] as keyof World['orgs']
    for (const member of [buyerName, 'platform', 'seller', 'supervisor'] as const) {
      assert.equal(readAs(member)?.purchasePrice, decodeAmount(trade.price).toString(), `${member} reads the purchase price`)
    }
    assert.equal(readAs('arbitrator'), undefined, 'the arbitrator organisation is no member: no key was wrapped to it')
    // Even holding another member's wrapped key, a non-member's private key opens nothing.
    const buyerRow = keys.find((k) => k.org.toLowerCase() === buyerOrg)!
    assert.equal(unwrapChannelKeyAsMember(w.encryptionKeys.arbitrator.privateKey, producer, hexToBytes(buyerRow.wrappedKey), channelId, buyerRow.org), undefined)
    // And the public fields carry nothing of the private ones.
    assert.ok(!match.publicFields.includes('purchasePrice'))
  })

  test('a bad record is rejected with the rule it broke, logged, and never anchored', async () => {
    const trade = await db.db.selectFrom('trades').selectAll().limit(1).executeTakeFirstOrThrow()
    const result = await service.log.submit([{
      draft: { channelId: BigInt(trade.trade_id), link: 'settlement', source: 'test:bad-settlement', publicFields: { orderNumber: 'not-a-number', paymentMethod: 'AllianceCredit escrow', amount: '1', paymentTime: '2026-01-01T00:00:00Z' }, privateFields: { platformFee: '0', tradeTime: '2026-01-01T00:00:00Z', tradePrice: '1' } },
      facts: undefined,
      plan: undefined,
    }])
    assert.equal(result.accepted.length, 0)
    assert.deepEqual(result.rejected.map((r) => [r.rule, r.field]), [['format', 'public.orderNumber']])
    const logged = await service.store.rejections({ channelId: BigInt(trade.trade_id) })
    assert.deepEqual(logged.map((r) => [r.rule, r.field, r.source]), [['format', 'public.orderNumber', 'test:bad-settlement']])
    assert.equal(service.anchorer.pendingRecords, 0)
  })

  test('tampering with the database is pinpointed: a field, the order, a deletion, the log', async () => {
    const [a, b, c] = await db.db.selectFrom('supervision_channels').select('channel_id').orderBy('opened_block').limit(3).execute()
    const recordsOf = async (id: string) => service.store.channelRecords(BigInt(id))

    // A field.
    const [r0] = await recordsOf(a!.channel_id)
    await db.db.updateTable('supervision_records').set({ public_fields: r0!.publicFields.replace('text/csv', 'text/plain') }).where('record_id', '=', r0!.recordId).execute()
    const v = await service.verifier.verify(r0!.recordId)
    assert.equal(v.status, 'tampered')
    assert.deepEqual(v.checks.filter((x) => !x.ok).map((x) => x.name), ['record-hash', 'channel-inclusion'])
    assert.match(v.problems[0]!, /was modified/)
    const auditA = await service.audit(BigInt(a!.channel_id))
    assert.deepEqual(auditA.issues.map((i) => [i.kind, i.recordId, i.position]), [['tampered', r0!.recordId, 0]])

    // The order: two records swap positions.
    const [s0, s1] = await recordsOf(b!.channel_id)
    await db.db.updateTable('supervision_records').set({ seq: 99 }).where('record_id', '=', s0!.recordId).execute()
    await db.db.updateTable('supervision_records').set({ seq: 0 }).where('record_id', '=', s1!.recordId).execute()
    await db.db.updateTable('supervision_records').set({ seq: 1 }).where('record_id', '=', s0!.recordId).execute()
    const auditB = await service.audit(BigInt(b!.channel_id))
    assert.deepEqual(auditB.issues.map((i) => [i.kind, i.recordId, i.position]).sort(), [['reordered', s0!.recordId, 0], ['reordered', s1!.recordId, 1]].sort())
    assert.equal((await service.verifier.verify(s1!.recordId)).status, 'tampered')

    // A deletion.
    const [d0, d1] = await recordsOf(c!.channel_id)
    await db.db.deleteFrom('supervision_records').where('record_id', '=', d1!.recordId).execute()
    const auditC = await service.audit(BigInt(c!.channel_id))
    assert.deepEqual(auditC.issues.map((i) => [i.kind, i.recordId, i.position]), [['missing', d1!.recordId, 1]])
    assert.equal((await service.verifier.verify(d1!.recordId)).status, 'not-found')
    assert.equal((await service.verifier.verify(d0!.recordId)).status, 'verified', 'its neighbours still verify')

    // The log itself (record and leaf changed together): the anchored root catches it.
    await db.db.updateTable('supervision_leaves').set({ leaf_hash: `0x${'11'.repeat(32)}` }).where('channel_id', '=', c!.channel_id).where('leaf_index', '=', 0).execute()
    const auditLog = await service.audit(BigInt(c!.channel_id))
    assert.ok(auditLog.issues.some((i) => i.kind === 'log-mismatch'), JSON.stringify(auditLog.issues))
    assert.equal((await service.verifier.verify(d0!.recordId)).status, 'tampered')
  })

  test('across a restart and a crash mid-anchoring: nothing lost, nothing produced or anchored twice', async () => {
    const before = await db.db.selectFrom('supervision_records').select('record_id').execute()
    // More trading while the service is down.
    const listing = await w.list({ description: 'after the restart' })
    const t = (await w.buyer.order({ listingId: listing, maxPrice: parseEther('200'), token: newToken() })).trade
    await w.buyer.confirm((await w.storage.confirmDownload(t)).trade, 'Ok')
    await indexer.runOnce()

    const restarted = serviceFor(w, db)
    await restarted.anchorer.recover()
    await restarted.catchUp()
    await restarted.catchUp() // a second pass finds nothing new
    const after = await db.db.selectFrom('supervision_records').select(['record_id', 'channel_id', 'link']).execute()
    assert.equal(after.length, before.length + 5, 'access, match, implementation, service, settlement of the new trade only')
    assert.equal(new Set(after.map((r) => r.record_id)).size, after.length)

    // Crash after the batch was written as pending and its transaction landed, before it was
    // marked committed: recovery finds the root on chain and keeps the batch.
    const store = restarted.store
    const batch = Math.max(Number(await w.client.batchCount()), (await store.lastBatchNumber()) + 1)
    const root = `0x${'ab'.repeat(32)}` as Hex
    await store.insertPendingBatch({ batch, root, heads: 1, records: 1, createdAt: Date.now() }, [])
    await w.platform.commitHeads({ root, heads: 1, records: 1 })
    // …and one whose transaction never landed: recovery drops it.
    // (with a head and its stored proofs, which must go with it)
    const orphan = { channelId: 0xdeadn, treeSize: 2, root: `0x${'12'.repeat(32)}` as Hex, batch: batch + 1, batchIndex: 0, batchPath: [], proofs: { firstLeaf: 0, paths: [[hexToBytes(`0x${'ef'.repeat(32)}`)], [hexToBytes(`0x${'fe'.repeat(32)}`)]] } }
    await store.insertPendingBatch({ batch: batch + 1, root: `0x${'cd'.repeat(32)}`, heads: 1, records: 2, createdAt: Date.now() }, [orphan])
    assert.deepEqual((await store.storedProof(orphan.channelId, 0))?.proof, [`0x${'ef'.repeat(32)}`])
    assert.deepEqual((await store.storedProof(orphan.channelId, 1))?.proof, [`0x${'fe'.repeat(32)}`])
    const recovered = serviceFor(w, db)
    await recovered.anchorer.recover()
    assert.equal((await store.batch(batch))?.status, 'committed')
    assert.equal(await store.batch(batch + 1), undefined)
    assert.equal(await store.storedProof(orphan.channelId, 0), undefined, 'the dropped batch took its proofs with it')

    await recovered.anchorer.stop({ flush: true })
    const newChannel = channelIdText(t.id)
    const heads = await db.db.selectFrom('supervision_heads').select(['channel_id', 'tree_size']).execute()
    assert.deepEqual(heads.filter((h) => h.channel_id === newChannel).map((h) => Number(h.tree_size)), [5], 'the new channel anchored once, whole')
    // Its opening was queued by the service that "crashed" before sending it: the recovered one opened it.
    assert.notEqual(BigInt(await w.client.channelState(t.id)), 0n, 'the new channel is open on chain')
    assert.equal(recovered.anchorer.channelsToOpen, 0)
    const ids = after.filter((r) => r.channel_id === newChannel).map((r) => r.record_id as Hex)
    for (const id of ids) assert.equal((await recovered.verifier.verify(id)).status, 'verified')
  })
})
