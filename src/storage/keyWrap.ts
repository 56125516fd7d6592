/**
 * Asset-key wrapping: at rest under the store's master key (AES-256-GCM), for delivery to
 * the buyer's secp256k1 public key (ECIES, src/identity/ecies.ts). Both bind the wrapped
 * key to the blob header's fixed part (authenticated data), so a header edited on disk or
 * in transit makes the key unwrap fail.
 *
 * Master keys: 32 random bytes. {@link loadOrCreateMasterKey} keeps one in a 0600 file;
 * {@link deriveMasterKey} derives one from a secret the node already holds (e.g. its
 * Storage key from the unlocked keystore), so that no extra secret lives on disk.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { hexToBytes, isHex, type Hex } from 'viem'
import { eciesDecrypt, eciesEncrypt } from '../identity/ecies.ts'
import { writeFileAtomic } from '../identity/atomicFile.ts'
import { KeystoreExistsError } from '../errors/identity.ts'
import { InvalidStorageOptionError } from '../errors/storage.ts'

export const ASSET_KEY_LENGTH = 32
export const MASTER_KEY_LENGTH = 32

/**
 * Wraps an asset key under the master key: iv(12) || ciphertext(32) || tag(16).
 *
 * @example
 * const wrapped = wrapWithMasterKey(masterKey, assetKey, fixedHeader) // 60 bytes
 */
export function wrapWithMasterKey(masterKey: Uint8Array, assetKey: Uint8Array, aad: Uint8Array): Uint8Array {
  checkMasterKey(masterKey)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv, { authTagLength: 16 })
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(assetKey), cipher.final()])
  return new Uint8Array(Buffer.concat([iv, ciphertext, cipher.getAuthTag()]))
}

/**
 * Unwraps an asset key; `undefined` when the wrapped key or the header (aad) was modified.
 *
 * @example
 * const assetKey = unwrapWithMasterKey(masterKey, header.wrappedKey, fixedHeader) ?? refuse()
 */
export function unwrapWithMasterKey(masterKey: Uint8Array, wrapped: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (wrapped.length !== 12 + ASSET_KEY_LENGTH + 16) return undefined
  const decipher = createDecipheriv('aes-256-gcm', masterKey, wrapped.subarray(0, 12), { authTagLength: 16 })
  decipher.setAAD(aad)
  decipher.setAuthTag(wrapped.subarray(12 + ASSET_KEY_LENGTH))
  try {
    return new Uint8Array(Buffer.concat([decipher.update(wrapped.subarray(12, 12 + ASSET_KEY_LENGTH)), decipher.final()]))
  } catch {
    return undefined
  }
}

/**
 * Wraps an asset key to a secp256k1 public key (33 or 65 bytes):
 * ephemeral key(33) || iv(12) || ciphertext(32) || tag(16).
 *
 * @example
 * const wrapped = wrapForRecipient(hexToBytes(buyerPublicKey), assetKey, fixedHeader) // 93 bytes
 */
export function wrapForRecipient(publicKey: Uint8Array, assetKey: Uint8Array, aad: Uint8Array): Uint8Array {
  const sealed = eciesEncrypt(publicKey, assetKey, aad)
  return new Uint8Array(Buffer.concat([sealed.ephemeralPublicKey, sealed.iv, sealed.ciphertext, sealed.tag]))
}

/**
 * Unwraps a key wrapped by {@link wrapForRecipient} with the recipient's private key;
 * `undefined` when it was modified, bound to other header bytes, or not meant for this key.
 *
 * @example
 * const assetKey = unwrapAsRecipient(buyerPrivateKey, header.wrappedKey, fixedHeader)
 */
export function unwrapAsRecipient(privateKey: Uint8Array, wrapped: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (wrapped.length !== 33 + 12 + ASSET_KEY_LENGTH + 16) return undefined
  try {
    return eciesDecrypt(
      privateKey,
      { ephemeralPublicKey: wrapped.subarray(0, 33), iv: wrapped.subarray(33, 45), ciphertext: wrapped.subarray(45, 77), tag: wrapped.subarray(77) },
      aad,
    )
  } catch {
    return undefined // the ephemeral key is not a curve point
  }
}

/**
 * A public fingerprint of a master key (HMAC-SHA256 with a fixed label), stored beside the
 * blobs so a store opened with the wrong key fails at once with a clear error.
 */
export function masterKeyCheck(masterKey: Uint8Array): Hex {
  checkMasterKey(masterKey)
  return `0x${createHmac('sha256', masterKey).update('databourse/blob-store/key-check/v1').digest('hex')}`
}

/**
 * Derives a master key from a 32-byte secret with HKDF-SHA256. Deterministic: the same
 * secret gives the same key, so the store reopens after a restart.
 *
 * @example
 * const masterKey = deriveMasterKey(hexToBytes(storageKey.privateKey))
 */
export function deriveMasterKey(secret: Uint8Array): Uint8Array {
  if (secret.length < 32) throw new InvalidStorageOptionError({ option: 'secret', reason: 'must be at least 32 bytes' })
  return hkdf(sha256, secret, utf8ToBytes('databourse/storage'), utf8ToBytes('blob-master-key/v1'), MASTER_KEY_LENGTH)
}

/**
 * Reads the master key from `path` (hex, mode 0600), creating a random one on first use.
 * Two processes racing to create it agree on the one written first.
 *
 * @example
 * const masterKey = await loadOrCreateMasterKey(join(dataDir, 'storage', 'master.key'))
 */
export async function loadOrCreateMasterKey(path: string): Promise<Uint8Array> {
  const existing = await readMasterKey(path)
  if (existing) return existing
  try {
    await writeFileAtomic(path, `0x${randomBytes(MASTER_KEY_LENGTH).toString('hex')}\n`, { exclusive: true })
  } catch (err) {
    if (!(err instanceof KeystoreExistsError)) throw err
  }
  const created = await readMasterKey(path)
  if (!created) throw new InvalidStorageOptionError({ option: 'masterKeyFile', reason: `${path} could not be read back` })
  return created
}

async function readMasterKey(path: string): Promise<Uint8Array | undefined> {
  let text: string
  try {
    text = (await readFile(path, 'utf8')).trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if (!isHex(text, { strict: true }) || text.length !== 2 + 2 * MASTER_KEY_LENGTH) {
    throw new InvalidStorageOptionError({ option: 'masterKeyFile', reason: `${path} does not hold 32 bytes of hex` })
  }
  return hexToBytes(text)
}

function checkMasterKey(masterKey: Uint8Array): void {
  if (!(masterKey instanceof Uint8Array) || masterKey.length !== MASTER_KEY_LENGTH) {
    throw new InvalidStorageOptionError({ option: 'masterKey', reason: 'must be 32 bytes' })
  }
}
