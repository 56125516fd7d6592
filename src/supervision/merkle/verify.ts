/**
 * Proof verification, step by step as RFC 9162 writes it: inclusion (2.1.3.2) and
 * consistency (2.1.4.2). Neither throws: malformed input (a hash that is not 32 bytes, a
 * size that is not a non-negative safe integer) simply fails. Sizes up to 2^53 - 1 work:
 * the shifts are divisions, not 32-bit operators.
 */
import { emptyRoot, equalBytes, HASH_SIZE, hashChildren } from './hash.ts'

export type VerifyInclusionParameters = {
  /** The leaf hash being proven (leafHash of the record or head bytes). */
  leafHash: Uint8Array
  /** Its position in the tree, from 0. */
  index: number
  /** The size of the tree `root` is the head of. */
  treeSize: number
  /** The inclusion path, leaf level first, as inclusionProof / MerkleTree.path return it. */
  proof: readonly Uint8Array[]
  /** The trusted root. */
  root: Uint8Array
}

/**
 * Whether `proof` shows `leafHash` at `index` in the tree of `treeSize` leaves with head
 * `root` (RFC 9162 2.1.3.2). False for index >= treeSize, a proof of the wrong length, and
 * any hash that is not 32 bytes.
 * @example verifyInclusion({ leafHash: tree.leaf(4), index: 4, treeSize: tree.size, proof: tree.path(4), root: tree.root }) // true
 */
export function verifyInclusion({ leafHash, index, treeSize, proof, root }: VerifyInclusionParameters): boolean {
  if (!isSize(index) || !isSize(treeSize)) return false
  if (!isHash(leafHash) || !isHash(root) || !proof.every(isHash)) return false
  // 1. If leaf_index is greater than or equal to tree_size, fail.
  if (index >= treeSize) return false
  // 2. Set fn to leaf_index and sn to tree_size - 1. 3. Set r to hash.
  let fn = index
  let sn = treeSize - 1
  let r = leafHash
  // 4. For each value p in the inclusion_path array:
  for (const p of proof) {
    // a. If sn is 0, stop and fail.
    if (sn === 0) return false
    // b. If LSB(fn) is set, or if fn is equal to sn:
    if (lsb(fn) || fn === sn) {
      // i. Set r to HASH(0x01 || p || r).
      r = hashChildren(p, r)
      // ii. If LSB(fn) is not set, right-shift fn and sn until LSB(fn) is set or fn is 0.
      while (!lsb(fn) && fn !== 0) {
        fn = shift(fn)
        sn = shift(sn)
      }
    } else {
      // Otherwise: set r to HASH(0x01 || r || p).
      r = hashChildren(r, p)
    }
    // c. Right-shift both fn and sn one time.
    fn = shift(fn)
    sn = shift(sn)
  }
  // 5. Proven iff sn is 0 and r equals root_hash.
  return sn === 0 && equalBytes(r, root)
}

export type VerifyConsistencyParameters = {
  /** Size of the older tree. */
  oldSize: number
  /** Size of the newer tree (>= oldSize). */
  newSize: number
  /** Trusted head of the older tree. */
  oldRoot: Uint8Array
  /** Trusted head of the newer tree. */
  newRoot: Uint8Array
  /** The consistency proof, as consistencyProof / MerkleTree.consistencyProof return it. */
  proof: readonly Uint8Array[]
}

/**
 * Whether `proof` shows that the tree of `oldSize` leaves with head `oldRoot` is a prefix of
 * the tree of `newSize` leaves with head `newRoot` (RFC 9162 2.1.4.2, which covers
 * 0 < oldSize < newSize). The cases the RFC leaves out have nothing to prove, so their proof
 * must be empty:
 * - oldSize = newSize: the heads must be equal (SUBPROOF(m, D[m], true) = {});
 * - oldSize = 0: oldRoot must be the empty tree's root, SHA-256("") (and so must newRoot if
 *   newSize = 0), and newRoot is not constrained: every tree extends the empty one.
 * False for oldSize > newSize and any hash that is not 32 bytes.
 * @example verifyConsistency({ oldSize: 3, newSize: 7, oldRoot: tree.rootAt(3), newRoot: tree.rootAt(7), proof: consistencyProof(leaves, 3, 7) }) // true
 */
export function verifyConsistency({ oldSize, newSize, oldRoot, newRoot, proof }: VerifyConsistencyParameters): boolean {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) return false
  if (!isHash(oldRoot) || !isHash(newRoot) || !proof.every(isHash)) return false
  if (oldSize === 0) return proof.length === 0 && equalBytes(oldRoot, emptyRoot()) && (newSize > 0 || equalBytes(newRoot, oldRoot))
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot)
  // 1. If consistency_path is an empty array, fail.
  if (proof.length === 0) return false
  // 2. If first is an exact power of 2, prepend first_hash to consistency_path.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof
  // 3. Set fn to first - 1 and sn to second - 1.
  let fn = oldSize - 1
  let sn = newSize - 1
  // 4. If LSB(fn) is set, right-shift fn and sn equally until LSB(fn) is not set.
  while (lsb(fn)) {
    fn = shift(fn)
    sn = shift(sn)
  }
  // 5. Set both fr and sr to the first value in consistency_path.
  let fr = path[0]!
  let sr = path[0]!
  // 6. For each subsequent value c in consistency_path:
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!
    // a. If sn is 0, stop and fail.
    if (sn === 0) return false
    // b. If LSB(fn) is set, or if fn is equal to sn:
    if (lsb(fn) || fn === sn) {
      // i. fr = HASH(0x01 || c || fr). ii. sr = HASH(0x01 || c || sr).
      fr = hashChildren(c, fr)
      sr = hashChildren(c, sr)
      // iii. If LSB(fn) is not set, right-shift fn and sn until LSB(fn) is set or fn is 0.
      while (!lsb(fn) && fn !== 0) {
        fn = shift(fn)
        sn = shift(sn)
      }
    } else {
      // Otherwise: sr = HASH(0x01 || sr || c).
      sr = hashChildren(sr, c)
    }
    // c. Right-shift both fn and sn one time.
    fn = shift(fn)
    sn = shift(sn)
  }
  // 7. fr must equal first_hash, sr must equal second_hash, and sn must be 0.
  return equalBytes(fr, oldRoot) && equalBytes(sr, newRoot) && sn === 0
}

const isSize = (n: number): boolean => Number.isSafeInteger(n) && n >= 0
const isHash = (h: Uint8Array): boolean => h instanceof Uint8Array && h.length === HASH_SIZE
const lsb = (n: number): boolean => n % 2 === 1
const shift = (n: number): number => Math.floor(n / 2)
function isPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2
  return n === 1
}
