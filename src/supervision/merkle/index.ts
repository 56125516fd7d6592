/**
 * RFC 9162 Merkle trees for supervision's channel logs and batch trees: pure functions over
 * 32-byte SHA-256 hashes, no I/O. See README.md in this folder.
 *
 * @example
 * import { leafHash, MerkleTree, verifyInclusion } from './merkle/index.ts'
 */
export * from './errors.ts'
export {
  assertHash,
  emptyRoot,
  equalBytes,
  fromHex,
  HASH_SIZE,
  hashFromHex,
  leafHash,
  nodeHash,
  sha256,
  toHex,
  type FromHexErrorType,
  type HashFromHexErrorType,
  type Hex,
  type NodeHashErrorType,
} from './hash.ts'
export { headLeaf, headLeafHash, type HeadLeafErrorType } from './headLeaf.ts'
export {
  consistencyProof,
  inclusionProof,
  MerkleTree,
  pathLength,
  rootOf,
  treeDepth,
  type ConsistencyProofErrorType,
  type InclusionProofErrorType,
  type RootOfErrorType,
} from './tree.ts'
export { verifyConsistency, verifyInclusion, type VerifyConsistencyParameters, type VerifyInclusionParameters } from './verify.ts'
