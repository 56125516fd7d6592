/**
 * The batch tree's leaf data for one channel head: `abi.encode(uint256 channelId,
 * uint256 treeSize, bytes32 root)`, 96 bytes, so the Supervision contract (or anyone with an
 * ABI encoder) derives the same leaf. Its leaf hash is leafHash(headLeaf(...)).
 */
import { MerkleRangeError, type MerkleHashLengthErrorType, type MerkleRangeErrorType } from './errors.ts'
import { assertHash, leafHash } from './hash.ts'

const WORD = 32
const UINT256_MAX = (1n << 256n) - 1n

export type HeadLeafErrorType = MerkleRangeErrorType | MerkleHashLengthErrorType

/**
 * `abi.encode(uint256 channelId, uint256 treeSize, bytes32 root)`: three 32-byte big-endian
 * words. Throws MerkleRangeError unless 0 <= channelId < 2^256 and treeSize is a non-negative
 * safe integer, MerkleHashLengthError unless root is 32 bytes.
 * @example headLeaf(7n, 3, channelRoot).length // 96
 */
export function headLeaf(channelId: bigint, treeSize: number, root: Uint8Array): Uint8Array {
  if (channelId < 0n || channelId > UINT256_MAX) {
    throw new MerkleRangeError({ argument: 'channelId', value: channelId, range: '0 <= channelId < 2^256' })
  }
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw new MerkleRangeError({ argument: 'treeSize', value: treeSize, range: '0 <= treeSize <= 2^53 - 1' })
  }
  assertHash(root, 'root')
  const out = new Uint8Array(3 * WORD)
  const view = new DataView(out.buffer)
  // Word 0: channelId, big-endian, as four 64-bit limbs from the right.
  for (let limb = 3, rest = channelId; limb >= 0 && rest > 0n; limb--, rest >>= 64n) view.setBigUint64(limb * 8, BigInt.asUintN(64, rest))
  // Word 1: treeSize < 2^53, in its last 8 bytes as two 32-bit halves.
  view.setUint32(2 * WORD - 8, Math.floor(treeSize / 2 ** 32))
  view.setUint32(2 * WORD - 4, treeSize >>> 0)
  // Word 2: the root.
  out.set(root, 2 * WORD)
  return out
}

/**
 * The batch-tree leaf hash of a channel head: leafHash(headLeaf(channelId, treeSize, root)).
 * @example new MerkleTree(heads.map((h) => headLeafHash(h.channelId, h.treeSize, h.root)))
 */
export function headLeafHash(channelId: bigint, treeSize: number, root: Uint8Array): Uint8Array {
  return leafHash(headLeaf(channelId, treeSize, root))
}
