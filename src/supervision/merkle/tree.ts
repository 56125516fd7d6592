/**
 * RFC 9162 Merkle trees over leaf hashes: the tree head MTH (2.1.1), inclusion paths PATH
 * (2.1.3.1) and consistency proofs PROOF / SUBPROOF (2.1.4.1).
 *
 * The RFC defines the tree top-down: split n leaves at k, the largest power of two below n.
 * The same tree comes out bottom-up, level by level: hash neighbours in pairs and carry an
 * odd last node up unchanged. Node i of level h is then MTH(D[i*2^h : min((i+1)*2^h, n)]),
 * and every subtree the RFC's recursions name is one such node, so a built tree answers each
 * of them by lookup: no recursion, O(n) hashes to build, O(log n) per proof.
 */
import { MerkleRangeError, type MerkleHashLengthErrorType, type MerkleRangeErrorType } from './errors.ts'
import { assertHash, emptyRoot, hashChildren } from './hash.ts'

export type RootOfErrorType = MerkleHashLengthErrorType
export type InclusionProofErrorType = MerkleRangeErrorType | MerkleHashLengthErrorType
export type ConsistencyProofErrorType = MerkleRangeErrorType | MerkleHashLengthErrorType

/**
 * The root MTH of the tree whose leaf hashes are `leaves` (RFC 9162 2.1.1); the empty
 * tree's root is SHA-256(""). Iterative, O(n) hashes, one working array.
 * Throws MerkleHashLengthError if a leaf hash is not 32 bytes.
 * @example toHex(rootOf([leafHash(a), leafHash(b)])) // nodeHash(leafHash(a), leafHash(b)) as hex
 */
export function rootOf(leaves: readonly Uint8Array[]): Uint8Array {
  checkLeaves(leaves)
  if (leaves.length === 0) return emptyRoot()
  const work = leaves.slice()
  for (let width = work.length; width > 1; width = (width + 1) >>> 1) {
    for (let i = 0; i + 1 < width; i += 2) work[i >>> 1] = hashChildren(work[i]!, work[i + 1]!)
    if (width % 2 === 1) work[width >>> 1] = work[width - 1]!
  }
  return work[0]!
}

/**
 * The inclusion path PATH(index, D_n) of leaf `index` (RFC 9162 2.1.3.1): sibling hashes
 * from the leaf's level up to the root's children. O(n) hashes; for many leaves of one tree
 * build a MerkleTree once.
 * Throws MerkleRangeError unless 0 <= index < leaves.length.
 * @example verifyInclusion({ leafHash: leaves[2], index: 2, treeSize: leaves.length, proof: inclusionProof(leaves, 2), root: rootOf(leaves) }) // true
 */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  return new MerkleTree(leaves).path(index)
}

/**
 * The consistency proof PROOF(oldSize, D_newSize) between the tree of the first `oldSize`
 * leaves and the tree of the first `newSize` leaves (RFC 9162 2.1.4.1). The RFC defines it
 * for 0 < oldSize < newSize; for oldSize = newSize (SUBPROOF(m, D[m], true) = {}) and for
 * oldSize = 0 (the empty tree is a prefix of every tree) there is nothing to prove and the
 * proof is empty. O(newSize) hashes.
 * Throws MerkleRangeError unless 0 <= oldSize <= newSize <= leaves.length.
 * @example consistencyProof(leaves, 3, 7).length // 4
 */
export function consistencyProof(leaves: readonly Uint8Array[], oldSize: number, newSize: number): Uint8Array[] {
  checkSize('newSize', newSize, leaves.length)
  checkSize('oldSize', oldSize, newSize)
  return new MerkleTree(newSize === leaves.length ? leaves : leaves.slice(0, newSize)).consistencyProof(oldSize)
}

/**
 * A tree built once from its leaf hashes, keeping every level, for the anchorer's batch trees
 * and a channel's log: the root, any leaf's path, all paths at once, consistency proofs from
 * any earlier size, the root at any earlier size. Immutable; `leaves` is copied.
 *
 * @example
 * const tree = new MerkleTree(heads.map((h) => leafHash(headLeaf(h.channelId, h.treeSize, h.root))))
 * const paths = tree.paths() // paths[i] proves heads[i] under tree.root
 */
export class MerkleTree {
  /** Number of leaves. */
  readonly size: number
  /** MTH of all the leaves. */
  readonly root: Uint8Array
  /** levels[0] are the leaf hashes; levels[h][i] is MTH(D[i*2^h : min((i+1)*2^h, size)]). */
  readonly #levels: Uint8Array[][]

  /** Throws MerkleHashLengthError if a leaf hash is not 32 bytes. */
  constructor(leaves: readonly Uint8Array[]) {
    checkLeaves(leaves)
    let level = leaves.slice()
    const levels = [level]
    while (level.length > 1) {
      const width = level.length
      const next = new Array<Uint8Array>((width + 1) >>> 1)
      for (let i = 0; i + 1 < width; i += 2) next[i >>> 1] = hashChildren(level[i]!, level[i + 1]!)
      if (width % 2 === 1) next[width >>> 1] = level[width - 1]!
      levels.push(next)
      level = next
    }
    this.#levels = levels
    this.size = leaves.length
    this.root = this.size === 0 ? emptyRoot() : level[0]!
  }

  /**
   * The leaf hash at `index`. Throws MerkleRangeError unless 0 <= index < size.
   * @example tree.leaf(0)
   */
  leaf(index: number): Uint8Array {
    checkIndex(index, this.size)
    return this.#levels[0]![index]!
  }

  /**
   * PATH(index, D_n) (RFC 9162 2.1.3.1), leaf level first. O(log n), no hashing.
   * Throws MerkleRangeError unless 0 <= index < size.
   * @example verifyInclusion({ leafHash: tree.leaf(5), index: 5, treeSize: tree.size, proof: tree.path(5), root: tree.root }) // true
   */
  path(index: number): Uint8Array[] {
    checkIndex(index, this.size)
    return this.#path(index)
  }

  /**
   * Every leaf's path: paths()[i] = path(i). O(n log n) lookups, no hashing; the arrays share
   * the tree's node hashes (treat them as read-only).
   * @example tree.paths().length === tree.size // true
   */
  paths(): Uint8Array[][] {
    const out = new Array<Uint8Array[]>(this.size)
    for (let i = 0; i < this.size; i++) out[i] = this.#path(i)
    return out
  }

  /**
   * MTH of the first `size` leaves, from the complete subtrees that make it up (O(log n)
   * hashes). Throws MerkleRangeError unless 0 <= size <= this.size.
   * @example tree.rootAt(tree.size) // tree.root
   */
  rootAt(size: number): Uint8Array {
    checkSize('treeSize', size, this.size)
    if (size === 0) return emptyRoot()
    // D[0:size] is one complete subtree per set bit of size, largest first; MTH folds them
    // from the right. Walk the bits from the lowest, i.e. the subtrees from the right end.
    let root: Uint8Array | undefined
    let end = size
    for (let h = 0; end > 0; h++) {
      if ((size >>> h) & 1) {
        end -= 2 ** h
        const subtree = this.#levels[h]![end >>> h]!
        root = root === undefined ? subtree : hashChildren(subtree, root)
      }
    }
    return root!
  }

  /**
   * PROOF(oldSize, D_size) (RFC 9162 2.1.4.1) from the tree of the first `oldSize` leaves to
   * this tree; empty for oldSize = 0 and oldSize = size. O(log n), no hashing.
   * Throws MerkleRangeError unless 0 <= oldSize <= size.
   * @example verifyConsistency({ oldSize: 3, newSize: tree.size, oldRoot: tree.rootAt(3), newRoot: tree.root, proof: tree.consistencyProof(3) }) // true
   */
  consistencyProof(oldSize: number): Uint8Array[] {
    checkSize('oldSize', oldSize, this.size)
    if (oldSize === 0 || oldSize === this.size) return []
    // SUBPROOF(m, D[lo:lo+n], complete) unrolled: each step recurses into one child and appends
    // the other child's hash after the child's own subproof, so the steps are collected in
    // reverse and the base case (if any) comes first.
    const reversed: Uint8Array[] = []
    let lo = 0
    let n = this.size
    let m = oldSize
    let complete = true
    while (m < n) {
      const k = largestPowerOfTwoBelow(n)
      if (m <= k) {
        reversed.push(this.#node(lo + k, n - k))
        n = k
      } else {
        reversed.push(this.#node(lo, k))
        lo += k
        m -= k
        n -= k
        complete = false
      }
    }
    if (!complete) reversed.push(this.#node(lo, m))
    return reversed.reverse()
  }

  #path(index: number): Uint8Array[] {
    const levels = this.#levels
    const path: Uint8Array[] = []
    for (let h = 0, i = index; h < levels.length - 1; h++, i >>>= 1) {
      const sibling = i ^ 1
      const level = levels[h]!
      if (sibling < level.length) path.push(level[sibling]!)
    }
    return path
  }

  /** MTH(D[start : start + count]) for a subtree of this tree (start aligned, as the RFC's always are). */
  #node(start: number, count: number): Uint8Array {
    const h = 32 - Math.clz32(count - 1) // ceil(log2(count)); 0 for count = 1
    return this.#levels[h]![start >>> h]!
  }
}

/**
 * The number of hashes in PATH(index, D_n) — what `path(index)` of a tree of `treeSize`
 * returns — without the tree: at each level, a node has a sibling unless it is the last one
 * with an even index (it is then carried up unchanged). Between floor and ceil of log2(n).
 * Throws MerkleRangeError unless 0 <= index < treeSize.
 * @example pathLength(5, 6) // 2: leaf 5's sibling 4, then the subtree of leaves 0-3
 */
export function pathLength(index: number, treeSize: number): number {
  checkIndex(index, treeSize)
  let length = 0
  for (let fn = index, sn = treeSize - 1; sn > 0; fn = Math.floor(fn / 2), sn = Math.floor(sn / 2)) if (fn % 2 === 1 || fn < sn) length++
  return length
}

/**
 * The longest inclusion path in a tree of `treeSize` leaves: ceil(log2(treeSize)), 0 for at
 * most one leaf.
 * @example treeDepth(5) // 3
 */
export function treeDepth(treeSize: number): number {
  let depth = 0
  while (2 ** depth < treeSize) depth++
  return depth
}

/** The largest power of two strictly below n (n >= 2). */
function largestPowerOfTwoBelow(n: number): number {
  return 2 ** (31 - Math.clz32(n - 1))
}

function checkLeaves(leaves: readonly Uint8Array[]): void {
  for (let i = 0; i < leaves.length; i++) assertHash(leaves[i]!, `leaf ${i}`)
}

function checkIndex(index: number, size: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new MerkleRangeError({ argument: 'index', value: index, range: `0 <= index < ${size}` })
  }
}

function checkSize(argument: 'oldSize' | 'newSize' | 'treeSize', size: number, max: number): void {
  if (!Number.isInteger(size) || size < 0 || size > max) {
    throw new MerkleRangeError({ argument, value: size, range: `0 <= ${argument} <= ${max}` })
  }
}
