/**
 * What an enclave binds into its evidence (SPEC.md section 5): the hash of its session public
 * key and the verifier's nonce, so evidence cannot be replayed for another key or another
 * request. 64 bytes, the size of SGX REPORTDATA and SEV-SNP REPORT_DATA.
 *
 *   reportData = SHA-512(publicKey (33-byte compressed secp256k1) || nonce (32 bytes))
 *
 * Both inputs have fixed lengths, so the concatenation is unambiguous.
 */
import { sha512 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'

export const NONCE_BYTES = 32
export const SESSION_KEY_BYTES = 33

/** @throws {Error} when the key or the nonce has the wrong length */
export function reportDataFor(publicKey: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (publicKey.length !== SESSION_KEY_BYTES) throw new Error(`the session public key must be ${SESSION_KEY_BYTES} bytes (compressed secp256k1), got ${publicKey.length}`)
  if (nonce.length !== NONCE_BYTES) throw new Error(`the nonce must be ${NONCE_BYTES} bytes, got ${nonce.length}`)
  return sha512(concatBytes(publicKey, nonce))
}

/**
 * Associated data of a key wrapped to an enclave: the key's id and the measurement the owner
 * approved. The enclave builds it from its own measurement, so a key released for one code
 * identity does not open in another, and cannot be relabelled as another key.
 */
export function releaseAssociatedData(keyId: string, measurement: string): Uint8Array {
  return new TextEncoder().encode(`databourse/key-release/v1|${keyId}|${measurement.toLowerCase()}`)
}
