/**
 * The read side of the blob format for stored blobs: open (authenticate the header by
 * unwrapping the asset key, check id and length), then read chunks in order, each
 * authenticated before it is released. Used by `BlobStore`.
 */
import { BlobNotFoundError, BlobTamperedError } from '../errors/storage.ts'
import type { BlobBackend, BlobId, BlobObjectReader } from './BlobBackend.ts'
import { blobLength, chunkCount, chunkPlainLength, decodeHeader, decodeHeaderLength, FIXED_HEADER_LENGTH, KeyWrapKind, TAG_LENGTH, type BlobHeader } from './blobFormat.ts'
import { openInPlace, OrderedQueue, PIPELINE_DEPTH, verifyInPlace } from './chunkCipher.ts'
import { copyInto, SlotRing } from './chunkWorkers.ts'
import { unwrapWithMasterKey } from './keyWrap.ts'

/** What is known of a stored blob without reading its chunks. */
export interface BlobInfo {
  id: BlobId
  /** Plaintext bytes. */
  size: number
  chunkSize: number
  chunks: number
  /** Bytes on the backend (header + ciphertext + tags). */
  storedBytes: number
}

/** An opened, header-authenticated stored blob. Close it with {@link closeStoredBlob}. */
export interface StoredBlob {
  info: BlobInfo
  header: BlobHeader
  headerLength: number
  /** The unwrapped asset key (zeroed on close). */
  key: Uint8Array
  reader: BlobObjectReader
}

/**
 * Opens a stored blob: {@link BlobNotFoundError}, or {@link BlobTamperedError} for a bad
 * header (`header`), a header or wrapped key changed on disk (`key-unwrap`), a blob stored
 * under another id (`id-mismatch`), or a wrong length (`truncated`, `trailing-data`).
 *
 * @example
 * const blob = await openStoredBlob(backend, masterKey, id)
 */
export async function openStoredBlob(backend: BlobBackend, masterKey: Uint8Array, id: BlobId): Promise<StoredBlob> {
  const reader = await backend.openReader(id)
  if (!reader) throw new BlobNotFoundError({ id })
  try {
    const ctx = { where: 'store' as const, id }
    const fixed = Buffer.alloc(FIXED_HEADER_LENGTH)
    const length = decodeHeaderLength(fixed.subarray(0, await reader.read(0, fixed, FIXED_HEADER_LENGTH)), ctx)
    const bytes = Buffer.alloc(length)
    fixed.copy(bytes)
    if ((await reader.read(FIXED_HEADER_LENGTH, bytes.subarray(FIXED_HEADER_LENGTH), length - FIXED_HEADER_LENGTH)) < length - FIXED_HEADER_LENGTH) {
      throw new BlobTamperedError({ ...ctx, reason: 'truncated', details: 'in the header' })
    }
    const header = decodeHeader(bytes, ctx)
    if (header.keyWrap !== KeyWrapKind.masterKey) throw new BlobTamperedError({ ...ctx, reason: 'header', details: 'a stored blob must be wrapped under the master key' })
    const key = unwrapWithMasterKey(masterKey, header.wrappedKey, bytes.subarray(0, FIXED_HEADER_LENGTH))
    if (!key) throw new BlobTamperedError({ ...ctx, reason: 'key-unwrap' })
    if (header.contentHash !== id) throw new BlobTamperedError({ ...ctx, reason: 'id-mismatch', details: `header names ${header.contentHash}` })
    const expected = blobLength(header.keyWrap, header.plaintextSize, header.chunkSize)
    if (reader.size < expected) throw new BlobTamperedError({ ...ctx, reason: 'truncated', details: `${reader.size} of ${expected} bytes` })
    if (reader.size > expected) throw new BlobTamperedError({ ...ctx, reason: 'trailing-data', details: `${reader.size - expected} extra bytes` })
    const info = { id, size: header.plaintextSize, chunkSize: header.chunkSize, chunks: chunkCount(header.plaintextSize, header.chunkSize), storedBytes: expected }
    return { info, header, headerLength: length, key, reader }
  } catch (err) {
    await reader.close()
    throw err
  }
}

/** Zeroes the key and closes the reader. */
export async function closeStoredBlob(blob: StoredBlob): Promise<void> {
  blob.key.fill(0)
  await blob.reader.close()
}

/**
 * The blob's chunks in order, each authenticated before it is yielded, a few reads and
 * decryptions ahead of the consumer. `plaintext: true` yields plaintext; `false` yields the
 * sealed chunks unchanged (verified; the plaintext never reaches this thread). A bad chunk
 * throws {@link BlobTamperedError} `chunk-auth` (or `truncated` if the file shrank).
 *
 * @example
 * for await (const plain of storedChunks(blob, { plaintext: true })) hash.update(plain)
 */
export async function* storedChunks(blob: StoredBlob, { plaintext }: { plaintext: boolean }): AsyncGenerator<Buffer, void, undefined> {
  const { header, headerLength: start, key, reader, info } = blob
  const stride = header.chunkSize + TAG_LENGTH
  const ring = new SlotRing(Math.min(header.chunkSize, header.plaintextSize) + TAG_LENGTH, PIPELINE_DEPTH)
  const check = async (i: number): Promise<Buffer> => {
    const slot = await ring.acquire()
    try {
      const length = chunkPlainLength(i, header.plaintextSize, header.chunkSize) + TAG_LENGTH
      if ((await reader.read(start + i * stride, slot.buffer, length)) < length) {
        throw new BlobTamperedError({ id: info.id, where: 'store', reason: 'truncated', details: `chunk ${i} is short` })
      }
      const final = i === info.chunks - 1
      const out = await (plaintext ? openInPlace : verifyInPlace)(key, header.noncePrefix, i, final, slot, length)
      if (out === undefined) throw new BlobTamperedError({ id: info.id, where: 'store', reason: 'chunk-auth', chunk: i })
      const copy = Buffer.allocUnsafe(out) // a copy the consumer owns
      copyInto(copy, slot.buffer.subarray(0, out), 0)
      return copy
    } finally {
      ring.release(slot)
    }
  }
  const queue = new OrderedQueue<Buffer>()
  let next = 0
  try {
    while (next < info.chunks && !queue.full) queue.push(check(next++))
    while (queue.size > 0) {
      const chunk = await queue.shift()
      if (next < info.chunks) queue.push(check(next++))
      yield chunk
    }
  } finally {
    await queue.settle() // never close the file under a pending read
  }
}
