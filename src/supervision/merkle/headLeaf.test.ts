import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { encodeAbiParameters, keccak256 } from 'viem'
import { MerkleHashLengthError, MerkleRangeError } from './errors.ts'
import { leafHash, toHex } from './hash.ts'
import { headLeaf, headLeafHash } from './headLeaf.ts'

const HEAD = [{ type: 'uint256' }, { type: 'uint256' }, { type: 'bytes32' }] as const

test('headLeaf is abi.encode(uint256 channelId, uint256 treeSize, bytes32 root), as viem encodes it', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (channelId, treeSize, root) => {
      const bytes = headLeaf(channelId, treeSize, root)
      assert.equal(bytes.length, 96)
      assert.equal(toHex(bytes), encodeAbiParameters(HEAD, [channelId, BigInt(treeSize), toHex(root)]))
      assert.deepEqual(headLeafHash(channelId, treeSize, root), leafHash(bytes))
    }),
    { numRuns: 300 },
  )
})

test('headLeaf of the extremes', () => {
  const root = new Uint8Array(32).fill(0xab)
  const max = (1n << 256n) - 1n
  assert.equal(toHex(headLeaf(0n, 0, root)), `0x${'00'.repeat(64)}${'ab'.repeat(32)}`)
  assert.equal(toHex(headLeaf(max, Number.MAX_SAFE_INTEGER, root)), `0x${'ff'.repeat(32)}${'00'.repeat(25)}1fffffffffffff${'ab'.repeat(32)}`)
  // A channel id is a trade id: the same 32 bytes whatever its size.
  assert.equal(keccak256(headLeaf(1n, 1, root)), keccak256(encodeAbiParameters(HEAD, [1n, 1n, toHex(root)])))
})

test('headLeaf rejects what abi.encode could not hold', () => {
  const root = new Uint8Array(32)
  assert.throws(() => headLeaf(-1n, 1, root), (e: unknown) => e instanceof MerkleRangeError && e.argument === 'channelId' && e.shortMessage === 'channelId must be an integer with 0 <= channelId < 2^256, got -1.')
  assert.throws(() => headLeaf(1n << 256n, 1, root), MerkleRangeError)
  assert.throws(() => headLeaf(1n, -1, root), (e: unknown) => e instanceof MerkleRangeError && e.argument === 'treeSize')
  assert.throws(() => headLeaf(1n, 1.5, root), MerkleRangeError)
  assert.throws(() => headLeaf(1n, 2 ** 53, root), MerkleRangeError)
  assert.throws(() => headLeaf(1n, 1, new Uint8Array(31)), (e: unknown) => e instanceof MerkleHashLengthError && e.shortMessage === 'root must be a 32-byte SHA-256 hash, got 31 bytes.')
})
