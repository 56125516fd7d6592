/**
 * Identity and keys (SPEC.md section 7): roles, the organisation key tree, the keystore,
 * key recovery and ownership proofs. See README.md in this folder.
 *
 * @example
 * import { unlockKeystore, signOwnershipProof } from '../identity/index.ts'
 */
export * from './roles.ts'
export * from './hdTree.ts'
export * from './keystore.ts'
export * from './recovery.ts'
export { decodeRecoveryShare, encodeRecoveryShare, type RecoveryShare } from './recoveryShare.ts'
export * from './signing.ts'
export * from './encryptionKey.ts'
