import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { MerkleHashLengthError, MerkleHexError } from './errors.ts'
import { emptyRoot, equalBytes, fromHex, hashFromHex, leafHash, nodeHash, sha256, toHex } from './hash.ts'

test('known answers (RFC 9162 2.1.1 with the Certificate Transparency reference inputs)', () => {
  // SHA-256("") and the roots of the CT reference tree of sizes 1 and 2 (see merkle.test.ts).
  assert.equal(toHex(emptyRoot()), '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  assert.equal(toHex(leafHash(new Uint8Array())), '0x6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d')
  assert.equal(toHex(nodeHash(leafHash(new Uint8Array()), leafHash(Uint8Array.of(0)))), '0xfac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125')
})

test('leafHash and nodeHash match an independent SHA-256 (@noble/hashes), short and long inputs', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 10_000 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (data, left, right) => {
      assert.deepEqual(leafHash(data), nobleSha256(concatBytes(Uint8Array.of(0), data)))
      assert.deepEqual(nodeHash(left, right), nobleSha256(concatBytes(Uint8Array.of(1), left, right)))
      assert.deepEqual(sha256(data), nobleSha256(data))
    }),
    { numRuns: 200 },
  )
})

test('hashes are plain 32-byte Uint8Arrays, each its own value', () => {
  const a = leafHash(Uint8Array.of(1))
  const b = nodeHash(a, a)
  for (const h of [a, b, emptyRoot()]) {
    assert.equal(Object.getPrototypeOf(h), Uint8Array.prototype)
    assert.equal(h.length, 32)
  }
  // The node input buffer is reused: earlier results must not change.
  const before = toHex(b)
  nodeHash(b, a)
  assert.equal(toHex(b), before)
  assert.notEqual(toHex(nodeHash(a, b)), toHex(nodeHash(b, a)))
})

test('nodeHash refuses children that are not 32 bytes', () => {
  const h = leafHash(new Uint8Array())
  assert.throws(() => nodeHash(h, h.subarray(1)), (e: unknown) => e instanceof MerkleHashLengthError && e.shortMessage === 'right child must be a 32-byte SHA-256 hash, got 31 bytes.')
  assert.throws(() => nodeHash(new Uint8Array(64), h), MerkleHashLengthError)
})

test('hex at the edges: strict parsing, lower-case output, round trip', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      assert.deepEqual(fromHex(toHex(bytes)), bytes)
      assert.deepEqual(fromHex(toHex(bytes).toUpperCase().replace('0X', '0x')), bytes)
    }),
  )
  assert.equal(toHex(Uint8Array.of(1, 255)), '0x01ff')
  for (const bad of ['abcd', '0x0', '0xzz', '0x 1', 'x01', '0X01']) {
    assert.throws(() => fromHex(bad), (e: unknown) => e instanceof MerkleHexError && !e.message.includes(bad))
  }
  assert.throws(() => fromHex('0xzz'), (e: unknown) => e instanceof MerkleHexError && e.shortMessage === 'Expected 0x followed by an even number of hex digits (a string of 4 characters was given).')
  assert.equal(hashFromHex(toHex(emptyRoot())).length, 32)
  assert.throws(() => hashFromHex('0x00', 'batch root'), (e: unknown) => e instanceof MerkleHashLengthError && e.shortMessage === 'batch root must be a 32-byte SHA-256 hash, got 1 byte.')
})

test('equalBytes', () => {
  assert.equal(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true)
  assert.equal(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false)
  assert.equal(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1)), false)
  assert.equal(equalBytes(new Uint8Array(), new Uint8Array()), true)
})
