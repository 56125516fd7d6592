import assert from 'node:assert/strict'
import { test } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { hexToBytes } from 'viem'
import { ChannelKeyWrapper, newKey, open, seal, sealedMessage, sealMany, sealManyImplementation, sealManyWithNodeCrypto, unwrapChannelKeyAsMember } from './envelope.ts'
import { openRecord, recordLeafHash, SEAL_RANDOM_BYTES, sealRecord, sealRecords } from './record.ts'
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

test('wrapMany: every key opens for its own member and channel only, as wrap would, whatever the channel ids\' lengths', () => {
  const producer = keyPair()
  const members = [keyPair(), keyPair(), keyPair()]
  const wrapper = new ChannelKeyWrapper(producer.privateKey)
  fc.assert(
    fc.property(fc.array(fc.record({ channelId: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), member: fc.integer({ min: 0, max: 2 }), org: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => Buffer.from(b).toString('hex')) }), { maxLength: 12 }), (specs) => {
      const wraps = specs.map((s) => ({ channelKey: newKey(), channelId: s.channelId, org: `0x${s.org}`, memberPublicKey: members[s.member]!.publicKey }))
      const wrapped = wrapper.wrapMany(wraps)
      assert.equal(wrapped.length, wraps.length)
      wraps.forEach((w, i) => {
        const member = members[specs[i]!.member]!
        assert.deepEqual(unwrapChannelKeyAsMember(member.privateKey, producer.publicKey, wrapped[i]!, w.channelId, w.org), w.channelKey)
        assert.deepEqual(wrapper.unwrap(wrapped[i]!, w.channelId, w.org, w.memberPublicKey), w.channelKey)
        assert.equal(unwrapChannelKeyAsMember(members[(specs[i]!.member + 1) % 3]!.privateKey, producer.publicKey, wrapped[i]!, w.channelId, w.org), undefined)
        assert.equal(unwrapChannelKeyAsMember(member.privateKey, producer.publicKey, wrapped[i]!, w.channelId + 1n, w.org), undefined)
      })
      // The keys given are not zeroed (they stay the channels' keys); fresh IVs: no two outputs share one.
      assert.equal(new Set(wrapped.map((b) => Buffer.from(b.subarray(0, 12)).toString('hex'))).size, wrapped.length)
    }),
    { numRuns: 40 },
  )
  assert.deepEqual(wrapper.wrapMany([]), [])
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

test('sealMany seals through the native batch (built at install) exactly as Node\'s crypto does, message by message', () => {
  assert.ok(sealManyImplementation.native, `native/aes-gcm-batch did not load: ${sealManyImplementation.why}`)
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 1, maxLength: 20 }), fc.nat(48), fc.uint8Array({ minLength: 1, maxLength: 16 }), (messages, aadLength, seed) => {
      const n = messages.length
      const bytes = (length: number, salt: number) => Uint8Array.from({ length }, (_, i) => seed[i % seed.length]! ^ ((i * 31 + salt) & 0xff))
      const offsets = new Uint32Array(n + 1)
      messages.forEach((m, i) => (offsets[i + 1] = offsets[i]! + m.length))
      const batch = { keys: bytes(32 * n, 1), ivs: bytes(12 * n, 2), aads: bytes(aadLength * n, 3), aadLength, plaintext: Uint8Array.from(messages.flatMap((m) => [...m])), offsets }
      const sealed = sealMany(batch)
      const reference = Buffer.alloc(sealed.length)
      sealManyWithNodeCrypto(batch.keys, batch.ivs, batch.aads, aadLength, batch.plaintext, offsets, reference)
      assert.deepEqual(sealed, reference)
      // Each sealed message opens with its own key and associated data, as seal()'s output does.
      messages.forEach((m, i) => {
        const one = sealedMessage(sealed, offsets, i)
        assert.deepEqual(open(batch.keys.subarray(32 * i, 32 * i + 32), one, batch.aads.subarray(aadLength * i, aadLength * (i + 1))), new Uint8Array(m))
      })
    }),
    { numRuns: 200 },
  )
})

test('sealMany refuses lengths that do not agree, natively and through Node\'s crypto', () => {
  const offsets = Uint32Array.of(0, 5)
  const good = { keys: new Uint8Array(32), ivs: new Uint8Array(12), aads: new Uint8Array(4), aadLength: 4, plaintext: new Uint8Array(5), offsets }
  for (const bad of [{ keys: new Uint8Array(31) }, { ivs: new Uint8Array(16) }, { aads: new Uint8Array(3) }, { plaintext: new Uint8Array(6) }, { offsets: Uint32Array.of(0, 6) }, { offsets: Uint32Array.of(1, 5) }]) {
    const batch = { ...good, ...bad }
    assert.throws(() => sealMany(batch), RangeError, `sealMany with ${Object.keys(bad)[0]} wrong`)
    assert.throws(() => sealManyWithNodeCrypto(batch.keys, batch.ivs, batch.aads, batch.aadLength, batch.plaintext, batch.offsets, Buffer.alloc(33)), RangeError)
  }
})

test('sealRecords seals each record as sealRecord does alone, and zeroes the record keys in the randomness it was given', () => {
  const keys = [newKey(), newKey()]
  const drafts = [draft, { ...draft, source: 'trade:0xabc:again', privateFields: { ...draft.privateFields, tradeTime: 'ünïcödé 😀' } }, { ...draft, channelId: 0xabdn }]
  const random = Uint8Array.from({ length: drafts.length * SEAL_RANDOM_BYTES }, (_, i) => (i * 7) & 0xff)
  const alone = drafts.map((d, i) => sealRecord(d, keys[i % 2]!, i, 5, random.slice(i * SEAL_RANDOM_BYTES, (i + 1) * SEAL_RANDOM_BYTES)))
  const batch = sealRecords(drafts.map((d, i) => ({ draft: d, channelKey: keys[i % 2]!, seq: i })), 5, random)
  assert.deepEqual(batch, alone)
  batch.forEach((r, i) => assert.deepEqual(openRecord(r, keys[i % 2]!), JSON.parse(JSON.stringify(drafts[i]!.privateFields))))
  for (let i = 0; i < drafts.length; i++) assert.ok(random.subarray(i * SEAL_RANDOM_BYTES, i * SEAL_RANDOM_BYTES + 32).every((b) => b === 0), `record ${i}'s key zeroed`)
  assert.ok(random.subarray(32, SEAL_RANDOM_BYTES).some((b) => b !== 0), 'the IVs are left as they were')
  assert.throws(() => sealRecords(drafts.map((d) => ({ draft: d, channelKey: keys[0]!, seq: 0 })), 5, new Uint8Array(10)), RangeError)
})
