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
      const { depth, text, firstLeaf: first } = encodeHeadProofs(treeSize, { firstLeaf, paths })
      assert.equal(first, firstLeaf)
      assert.equal(depth, treeDepth(treeSize))
      assert.equal(text.length, paths.length * depth * 64)
      for (let index = firstLeaf; index < treeSize; index++) {
        // substr(leaf_proofs, (seq - first_leaf) * proof_depth * 64 + 1, proof_depth * 64)
        const slot = text.slice((index - firstLeaf) * depth * 64, (index - firstLeaf + 1) * depth * 64)
        assert.deepEqual(slotProof(slot, index, treeSize), tree.path(index).map((h) => bytesToHex(h)))
      }
    }),
  )
})

test('a malformed or short slot is no proof (empty), never an exception', () => {
  const good = 'ab'.repeat(32).repeat(3) // a slot of depth 3 (tree of 5..8 leaves)
  assert.equal(slotProof(good, 0, 8).length, 3)
  for (const [slot, index, size] of [
    ['zz'.repeat(96), 0, 8], // not hex
    ['AB'.repeat(96), 0, 8], // not as written (lowercase)
    ['ab'.repeat(64), 0, 8], // two hashes where three are due
    [`${good}0`, 0, 8], // not whole hashes
    [good, 8, 8], // a position outside the tree
    [good, -1, 8],
  ] as const) {
    assert.deepEqual(slotProof(slot, index, size), [], `${slot.slice(0, 8)}… ${index}/${size}`)
  }
})

test('a head path longer than its tree allows is refused when written', () => {
  const hash = new Uint8Array(32)
  assert.throws(() => encodeHeadProofs(2, { firstLeaf: 0, paths: [[hash, hash]] }), /an inclusion path of 2 hashes in a tree of 2 leaves/)
})
