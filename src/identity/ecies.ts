/**
 * ECIES on secp256k1: encrypt to a public key so only the holder of its private key can
 * decrypt, with integrity.
 *
 *   e       = fresh random scalar, E = e*G (33-byte compressed, sent)
 *   z       = x coordinate of e*P (ECDH with the recipient public key P)
 *   key     = HKDF-SHA256(ikm = z, salt = E || P, info = "databourse/ecies/v1/aes-256-gcm", 32)
 *   c, tag  = AES-256-GCM(key, random 96-bit iv, plaintext, associated data)
 *
 * Salting with both public keys binds the key to this exact sender/recipient pair; the
 * associated data lets callers bind a header (it is authenticated, not encrypted).
 * ECDH and HKDF come from @noble/curves and @noble/hashes; AES-GCM from node:crypto.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'

/** Identifier written next to sealed data so a future scheme can be told apart. */
export const ECIES_SCHEME = 'secp256k1-hkdf-sha256-aes-256-gcm'

const INFO = utf8ToBytes('databourse/ecies/v1/aes-256-gcm')

export type EciesSealed = {
  /** 33-byte compressed ephemeral public key. */
  ephemeralPublicKey: Uint8Array
  iv: Uint8Array
  ciphertext: Uint8Array
  tag: Uint8Array
}

/**
 * Encrypts `plaintext` to `publicKey` (33 or 65 bytes; throws if not a curve point).
 *
 * @example
 * const sealed = eciesEncrypt(recipientPublicKey, secret, header)
 * eciesDecrypt(recipientPrivateKey, sealed, header) // secret
 */
export function eciesEncrypt(publicKey: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array = new Uint8Array()): EciesSealed {
  const recipient = secp256k1.Point.fromBytes(publicKey).toBytes(true)
  const ephemeralSecret = secp256k1.utils.randomSecretKey()
  const ephemeralPublicKey = secp256k1.getPublicKey(ephemeralSecret, true)
  const key = deriveKey(secp256k1.getSharedSecret(ephemeralSecret, recipient, true), ephemeralPublicKey, recipient)
  ephemeralSecret.fill(0)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  cipher.setAAD(associatedData)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  key.fill(0)
  return { ephemeralPublicKey, iv: new Uint8Array(iv), ciphertext: new Uint8Array(ciphertext), tag: new Uint8Array(cipher.getAuthTag()) }
}

/**
 * Decrypts with the recipient's 32-byte private key. Returns `undefined` when the data or
 * the associated data were modified (or the key is not the recipient's); throws only for a
 * malformed ephemeral key.
 *
 * @example
 * const plaintext = eciesDecrypt(privateKey, sealed, header)
 * if (plaintext === undefined) throw new EscrowTamperedError()
 */
export function eciesDecrypt(privateKey: Uint8Array, sealed: EciesSealed, associatedData: Uint8Array = new Uint8Array()): Uint8Array | undefined {
  if (sealed.iv.length !== 12 || sealed.tag.length !== 16) return undefined
  const recipient = secp256k1.getPublicKey(privateKey, true)
  const ephemeral = secp256k1.Point.fromBytes(sealed.ephemeralPublicKey).toBytes(true)
  const key = deriveKey(secp256k1.getSharedSecret(privateKey, ephemeral, true), ephemeral, recipient)
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: 16 })
  decipher.setAAD(associatedData)
  decipher.setAuthTag(sealed.tag)
  try {
    return new Uint8Array(Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]))
  } catch {
    return undefined
  } finally {
    key.fill(0)
  }
}

function deriveKey(sharedPoint: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  const sharedX = sharedPoint.slice(1)
  const key = hkdf(sha256, sharedX, concatBytes(ephemeralPublicKey, recipientPublicKey), INFO, 32)
  sharedX.fill(0)
  sharedPoint.fill(0)
  return key
}
