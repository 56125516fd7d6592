/**
 * Data encrypted for an enclave (SPEC.md section 5, seed 004's "encrypt for the enclave"): the
 * trusted data gateway writes an owner's de-identified dataset this way, a buyer its audience
 * list, the enclave its sealed state. One AES-256-GCM message under a 32-byte key the owner
 * keeps and releases only to an attested enclave; the JSON header is authenticated, not secret.
 *
 *   "DBTEE1\n" | u32 BE header length | header JSON | iv (12) | tag (16) | ciphertext
 *
 * AAD = every byte before the iv, so the header (what the data is, its plaintext hash) cannot
 * be swapped between files.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

const MAGIC = Buffer.from('DBTEE1\n')

export interface EnclaveFileHeader {
  /** What the plaintext is: an encoded order table, an audience list, an enclave's sealed state. */
  kind: 'orders' | 'audience' | 'sealed'
  /** SHA-256 of the plaintext, 0x-hex: the dataset's identity in job input commitments. */
  contentHash: string
  /** Free-form facts (rows, columns, pseudonym key id, measurement of a sealed state, ...). */
  [key: string]: unknown
}

/** @example const bytes = encryptEnclaveFile({ kind: 'orders', rows }, plaintext, key) */
export function encryptEnclaveFile(header: Omit<EnclaveFileHeader, 'contentHash'>, plaintext: Uint8Array, key: Uint8Array): Buffer {
  if (key.length !== 32) throw new Error('an enclave file key is 32 bytes')
  const full = { ...header, contentHash: `0x${createHash('sha256').update(plaintext).digest('hex')}` }
  const json = Buffer.from(JSON.stringify(full))
  const prefix = Buffer.alloc(MAGIC.length + 4 + json.length)
  MAGIC.copy(prefix)
  prefix.writeUInt32BE(json.length, MAGIC.length)
  json.copy(prefix, MAGIC.length + 4)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(prefix)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([prefix, iv, cipher.getAuthTag(), ciphertext])
}

/** The header, readable without the key. @throws {Error} when the bytes are not an enclave file */
export function readEnclaveFileHeader(bytes: Uint8Array): { header: EnclaveFileHeader; bodyOffset: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an enclave file (bad magic)')
  const length = buf.readUInt32BE(MAGIC.length)
  const bodyOffset = MAGIC.length + 4 + length
  if (bodyOffset + 28 > buf.length) throw new Error('enclave file cut short')
  const header = JSON.parse(buf.subarray(MAGIC.length + 4, bodyOffset).toString('utf8')) as EnclaveFileHeader
  if (typeof header.kind !== 'string' || typeof header.contentHash !== 'string') throw new Error('enclave file header lacks kind or contentHash')
  return { header, bodyOffset }
}

/**
 * Decrypts and checks the plaintext hash. @throws {Error} naming what failed (wrong key or
 * tampered bytes are indistinguishable by design)
 */
export function decryptEnclaveFile(bytes: Uint8Array, key: Uint8Array): { header: EnclaveFileHeader; plaintext: Buffer } {
  const { header, bodyOffset } = readEnclaveFileHeader(bytes)
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(bodyOffset, bodyOffset + 12))
  decipher.setAAD(buf.subarray(0, bodyOffset))
  decipher.setAuthTag(buf.subarray(bodyOffset + 12, bodyOffset + 28))
  let plaintext: Buffer
  try {
    plaintext = Buffer.concat([decipher.update(buf.subarray(bodyOffset + 28)), decipher.final()])
  } catch {
    throw new Error('the enclave file does not decrypt: wrong key or tampered bytes')
  }
  const hash = `0x${createHash('sha256').update(plaintext).digest('hex')}`
  if (hash !== header.contentHash) throw new Error(`the enclave file's plaintext hash ${hash} is not the header's ${header.contentHash}`)
  return { header, plaintext }
}
