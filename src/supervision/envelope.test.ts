import assert from 'node:assert/strict'
import { test } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hexToBytes } from 'viem'
import { ChannelKeyWrapper, newKey, open, seal, unwrapChannelKeyAsMember } from './envelope.ts'
import { openRecord, recordLeafHash, sealRecord } from './record.ts'
import type { RecordDraft } from './links.ts'

const keyPair = () => {
  const privateKey = secp256k1.utils.randomSecretKey()
  return { privateKey, publicKey: secp256k1.getPublicKey(privateKey, true) }
}

test('a channel key wrapped by the producer opens for that member only, in that channel only', () => {
  const producer = keyPair()
  const [alice, bob] = [keyPair(), keyPair()]
  const wrapper = new ChannelKeyWrapper(producer.privateKey)
  const channelKey = newKey()
  const wrapped = wrapper.wrap(channelKey, 7n, '0x00000000000000000000000000000000000000a1', alice.publicKey)

  assert.deepEqual(unwrapChannelKeyAsMember(alice.privateKey, producer.publicKey, wrapped, 7n, '0x00000000000000000000000000000000000000A1'), channelKey)
  assert.deepEqual(wrapper.unwrap(wrapped, 7n, '0x00000000000000000000000000000000000000a1', alice.publicKey), channelKey)
  // Another member's key, another channel, another org name, a flipped bit: nothing opens.
  assert.equal(unwrapChannelKeyAsMember(bob.privateKey, producer.publicKey, wrapped, 7n, '0x00000000000000000000000000000000000000a1'), undefined)
  assert.equal(unwrapChannelKeyAsMember(alice.privateKey, producer.publicKey, wrapped, 8n, '0x00000000000000000000000000000000000000a1'), undefined)
  assert.equal(unwrapChannelKeyAsMember(alice.privateKey, producer.publicKey, wrapped, 7n, '0x00000000000000000000000000000000000000b2'), undefined)
  const flipped = wrapped.slice()
  flipped[20]! ^= 1
  assert.equal(unwrapChannelKeyAsMember(alice.privateKey, producer.publicKey, flipped, 7n, '0x00000000000000000000000000000000000000a1'), undefined)
  // A producer key that is not the one that wrapped it: nothing opens either.
  assert.equal(unwrapChannelKeyAsMember(alice.privateKey, keyPair().publicKey, wrapped, 7n, '0x00000000000000000000000000000000000000a1'), undefined)
})

test('seal/open: authenticated, bound to the associated data', () => {
  const key = newKey()
  const sealed = seal(key, new TextEncoder().encode('private'), Uint8Array.of(1, 2))
  assert.equal(new TextDecoder().decode(open(key, sealed, Uint8Array.of(1, 2))!), 'private')
  assert.equal(open(key, sealed, Uint8Array.of(1, 3)), undefined)
  assert.equal(open(newKey(), sealed, Uint8Array.of(1, 2)), undefined)
  assert.equal(open(key, sealed.subarray(0, 20), Uint8Array.of(1, 2)), undefined)
})

const draft: RecordDraft<'settlement'> = {
  channelId: 0xabcn,
  link: 'settlement',
  source: 'trade:0xabc:settlement',
  publicFields: { orderNumber: '0xabc', paymentMethod: 'AllianceCredit escrow', amount: '140', paymentTime: '2026-11-21T14:03:07Z' },
  privateFields: { platformFee: '10', tradeTime: '2026-11-21T14:00:00Z', tradePrice: '150' },
}

test('a sealed record: private fields readable with the channel key only; the public part in clear; every column in the leaf', () => {
  const channelKey = newKey()
  const record = sealRecord(draft, channelKey, 3, 1_700_000_000_000)
  assert.deepEqual(openRecord(record, channelKey), draft.privateFields)
  assert.equal(openRecord(record, newKey()), undefined)
  assert.equal(record.publicFields, '{"amount":"140","orderNumber":"0xabc","paymentMethod":"AllianceCredit escrow","paymentTime":"2026-11-21T14:03:07Z"}')
  assert.ok(!Buffer.from(hexToBytes(record.privateCiphertext)).toString('latin1').includes('tradePrice'))

  // Moving a record's ciphertext into another record fails to open (bound to the record id).
  const other = sealRecord({ ...draft, source: 'trade:0xabc:other' }, channelKey, 4, 1)
  assert.equal(openRecord({ ...other, privateCiphertext: record.privateCiphertext }, channelKey), undefined)

  const leaf = recordLeafHash(record)
  for (const change of [
    { seq: 4 }, { link: 'match' as const }, { publicFields: record.publicFields.replace('140', '141') }, { createdAt: record.createdAt + 1 },
    { privateCiphertext: other.privateCiphertext }, { wrappedRecordKey: other.wrappedRecordKey }, { source: 'x' }, { channelId: 0xabdn },
  ]) {
    assert.notDeepEqual(recordLeafHash({ ...record, ...change }), leaf, `changing ${Object.keys(change)[0]} changes the leaf`)
  }
  assert.deepEqual(recordLeafHash({ ...record }), leaf)
})
