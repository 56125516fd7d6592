import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { bytesToHex } from 'viem'
import { leafHash, MerkleTree, treeDepth } from './merkle/index.ts'
import { encodeHeadProofs, slotProof } from './SupervisionStore.ts'

test("every record's path reads back from its slot of the head's stored proofs, as the verification query cuts it", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }), fc.nat(), (treeSize, from) => {
      const firstLeaf = from % treeSize
      const tree = new MerkleTree(Array.from({ length: treeSize }, (_, i) => leafHash(Uint8Array.of(i, i >> 8))))
      const paths = Array.from({ length: treeSize - firstLeaf }, (_, i) => tree.path(firstLeaf + i))
      const { depth, bytes, firstLeaf: first } = encodeHeadProofs(treeSize, { firstLeaf, paths })
      assert.equal(first, firstLeaf)
      assert.equal(depth, treeDepth(treeSize))
      assert.equal(bytes.length, paths.length * depth * 32)
      for (let index = firstLeaf; index < treeSize; index++) {
        // substr(leaf_proofs, (seq - first_leaf) * proof_depth * 32 + 1, proof_depth * 32)
        const slot = bytes.subarray((index - firstLeaf) * depth * 32, (index - firstLeaf + 1) * depth * 32)
        assert.deepEqual(slotProof(slot, index, treeSize), tree.path(index).map((h) => bytesToHex(h)))
      }
    }),
  )
})

test('a short or malformed slot is no proof (empty), never an exception', () => {
  const good = new Uint8Array(96).fill(0xab) // a slot of depth 3 (tree of 5..8 leaves)
  assert.deepEqual(slotProof(good, 0, 8), Array(3).fill(`0x${'ab'.repeat(32)}`))
  assert.equal(slotProof(good, 6, 7).length, 2, 'the last leaf of 7: a path of two, from a slot of three')
  for (const [slot, index, size] of [
    [good.subarray(0, 64), 0, 8], // two hashes where three are due
    [good.subarray(0, 95), 0, 8],
    ['ab'.repeat(96), 0, 8], // text, not bytes
    [null, 0, 8],
    [good, 8, 8], // a position outside the tree
    [good, -1, 8],
  ] as const) {
    assert.deepEqual(slotProof(slot, index, size), [], `${String(slot).slice(0, 8)}… ${index}/${size}`)
  }
})

test('a head path longer than its tree allows is refused when written', () => {
  const hash = new Uint8Array(32)
  assert.throws(() => encodeHeadProofs(2, { firstLeaf: 0, paths: [[hash, hash]] }), /an inclusion path of 2 hashes in a tree of 2 leaves/)
})
