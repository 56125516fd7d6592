/**
 * The blob format (v1): one header, then the plaintext cut into fixed-size chunks, each
 * sealed with AES-256-GCM under the asset key. The same format is stored at rest (asset key
 * wrapped under the store's master key) and delivered to a buyer (asset key wrapped to the
 * buyer's public key); only the key-wrap field differs. See README.md, "Blob format".
 *
 *     offset  size  field
 *     0       6     magic "DBBLOB"
 *     6       1     version = 1
 *     7       1     key wrap: 1 = master key (AES-256-GCM), 2 = ECIES secp256k1
 *     8       4     chunk size C (plaintext bytes per chunk), u32 big-endian
 *     12      8     plaintext size S, u64 big-endian
 *     20      32    content hash = SHA-256(plaintext): the listing's on-chain contentHash
 *     52      7     nonce prefix (random per asset)
 *     59      1     reserved, 0
 *     60      2     wrapped-key length W, u16 big-endian (60 for kind 1, 93 for kind 2)
 *     62      W     wrapped asset key; authenticated data = bytes 0..62
 *     62+W    ...   chunks: ciphertext (C bytes, the last one 0..C) || 16-byte GCM tag
 *
 *     chunk i of n (n = max(1, ceil(S / C))), final = (i == n - 1):
 *       nonce = prefix(7) || u32be(i) || u8(final)
 *       aad   = u32be(i) || u8(final)
 */
import { bytesToHex, hexToBytes, type Hex } from 'viem'
import { BlobTamperedError } from '../errors/storage.ts'

export const BLOB_MAGIC = new Uint8Array([0x44, 0x42, 0x42, 0x4c, 0x4f, 0x42]) // "DBBLOB"
export const BLOB_VERSION = 1
/** Key-wrap kinds: how the asset key in the header is protected. */
export const KeyWrapKind = { masterKey: 1, ecies: 2 } as const
export type KeyWrapKind = (typeof KeyWrapKind)[keyof typeof KeyWrapKind]
/** Wrapped-key length for each kind: iv 12 + key 32 + tag 16; ECIES adds a 33-byte ephemeral key. */
export const WRAPPED_KEY_LENGTH: Record<KeyWrapKind, number> = { 1: 60, 2: 93 }
/** Bytes 0..62: everything before the wrapped key; the key wrap's authenticated data. */
export const FIXED_HEADER_LENGTH = 62
export const TAG_LENGTH = 16
export const NONCE_PREFIX_LENGTH = 7
export const DEFAULT_CHUNK_SIZE = 1 << 20
export const MIN_CHUNK_SIZE = 1 << 10
export const MAX_CHUNK_SIZE = 1 << 24
/** Chunk indexes are u32 in the nonce. */
export const MAX_CHUNKS = 2 ** 32

/** A decoded header. */
export interface BlobHeader {
  keyWrap: KeyWrapKind
  chunkSize: number
  plaintextSize: number
  /** SHA-256 of the plaintext, 0x-prefixed lowercase hex: the blob's id. */
  contentHash: Hex
  noncePrefix: Uint8Array
  wrappedKey: Uint8Array
}

/** Header length for a key-wrap kind. */
export function headerLength(keyWrap: KeyWrapKind): number {
  return FIXED_HEADER_LENGTH + WRAPPED_KEY_LENGTH[keyWrap]
}

/** Number of chunks of a plaintext of `size` bytes (an empty plaintext has one empty chunk). */
export function chunkCount(size: number, chunkSize: number): number {
  return size === 0 ? 1 : Math.ceil(size / chunkSize)
}

/** Plaintext length of chunk `index`. */
export function chunkPlainLength(index: number, size: number, chunkSize: number): number {
  return Math.min(chunkSize, size - index * chunkSize)
}

/**
 * Total length of a blob in this format.
 *
 * @example
 * blobLength(KeyWrapKind.masterKey, 3 << 20, 1 << 20) // 122 + 3 MiB + 3 * 16
 */
export function blobLength(keyWrap: KeyWrapKind, size: number, chunkSize: number): number {
  return headerLength(keyWrap) + size + TAG_LENGTH * chunkCount(size, chunkSize)
}

/** The 12-byte GCM nonce of chunk `index`. */
export function chunkNonce(prefix: Uint8Array, index: number, final: boolean): Buffer {
  const nonce = Buffer.alloc(12)
  nonce.set(prefix, 0)
  nonce.writeUInt32BE(index, NONCE_PREFIX_LENGTH)
  nonce[11] = final ? 1 : 0
  return nonce
}

/** The authenticated data of chunk `index`. */
export function chunkAad(index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(5)
  aad.writeUInt32BE(index, 0)
  aad[4] = final ? 1 : 0
  return aad
}

/**
 * The fixed part of a header (bytes 0..62): what the wrapped key is bound to. Computed
 * before the key is wrapped, then completed by {@link encodeHeader}.
 */
export function encodeFixedHeader(h: Omit<BlobHeader, 'wrappedKey'>): Buffer {
  const out = Buffer.alloc(FIXED_HEADER_LENGTH)
  out.set(BLOB_MAGIC, 0)
  out[6] = BLOB_VERSION
  out[7] = h.keyWrap
  out.writeUInt32BE(h.chunkSize, 8)
  out.writeBigUInt64BE(BigInt(h.plaintextSize), 12)
  out.set(hexToBytes(h.contentHash), 20)
  out.set(h.noncePrefix, 52)
  out[59] = 0
  out.writeUInt16BE(WRAPPED_KEY_LENGTH[h.keyWrap], 60)
  return out
}

/** The complete header: fixed part, then the wrapped key. */
export function encodeHeader(h: BlobHeader): Buffer {
  if (h.wrappedKey.length !== WRAPPED_KEY_LENGTH[h.keyWrap]) throw new Error(`wrapped key of ${h.wrappedKey.length} bytes for key-wrap kind ${h.keyWrap}`)
  return Buffer.concat([encodeFixedHeader(h), h.wrappedKey])
}

/** Where a header came from, for the errors it throws. */
export interface HeaderContext {
  where: 'store' | 'delivery'
  id?: Hex | undefined
}

/**
 * Validates the fixed part and returns the total header length (so the caller knows how
 * many more bytes to read). Throws {@link BlobTamperedError} `header`.
 */
export function decodeHeaderLength(fixed: Uint8Array, ctx: HeaderContext): number {
  const bad = (details: string) => new BlobTamperedError({ ...ctx, reason: 'header', details })
  if (fixed.length < FIXED_HEADER_LENGTH) throw bad(`only ${fixed.length} header bytes`)
  if (!BLOB_MAGIC.every((b, i) => fixed[i] === b)) throw bad('bad magic (not a databourse blob)')
  if (fixed[6] !== BLOB_VERSION) throw bad(`unsupported version ${fixed[6]}`)
  const keyWrap = fixed[7] as KeyWrapKind
  if (keyWrap !== KeyWrapKind.masterKey && keyWrap !== KeyWrapKind.ecies) throw bad(`unknown key-wrap kind ${keyWrap}`)
  const view = Buffer.from(fixed.buffer, fixed.byteOffset, fixed.byteLength)
  const wrappedLength = view.readUInt16BE(60)
  if (wrappedLength !== WRAPPED_KEY_LENGTH[keyWrap]) throw bad(`wrapped key of ${wrappedLength} bytes for kind ${keyWrap}`)
  return FIXED_HEADER_LENGTH + wrappedLength
}

/**
 * Decodes and range-checks a complete header. Throws {@link BlobTamperedError} `header`;
 * the header's authenticity is established only when its wrapped key unwraps.
 *
 * @example
 * const header = decodeHeader(bytes, { where: 'store', id })
 */
export function decodeHeader(bytes: Uint8Array, ctx: HeaderContext): BlobHeader {
  const length = decodeHeaderLength(bytes, ctx)
  const bad = (details: string) => new BlobTamperedError({ ...ctx, reason: 'header', details })
  if (bytes.length < length) throw bad(`only ${bytes.length} of ${length} header bytes`)
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const chunkSize = view.readUInt32BE(8)
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) throw bad(`chunk size ${chunkSize} out of range`)
  const size = view.readBigUInt64BE(12)
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('plaintext size out of range')
  const plaintextSize = Number(size)
  if (chunkCount(plaintextSize, chunkSize) > MAX_CHUNKS) throw bad('too many chunks')
  if (view[59] !== 0) throw bad('reserved byte is not zero')
  return {
    keyWrap: view[7] as KeyWrapKind,
    chunkSize,
    plaintextSize,
    contentHash: bytesToHex(view.subarray(20, 52)),
    noncePrefix: new Uint8Array(view.subarray(52, 59)),
    wrappedKey: new Uint8Array(view.subarray(FIXED_HEADER_LENGTH, length)),
  }
}
