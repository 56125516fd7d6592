/**
 * The supervision routes over HTTP: public fields for anyone, private fields (as an envelope)
 * only for a channel member, verification and proofs, audits, consistency proofs, the
 * supervisor's view with its filters, and clear 4xx errors.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { hexToBytes, parseEther, type Hex } from 'viem'
import { verifyBundle } from '../../supervision/bundle.ts'
import { unwrapChannelKeyAsMember } from '../../supervision/envelope.ts'
import { verifyConsistency } from '../../supervision/merkle/index.ts'
import { openRecord } from '../../supervision/record.ts'
import { newToken } from '../../testing/world.ts'
import { createApiWorld, json, type ApiWorld } from '../testing/apiWorld.ts'

let t: ApiWorld
let tradeId: bigint
let records: { recordId: Hex; link: string }[]

before(async () => {
  t = await createApiWorld({ database: 'sqlite', supervision: true })
  const listingId = await t.world.list()
  const o = await t.world.buyer.order({ listingId, maxPrice: parseEther('500'), token: newToken() })
  tradeId = o.trade.id
  await t.index() // access + match, anchored
  await t.world.buyer.confirm((await t.world.storage.confirmDownload(o.trade)).trade, 'Ok')
  await t.index() // implementation, service, settlement: a second head of the same channel
  records = (await t.database!.db.selectFrom('supervision_records').select(['record_id', 'link']).orderBy('seq').execute()).map((r) => ({ recordId: r.record_id as Hex, link: r.link }))
})
after(async () => t.close())

test('anyone reads public fields and verifies; the private part is not in the public view', async () => {
  assert.deepEqual(records.map((r) => r.link), ['access', 'match', 'implementation', 'service', 'settlement'])
  const match = records[1]!
  const res = await t.send('GET', `/v1/supervision/records/${match.recordId}`)
  assert.equal(res.status, 200)
  const body = await json(res)
  assert.equal(body.link, 'match')
  assert.equal(body.publicFields.quantity, 1)
  assert.equal(JSON.stringify(body).includes('purchasePrice'), false)
  const v = await json(await t.send('GET', `/v1/supervision/records/${match.recordId}/verification`))
  assert.equal(v.status, 'verified')
  assert.equal(v.ok, true)
})

test('the envelope: a member decrypts it; a non-member, a stranger and an unsigned request are refused', async () => {
  const match = records[1]!.recordId
  const path = `/v1/supervision/records/${match}/envelope`
  const asBuyer = await t.send('GET', path, { as: t.keys.buyer })
  assert.equal(asBuyer.status, 200)
  const envelope = await json(asBuyer)
  const channelKey = unwrapChannelKeyAsMember(t.world.encryptionKeys.buyer.privateKey, hexToBytes(envelope.producerKey), hexToBytes(envelope.wrappedChannelKey), tradeId, envelope.org)
  const record = (await t.deps.supervision!.store.record(match))!
  assert.equal(openRecord({ ...record, privateCiphertext: envelope.privateCiphertext, wrappedRecordKey: envelope.wrappedRecordKey }, channelKey!)?.purchasePrice, parseEther('150').toString())

  // The supervisor overseeing every channel reads it too.
  assert.equal((await t.send('GET', path, { as: t.keys.supervisor })).status, 200)
  for (const [who, key] of [['arbitrator (another organisation)', t.keys.arbitrator], ['a key bound to no organisation', t.keys.stranger], ['a second buyer organisation', t.keys.buyer2]] as const) {
    const res = await t.send('GET', path, { as: key })
    assert.equal(res.status, 403, who)
    const body = await json(res)
    assert.equal(body.error.code, 'FORBIDDEN', who)
    assert.equal(JSON.stringify(body).includes(envelope.privateCiphertext.slice(2, 40)), false)
  }
  assert.equal((await t.send('GET', path)).status, 401)
})

test('proof bundles verify offline against the root on chain; consistency between the two anchored heads', async () => {
  const bundle = await json(await t.send('GET', `/v1/supervision/records/${records[0]!.recordId}/proof`))
  const root = await json(await t.send('GET', `/v1/supervision/roots/${bundle.batch.number}`))
  const [onChain] = (await t.world.client.batchRoot(BigInt(bundle.batch.number)).then((r) => [r.root]))
  assert.equal(root.root, onChain)
  assert.equal(verifyBundle(bundle, onChain as Hex).ok, true)

  const channel = `0x${tradeId.toString(16)}`
  const c = await json(await t.send('GET', `/v1/supervision/channels/${channel}/consistency?from=2&to=5`))
  assert.equal(verifyConsistency({ oldSize: 2, newSize: 5, oldRoot: hexToBytes(c.fromRoot), newRoot: hexToBytes(c.toRoot), proof: c.proof.map((p: Hex) => hexToBytes(p)) }), true)
  assert.equal((await t.send('GET', `/v1/supervision/channels/${channel}/consistency?from=5&to=2`)).status, 400)
  assert.equal((await t.send('GET', `/v1/supervision/channels/${channel}/consistency?from=3&to=5`)).status, 404, 'size 3 was never anchored')
  const audit = await json(await t.send('GET', `/v1/supervision/channels/${channel}/audit`))
  assert.deepEqual([audit.ok, audit.records, audit.anchoredSize, audit.issues], [true, 5, 5, []])
})

test('the supervisor view: its channels with their links, filtered by member, link and time', async () => {
  const view = async (query: string) => json(await t.send('GET', `/v1/supervision/channels${query}`, { as: t.keys.supervisor }))
  const all = await view('')
  assert.equal(all.channels.length, 1)
  assert.deepEqual(all.channels[0].records.map((r: { link: string }) => r.link), ['access', 'match', 'implementation', 'service', 'settlement'])
  assert.equal((await view(`?member=${t.world.orgs.buyer.address}`)).channels.length, 1)
  assert.equal((await view(`?member=${t.world.orgs.buyer2.address}`)).channels.length, 0)
  assert.deepEqual((await view('?link=settlement')).channels[0].records.map((r: { link: string }) => r.link), ['settlement'])
  assert.equal((await view(`?from=${Math.floor(Date.now() / 1000) + 3600}`)).channels.length, 0)
  // Another organisation supervises nothing here.
  assert.equal((await json(await t.send('GET', '/v1/supervision/channels', { as: t.keys.buyer }))).channels.length, 0)
  const bad = await t.send('GET', '/v1/supervision/channels?link=teleport', { as: t.keys.supervisor })
  assert.equal(bad.status, 400)
  assert.match((await json(bad)).error.field, /link/)
})

test('rejections are logged for supervisors only', async () => {
  await t.deps.supervision!.log.submit([{ draft: { channelId: tradeId, link: 'access', source: 'test:second-access', publicFields: {} as never, privateFields: {} as never }, facts: undefined, plan: undefined }])
  const res = await t.send('GET', `/v1/supervision/rejections?channel=0x${tradeId.toString(16)}`, { as: t.keys.supervisor })
  assert.equal(res.status, 200)
  const body = await json(res)
  assert.deepEqual(body.rejections.map((r: { rule: string; field: string; source: string }) => [r.rule, r.field, r.source]), [['required-field', 'public.dataSource', 'test:second-access']])
  assert.equal((await t.send('GET', '/v1/supervision/rejections', { as: t.keys.buyer })).status, 403)
})

test('bad ids get 400 naming the field; unknown ones 404', async () => {
  const bad = await t.send('GET', '/v1/supervision/records/0x1234/verification')
  assert.equal(bad.status, 400)
  assert.match((await json(bad)).error.field, /recordId/)
  assert.equal((await t.send('GET', `/v1/supervision/records/0x${'00'.repeat(32)}`)).status, 404)
  const v = await json(await t.send('GET', `/v1/supervision/records/0x${'00'.repeat(32)}/verification`))
  assert.deepEqual([v.ok, v.status], [false, 'not-found'])
  assert.equal((await t.send('GET', '/v1/supervision/roots/999')).status, 404)
})
