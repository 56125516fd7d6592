import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { MerkleHashLengthError, MerkleRangeError } from './errors.ts'
import { emptyRoot, fromHex, leafHash, nodeHash, toHex } from './hash.ts'
import { consistencyProof, inclusionProof, MerkleTree, pathLength as treePathLength, rootOf, treeDepth } from './tree.ts'
import { verifyConsistency, verifyInclusion } from './verify.ts'

// ---------------------------------------------------------------- reference implementation
// Straight from the RFC 9162 text, over the inputs d[i] themselves (not their leaf hashes),
// recursive and slow, with an independent SHA-256 (@noble/hashes, not node:crypto).

const HASH = (...parts: Uint8Array[]): Uint8Array => nobleSha256(concatBytes(...parts))
const ZERO = Uint8Array.of(0x00)
const ONE = Uint8Array.of(0x01)

/** The largest power of two smaller than n (n > 1). */
function splitAt(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** 2.1.1: MTH({}) = HASH(); MTH({d0}) = HASH(0x00 || d0); MTH(D_n) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])). */
function MTH(D: readonly Uint8Array[]): Uint8Array {
  if (D.length === 0) return HASH()
  if (D.length === 1) return HASH(ZERO, D[0]!)
  const k = splitAt(D.length)
  return HASH(ONE, MTH(D.slice(0, k)), MTH(D.slice(k)))
}

/** 2.1.3.1: PATH(0, {d0}) = {}; PATH(m, D_n) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k, PATH(m - k, D[k:n]) : MTH(D[0:k]) for m >= k. */
function PATH(m: number, D: readonly Uint8Array[]): Uint8Array[] {
  if (D.length === 1) return []
  const k = splitAt(D.length)
  return m < k ? [...PATH(m, D.slice(0, k)), MTH(D.slice(k))] : [...PATH(m - k, D.slice(k)), MTH(D.slice(0, k))]
}

/** 2.1.4.1: PROOF(m, D_n) = SUBPROOF(m, D_n, true). */
function PROOF(m: number, D: readonly Uint8Array[]): Uint8Array[] {
  return SUBPROOF(m, D, true)
}

/** SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])}; m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]); m > k: SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]). */
function SUBPROOF(m: number, D: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = D.length
  if (m === n) return b ? [] : [MTH(D)]
  const k = splitAt(n)
  if (m <= k) return [...SUBPROOF(m, D.slice(0, k), b), MTH(D.slice(k))]
  return [...SUBPROOF(m - k, D.slice(k), false), MTH(D.slice(0, k))]
}

// ---------------------------------------------------------------- helpers

const hex = (hashes: readonly Uint8Array[]) => hashes.map(toHex)
const flipBit = (bytes: Uint8Array, bit: number): Uint8Array => {
  const copy = bytes.slice()
  copy[bit >>> 3]! ^= 1 << (bit & 7)
  return copy
}
const withFlipped = (proof: readonly Uint8Array[], element: number, bit: number) =>
  proof.map((p, i) => (i === element ? flipBit(p, bit) : p))
/** Distinct inputs (2 to 5 bytes; the first two spell i) for a tree of n <= 65,536 leaves. */
const inputs = (n: number, salt = 0): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => Uint8Array.of(i & 0xff, i >>> 8, ...new Array<number>((i + salt) % 4).fill(salt & 0xff)))
/** Number of nodes in PATH(index, D_n), from the RFC's recursion without hashing. */
function pathLength(index: number, n: number): number {
  let length = 0
  for (; n > 1; length++) {
    const k = splitAt(n)
    if (index < k) n = k
    else [index, n] = [index - k, n - k]
  }
  return length
}
const leavesArb = fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 300, size: 'max' })

// ---------------------------------------------------------------- known answers
// Certificate Transparency's reference tree: eight inputs, roots for sizes 1..8, paths and
// consistency proofs. From google/certificate-transparency cpp/merkletree/merkle_tree_test.cc
// (kInputs, kSHA256Roots, kSHA256Paths, kSHA256Proofs) and the same values in
// transparency-dev/merkle proof/verify_test.go (inclusionProofs, consistencyProofs, roots,
// leaves). Their leaf numbers are 1-based; the indexes below are 0-based.

const CT_INPUTS = ['0x', '0x00', '0x10', '0x2021', '0x3031', '0x40414243', '0x5051525354555657', '0x606162636465666768696a6b6c6d6e6f'].map(fromHex)
const CT_EMPTY_ROOT = '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
const CT_ROOTS = [
  '0x6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  '0xfac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  '0xaeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  '0xd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '0x4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '0x76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  '0xddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '0x5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]
const CT_PATHS = [
  { index: 0, size: 1, path: [] },
  {
    index: 0,
    size: 8,
    path: [
      '0x96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '0x5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '0x6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      '0xbc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      '0xca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      '0xd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, path: ['0xfac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    path: [
      '0x6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '0x5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '0xbc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
]
const CT_PROOFS = [
  { oldSize: 1, newSize: 1, proof: [] },
  {
    oldSize: 1,
    newSize: 8,
    proof: [
      '0x96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '0x5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '0x6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    proof: [
      '0x0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      '0xca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      '0xd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    proof: [
      '0x5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '0xbc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    // transparency-dev/merkle only
    oldSize: 6,
    newSize: 7,
    proof: [
      '0x0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      '0xb08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      '0xd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
]

describe('Certificate Transparency reference vectors', () => {
  const leaves = CT_INPUTS.map(leafHash)
  const tree = new MerkleTree(leaves)

  test('roots of sizes 0 to 8', () => {
    assert.equal(toHex(rootOf([])), CT_EMPTY_ROOT)
    assert.equal(toHex(tree.rootAt(0)), CT_EMPTY_ROOT)
    for (let n = 1; n <= 8; n++) {
      assert.equal(toHex(rootOf(leaves.slice(0, n))), CT_ROOTS[n - 1], `rootOf, size ${n}`)
      assert.equal(toHex(new MerkleTree(leaves.slice(0, n)).root), CT_ROOTS[n - 1], `MerkleTree, size ${n}`)
      assert.equal(toHex(tree.rootAt(n)), CT_ROOTS[n - 1], `rootAt(${n})`)
    }
  })

  test('inclusion paths are generated exactly and verify', () => {
    for (const { index, size, path } of CT_PATHS) {
      const sub = leaves.slice(0, size)
      assert.deepEqual(hex(inclusionProof(sub, index)), path, `leaf ${index} of ${size}`)
      assert.deepEqual(hex(new MerkleTree(sub).paths()[index]!), path)
      const args = { leafHash: leaves[index]!, index, treeSize: size, proof: path.map(fromHex), root: fromHex(CT_ROOTS[size - 1]!) }
      assert.equal(verifyInclusion(args), true)
      // The verifier probes of both reference test suites.
      const probes = [
        { ...args, index: index - 1 },
        { ...args, index: index + 1 },
        { ...args, index: index ^ 2 },
        { ...args, treeSize: size * 2 },
        { ...args, treeSize: Math.floor(size / 2) },
        { ...args, leafHash: leafHash(new TextEncoder().encode('WrongLeaf')) },
        { ...args, root: fromHex(CT_EMPTY_ROOT) },
        { ...args, proof: [...args.proof, fromHex(CT_EMPTY_ROOT)] },
        { ...args, proof: [...args.proof, args.root] },
        { ...args, proof: [args.root, ...args.proof] },
        ...(args.proof.length > 0 ? [{ ...args, proof: args.proof.slice(0, -1) }] : []),
        ...args.proof.map((_, j) => ({ ...args, proof: args.proof.map((p, i) => (i === j ? fromHex(CT_EMPTY_ROOT) : p)) })),
      ]
      for (const probe of probes) {
        assert.equal(verifyInclusion(probe), false, `probe: leaf ${probe.index} of ${probe.treeSize}, ${probe.proof.length} nodes`)
      }
    }
  })

  test('consistency proofs are generated exactly and verify', () => {
    for (const { oldSize, newSize, proof } of CT_PROOFS) {
      assert.deepEqual(hex(consistencyProof(leaves, oldSize, newSize)), proof, `${oldSize} -> ${newSize}`)
      const args = { oldSize, newSize, oldRoot: fromHex(CT_ROOTS[oldSize - 1]!), newRoot: fromHex(CT_ROOTS[newSize - 1]!), proof: proof.map(fromHex) }
      assert.equal(verifyConsistency(args), true)
      if (proof.length === 0) continue
      const e = fromHex(CT_EMPTY_ROOT)
      const probes = [
        { ...args, oldSize: oldSize - 1 },
        { ...args, oldSize: oldSize + 1 },
        { ...args, oldSize: oldSize ^ 2 },
        { ...args, newSize: newSize * 2 },
        { ...args, newSize: Math.floor(newSize / 2) },
        { ...args, oldRoot: e },
        { ...args, newRoot: e },
        { ...args, oldRoot: args.newRoot, newRoot: args.oldRoot },
        { ...args, proof: [] },
        { ...args, proof: [...args.proof, e] },
        { ...args, proof: [...args.proof, args.proof.at(-1)!] },
        { ...args, proof: args.proof.slice(0, -1) },
        { ...args, proof: [e, ...args.proof] },
        { ...args, proof: [args.proof[0]!, ...args.proof] },
        ...args.proof.map((_, j) => ({ ...args, proof: args.proof.map((p, i) => (i === j ? e : p)) })),
      ]
      for (const probe of probes) assert.equal(verifyConsistency(probe), false, `probe ${probe.oldSize} -> ${probe.newSize}, ${probe.proof.length} nodes`)
    }
  })
})

// ---------------------------------------------------------------- against the reference

describe('agrees with the RFC text', () => {
  test('exhaustively for every tree of up to 40 leaves: roots, every path, every consistency proof', () => {
    for (let n = 0; n <= 40; n++) {
      const D = inputs(n, n)
      const leaves = D.map(leafHash)
      const tree = new MerkleTree(leaves)
      assert.equal(toHex(rootOf(leaves)), toHex(MTH(D)), `root of ${n}`)
      assert.equal(toHex(tree.root), toHex(MTH(D)))
      const paths = tree.paths()
      assert.equal(paths.length, n)
      for (let m = 0; m < n; m++) {
        assert.deepEqual(hex(paths[m]!), hex(PATH(m, D)), `path ${m} of ${n}`)
        assert.deepEqual(hex(inclusionProof(leaves, m)), hex(PATH(m, D)))
        assert.equal(treePathLength(m, n), PATH(m, D).length, `path length ${m} of ${n}`)
      }
      assert.equal(treeDepth(n), Math.max(0, ...paths.map((p) => p.length)), `depth of ${n}`)
      for (let m = 0; m <= n; m++) {
        assert.equal(toHex(tree.rootAt(m)), toHex(MTH(D.slice(0, m))), `rootAt(${m}) of ${n}`)
        const expected = m === 0 || m === n ? [] : PROOF(m, D)
        assert.deepEqual(hex(tree.consistencyProof(m)), hex(expected), `proof ${m} -> ${n}`)
        assert.deepEqual(hex(consistencyProof(leaves, m, n)), hex(expected))
      }
    }
  })

  test('property: random trees of 0 to 300 leaves', () => {
    fc.assert(
      fc.property(leavesArb, fc.nat(), fc.nat(), (D, a, b) => {
        const leaves = D.map(leafHash)
        const tree = new MerkleTree(leaves)
        const root = MTH(D)
        assert.deepEqual(rootOf(leaves), root)
        assert.deepEqual(tree.root, root)
        const m = a % (D.length + 1)
        assert.deepEqual(tree.rootAt(m), MTH(D.slice(0, m)))
        if (D.length > 0) {
          const i = b % D.length
          assert.deepEqual(hex(tree.path(i)), hex(PATH(i, D)))
          assert.deepEqual(hex(tree.paths()[i]!), hex(PATH(i, D)))
          if (m > 0 && m < D.length) assert.deepEqual(hex(consistencyProof(leaves, m, D.length)), hex(PROOF(m, D)))
        }
      }),
      { numRuns: 40 },
    )
  })
})

// ---------------------------------------------------------------- verification

describe('verifyInclusion', () => {
  test('property: every path verifies; flipping any bit of leaf, proof, root or index fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), fc.nat(), (n, salt, bitSeed, which) => {
        const leaves = inputs(n, salt).map(leafHash)
        const tree = new MerkleTree(leaves)
        const paths = tree.paths()
        for (let index = 0; index < n; index++) {
          const args = { leafHash: leaves[index]!, index, treeSize: n, proof: paths[index]!, root: tree.root }
          assert.equal(verifyInclusion(args), true, `leaf ${index} of ${n}`)
          const bit = (bitSeed + index) % 256
          assert.equal(verifyInclusion({ ...args, leafHash: flipBit(args.leafHash, bit) }), false)
          assert.equal(verifyInclusion({ ...args, root: flipBit(args.root, bit) }), false)
          if (args.proof.length > 0) {
            assert.equal(verifyInclusion({ ...args, proof: withFlipped(args.proof, (which + index) % args.proof.length, bit) }), false)
            assert.equal(verifyInclusion({ ...args, proof: args.proof.slice(1) }), false)
          }
          assert.equal(verifyInclusion({ ...args, proof: [...args.proof, tree.root] }), false)
          for (let k = 0; 2 ** k <= 2 * n; k++) assert.equal(verifyInclusion({ ...args, index: index ^ (2 ** k) }), false, `index ${index} ^ 2^${k}`)
        }
      }),
      { numRuns: 25 },
    )
  })

  test('every bit of every input matters (one tree, exhaustively)', () => {
    const leaves = inputs(13).map(leafHash)
    const tree = new MerkleTree(leaves)
    for (const index of [0, 5, 12]) {
      const args = { leafHash: leaves[index]!, index, treeSize: 13, proof: tree.path(index), root: tree.root }
      assert.equal(verifyInclusion(args), true)
      for (let bit = 0; bit < 256; bit++) {
        assert.equal(verifyInclusion({ ...args, leafHash: flipBit(args.leafHash, bit) }), false)
        assert.equal(verifyInclusion({ ...args, root: flipBit(args.root, bit) }), false)
        for (let j = 0; j < args.proof.length; j++) assert.equal(verifyInclusion({ ...args, proof: withFlipped(args.proof, j, bit) }), false)
      }
    }
  })

  test('rejects index >= treeSize, bad sizes, wrong proof lengths and hashes that are not 32 bytes', () => {
    const leaves = inputs(6).map(leafHash)
    const tree = new MerkleTree(leaves)
    const args = { leafHash: leaves[4]!, index: 4, treeSize: 6, proof: tree.path(4), root: tree.root }
    assert.equal(verifyInclusion(args), true)
    for (const bad of [
      { index: 6 },
      { index: 7 },
      { index: -1 },
      { index: 4.5 },
      { index: Number.NaN },
      { treeSize: 4 },
      { treeSize: 0 },
      { treeSize: 2 ** 53 },
      { proof: [] },
      { proof: [...args.proof, args.proof[0]!] },
      { proof: args.proof.map((p, i) => (i === 0 ? p.subarray(0, 31) : p)) },
      { leafHash: args.leafHash.subarray(0, 31) },
      { root: new Uint8Array(33) },
    ]) {
      assert.equal(verifyInclusion({ ...args, ...bad }), false, JSON.stringify(Object.keys(bad)))
    }
    // One leaf: the path is empty and the root is the leaf hash; not for an empty "hash".
    assert.equal(verifyInclusion({ leafHash: leaves[0]!, index: 0, treeSize: 1, proof: [], root: leaves[0]! }), true)
    assert.equal(verifyInclusion({ leafHash: new Uint8Array(), index: 0, treeSize: 1, proof: [], root: new Uint8Array() }), false)
    assert.equal(verifyInclusion({ leafHash: emptyRoot(), index: 0, treeSize: 0, proof: [], root: emptyRoot() }), false)
  })

  test('a path alone does not bind the tree size (the signed head does)', () => {
    // Documented in README.md: leaf 0's path in 8 leaves has the shape of leaf 0's path in 7.
    const tree = new MerkleTree(inputs(8).map(leafHash))
    const args = { leafHash: tree.leaf(0), index: 0, treeSize: 8, proof: tree.path(0), root: tree.root }
    assert.equal(verifyInclusion(args), true)
    assert.equal(verifyInclusion({ ...args, treeSize: 7 }), true)
    assert.equal(verifyInclusion({ ...args, treeSize: 4 }), false)
  })

  test('works with sizes beyond 2^32 (the shifts are not 32-bit)', () => {
    // Leaf 2^32 + 1 of 2^32 + 2: its path is its sibling a, then the root of the left 2^32 leaves.
    const [left, a, b] = [leafHash(Uint8Array.of(1)), leafHash(Uint8Array.of(2)), leafHash(Uint8Array.of(3))]
    const root = nodeHash(left, nodeHash(a, b))
    assert.equal(verifyInclusion({ leafHash: b, index: 2 ** 32 + 1, treeSize: 2 ** 32 + 2, proof: [a, left], root }), true)
    assert.equal(verifyInclusion({ leafHash: b, index: 1, treeSize: 2 ** 32 + 2, proof: [a, left], root }), false)
    // From 2^32 to 2^32 + 2 leaves: the old tree is complete, so the proof is just the new right subtree.
    assert.equal(verifyConsistency({ oldSize: 2 ** 32, newSize: 2 ** 32 + 2, oldRoot: left, newRoot: root, proof: [nodeHash(a, b)] }), true)
    assert.equal(verifyConsistency({ oldSize: 2 ** 32, newSize: 2 ** 33 + 1, oldRoot: left, newRoot: root, proof: [nodeHash(a, b)] }), false)
  })
})

describe('verifyConsistency', () => {
  test('property: every 0 <= m <= n verifies; tampering fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.nat(), fc.nat(), (n, salt, seed) => {
        const leaves = inputs(n, salt).map(leafHash)
        const tree = new MerkleTree(leaves)
        for (let m = 0; m <= n; m++) {
          const args = { oldSize: m, newSize: n, oldRoot: tree.rootAt(m), newRoot: tree.root, proof: tree.consistencyProof(m) }
          assert.equal(verifyConsistency(args), true, `${m} -> ${n}`)
          const bit = (seed + m) % 256
          assert.equal(verifyConsistency({ ...args, oldRoot: flipBit(args.oldRoot, bit) }), false)
          if (m > 0) assert.equal(verifyConsistency({ ...args, newRoot: flipBit(args.newRoot, bit) }), false)
          if (args.proof.length === 0) continue
          assert.equal(verifyConsistency({ ...args, proof: withFlipped(args.proof, (seed + m) % args.proof.length, bit) }), false)
          assert.equal(verifyConsistency({ ...args, proof: args.proof.slice(0, -1) }), false)
          assert.equal(verifyConsistency({ ...args, proof: args.proof.slice(1) }), false)
          assert.equal(verifyConsistency({ ...args, proof: [...args.proof, args.newRoot] }), false)
          assert.equal(verifyConsistency({ ...args, oldSize: m - 1 }), false)
          assert.equal(verifyConsistency({ ...args, oldSize: m + 1 }), false)
          assert.equal(verifyConsistency({ ...args, newSize: n * 2 }), false)
          assert.equal(verifyConsistency({ ...args, oldRoot: args.newRoot, newRoot: args.oldRoot }), false)
        }
      }),
      { numRuns: 25 },
    )
  })

  test('the cases the RFC leaves out: oldSize = newSize and oldSize = 0', () => {
    const tree = new MerkleTree(inputs(5).map(leafHash))
    const [r3, r5, e] = [tree.rootAt(3), tree.root, emptyRoot()]
    // Equal sizes: equal heads, empty proof.
    assert.equal(verifyConsistency({ oldSize: 3, newSize: 3, oldRoot: r3, newRoot: r3, proof: [] }), true)
    assert.equal(verifyConsistency({ oldSize: 3, newSize: 3, oldRoot: r3, newRoot: r5, proof: [] }), false)
    assert.equal(verifyConsistency({ oldSize: 3, newSize: 3, oldRoot: r3, newRoot: r3, proof: [r3] }), false)
    // From the empty tree: its head is SHA-256(""), the proof is empty, any newer head is consistent.
    assert.equal(verifyConsistency({ oldSize: 0, newSize: 5, oldRoot: e, newRoot: r5, proof: [] }), true)
    assert.equal(verifyConsistency({ oldSize: 0, newSize: 0, oldRoot: e, newRoot: e, proof: [] }), true)
    assert.equal(verifyConsistency({ oldSize: 0, newSize: 5, oldRoot: r3, newRoot: r5, proof: [] }), false)
    assert.equal(verifyConsistency({ oldSize: 0, newSize: 0, oldRoot: e, newRoot: r5, proof: [] }), false)
    assert.equal(verifyConsistency({ oldSize: 0, newSize: 5, oldRoot: e, newRoot: r5, proof: [e] }), false)
    assert.equal(verifyConsistency({ oldSize: 0, newSize: 0, oldRoot: e, newRoot: e, proof: [e] }), false)
    // Time travel, an empty proof where one is needed, malformed input.
    assert.equal(verifyConsistency({ oldSize: 5, newSize: 3, oldRoot: r5, newRoot: r3, proof: [] }), false)
    assert.equal(verifyConsistency({ oldSize: 3, newSize: 5, oldRoot: r3, newRoot: r5, proof: [] }), false)
    const good = { oldSize: 3, newSize: 5, oldRoot: r3, newRoot: r5, proof: tree.consistencyProof(3) }
    assert.equal(verifyConsistency(good), true)
    for (const bad of [{ oldSize: -1 }, { oldSize: 2.5 }, { newSize: Number.POSITIVE_INFINITY }, { oldRoot: r3.subarray(1) }, { newRoot: new Uint8Array() }, { proof: good.proof.map((p) => p.subarray(0, 16)) }]) {
      assert.equal(verifyConsistency({ ...good, ...bad }), false, JSON.stringify(Object.keys(bad)))
    }
  })
})

// ---------------------------------------------------------------- builders

describe('builders', () => {
  test('throw MerkleRangeError for indexes and sizes out of range', () => {
    const leaves = inputs(5).map(leafHash)
    const tree = new MerkleTree(leaves)
    assert.throws(() => inclusionProof(leaves, 5), (e: unknown) => e instanceof MerkleRangeError && e.argument === 'index' && e.shortMessage === 'index must be an integer with 0 <= index < 5, got 5.')
    assert.throws(() => treePathLength(5, 5), (e: unknown) => e instanceof MerkleRangeError && e.argument === 'index')
    assert.throws(() => inclusionProof([], 0), MerkleRangeError)
    assert.throws(() => tree.path(-1), MerkleRangeError)
    assert.throws(() => tree.path(1.5), MerkleRangeError)
    assert.throws(() => tree.leaf(5), MerkleRangeError)
    assert.throws(() => tree.rootAt(6), MerkleRangeError)
    assert.throws(() => tree.consistencyProof(6), MerkleRangeError)
    assert.throws(() => consistencyProof(leaves, 4, 3), (e: unknown) => e instanceof MerkleRangeError && e.shortMessage === 'oldSize must be an integer with 0 <= oldSize <= 3, got 4.')
    assert.throws(() => consistencyProof(leaves, 1, 6), (e: unknown) => e instanceof MerkleRangeError && e.argument === 'newSize')
  })

  test('throw MerkleHashLengthError for leaf hashes that are not 32 bytes', () => {
    const leaves = inputs(5).map(leafHash)
    leaves[3] = leaves[3]!.subarray(0, 20)
    assert.throws(() => rootOf(leaves), (e: unknown) => e instanceof MerkleHashLengthError && e.shortMessage === 'leaf 3 must be a 32-byte SHA-256 hash, got 20 bytes.')
    assert.throws(() => new MerkleTree(leaves), MerkleHashLengthError)
  })

  test('a tree is immune to later changes of the caller\'s array', () => {
    const leaves = inputs(4).map(leafHash)
    const tree = new MerkleTree(leaves)
    const root = toHex(tree.root)
    leaves.reverse()
    assert.equal(toHex(tree.root), root)
    assert.equal(toHex(tree.rootAt(4)), root)
  })

  test('50,000 leaves: root, paths and consistency agree with the standalone functions', () => {
    const leaves = Array.from({ length: 50_000 }, (_, i) => leafHash(Uint8Array.of(i & 0xff, (i >> 8) & 0xff, i >> 16)))
    const tree = new MerkleTree(leaves)
    const paths = tree.paths()
    assert.deepEqual(tree.root, rootOf(leaves))
    for (const index of [0, 1, 16_383, 16_384, 32_767, 32_768, 49_151, 49_152, 49_998, 49_999]) {
      assert.equal(paths[index]!.length, pathLength(index, 50_000))
      assert.equal(treePathLength(index, 50_000), pathLength(index, 50_000))
      assert.equal(verifyInclusion({ leafHash: leaves[index]!, index, treeSize: leaves.length, proof: paths[index]!, root: tree.root }), true)
    }
    assert.equal(verifyConsistency({ oldSize: 33_333, newSize: 50_000, oldRoot: rootOf(leaves.slice(0, 33_333)), newRoot: tree.root, proof: tree.consistencyProof(33_333) }), true)
  })
})
