import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeAbiParameters, keccak256, type Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { ContractRevertError } from '../errors/contract.ts'
import { generateEncryptionKeyPair } from '../identity/encryptionKey.ts'
import { createWorld } from '../testing/world.ts'
import { bootstrapSupervision } from './bootstrap.ts'
import { contractEvents } from './events.ts'
import { channelJoinedState, channelKindIndex, channelOpenedState, publishEncryptionKeyIfChanged } from './supervision.ts'

test('channel hash chain: the encodings the contract hashes', () => {
  const members: Address[] = ['0x1111111111111111111111111111111111111111', '0x2222222222222222222222222222222222222222']
  const supervisors: Address[] = ['0x3333333333333333333333333333333333333333']
  const opened = channelOpenedState('DePlSu', members, supervisors)
  const words = [1n, 0x60n, 0xc0n, 2n, BigInt(members[0]!), BigInt(members[1]!), 1n, BigInt(supervisors[0]!)]
  assert.equal(opened, keccak256(`0x${words.map((v) => v.toString(16).padStart(64, '0')).join('')}`))
  assert.equal(channelOpenedState(1, members, supervisors), opened)
  assert.equal(channelJoinedState(opened, supervisors[0]!), keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'address' }], [opened, supervisors[0]!])))
  assert.deepEqual(['DePlSu', 'DePlPrSu', 'DePlSePrSu'].map((k) => channelKindIndex(k as never)), [1, 2, 3])
  assert.throws(() => channelKindIndex('None' as never), /unknown channel kind/)
})

test('bootstrapSupervision publishes and oversees once; publishEncryptionKeyIfChanged sends only changes; refusals are explained; events decoded', async () => {
  const w = await createWorld({ pricing: 'fixed' })
  const from = (await w.client.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n
  // A second supervisor organisation, appointed without an encryption key.
  const admin = privateKeyToAccount(generatePrivateKey())
  const key = privateKeyToAccount(generatePrivateKey())
  await w.governance.addSupervisor(admin.address, 'Audit Office')
  await w.client.as(admin).bindKey('Supervisor', key.address)
  const pair = generateEncryptionKeyPair()

  // What each key sent: its nonce.
  const sent = () => Promise.all([admin, key].map((a) => w.client.publicClient.getTransactionCount({ address: a.address })))
  const [adminBefore, keyBefore] = await sent()
  await bootstrapSupervision(w.client, { admin, supervisorKey: key, encryptionPublicKey: pair.publicKey })
  assert.equal(await w.client.encryptionKeyOf(admin.address), pair.publicKey)
  assert.deepEqual(await w.client.overseers(), [w.orgs.supervisor.address, admin.address])
  assert.deepEqual(await sent(), [adminBefore! + 1, keyBefore! + 1], 'one publication, one oversee')
  await bootstrapSupervision(w.client, { admin, supervisorKey: key, encryptionPublicKey: pair.publicKey })
  assert.deepEqual(await sent(), [adminBefore! + 1, keyBefore! + 1], 'nothing left to do: nothing sent')

  // An organisation that is not a supervisor only publishes.
  const seller = w.client.as(w.orgs.seller)
  assert.equal(await publishEncryptionKeyIfChanged(w.client, w.orgs.seller, w.encryptionKeys.seller.publicKey), undefined)
  const rotated = generateEncryptionKeyPair().publicKey
  await bootstrapSupervision(w.client, { admin: w.orgs.seller, supervisorKey: w.seller.account, encryptionPublicKey: rotated })
  assert.equal(await w.client.encryptionKeyOf(seller.address), rotated)
  assert.equal((await w.client.overseers()).length, 2)

  // A refusal names the contract error, its arguments and says what it means.
  const error = await w.buyer.openChannels([{ channelId: 1n, kind: 'DePlSu', members: [w.orgs.buyer.address, w.orgs.platform.address] }]).catch((e: unknown) => e)
  assert.ok(error instanceof ContractRevertError)
  assert.equal(error.errorName, 'SupervisionNotPlatform')
  assert.equal(error.errorArgs.caller, w.buyer.address)
  assert.match(error.message, /openChannels: SupervisionNotPlatform\(caller=0x[0-9a-fA-F]{40}\)/)
  assert.match(error.details ?? '', /active platform key/)

  const events = await contractEvents(w.client, { fromBlock: from })
  const supervision = events.filter((e) => e.contract === 'supervision').map((e) => [e.eventName, (e.args as { org?: Address; supervisor?: Address }).org ?? (e.args as { supervisor?: Address }).supervisor])
  assert.deepEqual(supervision, [
    ['EncryptionKeyPublished', admin.address],
    ['OversightChanged', admin.address],
    ['EncryptionKeyPublished', w.orgs.seller.address],
  ])
})

test('an opening reports the state hash the contract stored (computed on first read)', async () => {
  const w = await createWorld({ pricing: 'fixed' })
  const { channels } = await w.platform.openChannels([
    { channelId: 0x77n, kind: 'DePlSu', members: [w.orgs.buyer.address, w.orgs.platform.address] },
    { channelId: 0x78n, kind: 'DePlPrSu', members: [w.orgs.buyer.address, w.orgs.platform.address, w.orgs.seller.address] },
  ])
  assert.deepEqual(channels.map((c) => c.channelId), [0x77n, 0x78n])
  for (const c of channels) assert.equal(c.state, await w.client.channelState(c.channelId))
  const serialised = JSON.parse(JSON.stringify(channels[1], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as { state: string }
  assert.equal(serialised.state, channels[1]!.state, 'serialised like any field')
})
