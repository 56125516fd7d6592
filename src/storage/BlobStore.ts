/**
 * The encrypted, content-addressed blob store: streams plaintext in, keeps it encrypted at
 * rest on any {@link BlobBackend}, and streams it out verified — as plaintext (for the
 * seller or an arbitrator) or as a delivery for one recipient public key.
 *
 * - **Content address.** A blob's id is SHA-256 of its plaintext — exactly the `contentHash`
 *   a listing commits to on chain (`bourse list --file` puts sha256(file) there).
 * - **Encryption.** A fresh random AES-256-GCM asset key and nonce prefix per upload; the
 *   plaintext is sealed in chunks (blobFormat.ts). The asset key is stored only wrapped
 *   under the store's master key, bound to the header.
 * - **Streaming.** Memory use is a few chunks whatever the size: the upload is hashed and
 *   sealed as it arrives, the header (size, hash, wrapped key) is written last, then the
 *   backend publishes the blob atomically.
 * - **Integrity.** Every read authenticates the header (by unwrapping the key), checks the
 *   length, and decrypts each chunk before releasing it; any change is a
 *   {@link BlobTamperedError} with the reason.
 */
import { createHash, randomBytes } from 'node:crypto'
import { bytesToHex, type Hex } from 'viem'
import {
  BlobTamperedError,
  ContentHashMismatchError,
  InvalidBlobIdError,
  InvalidStorageOptionError,
  MasterKeyMismatchError,
  type ContentHashMismatchErrorType,
  type InvalidBlobIdErrorType,
  type UploadInterruptedErrorType,
  type UploadTooLargeErrorType,
} from '../errors/storage.ts'
import type { BlobBackend, BlobId } from './BlobBackend.ts'
import { blobLength, DEFAULT_CHUNK_SIZE, encodeFixedHeader, encodeHeader, headerLength, KeyWrapKind, MAX_CHUNK_SIZE, MAX_CHUNKS, MIN_CHUNK_SIZE, NONCE_PREFIX_LENGTH } from './blobFormat.ts'
import { ASSET_KEY_LENGTH, masterKeyCheck, wrapForRecipient, wrapWithMasterKey } from './keyWrap.ts'
import { sealStream } from './sealStream.ts'
import { closeStoredBlob, openStoredBlob, storedChunks, type BlobInfo } from './storedBlob.ts'

export type { BlobInfo } from './storedBlob.ts'

export interface BlobStoreOptions {
  /** 32-byte key that wraps every asset key (keyWrap.ts: load, create or derive one). */
  masterKey: Uint8Array
  /** Plaintext bytes per chunk for new uploads (default 1 MiB; 1 KiB to 16 MiB). */
  chunkSize?: number | undefined
  /** Largest accepted upload in bytes (default: no limit but the format's). */
  maxBytes?: number | undefined
}

export interface PutBlobOptions {
  /** Refuse the upload (and store nothing) unless its SHA-256 is this. */
  expectedContentHash?: Hex | undefined
  /** Aborts the upload; nothing is stored. */
  signal?: AbortSignal | undefined
  /** Called with the plaintext bytes sealed and written so far, once per chunk. */
  onProgress?: ((bytes: number) => void) | undefined
}

/** Refusals of {@link BlobStore.put} (besides backend I/O errors). */
export type PutBlobErrorType = UploadInterruptedErrorType | UploadTooLargeErrorType | ContentHashMismatchErrorType | InvalidBlobIdErrorType

export interface PutBlobResult extends BlobInfo {
  /** False when the same content was already stored (this upload was discarded). */
  created: boolean
}

/** An authenticated stream of one blob for one recipient. */
export interface BlobDelivery {
  info: BlobInfo
  /** Exact bytes the stream yields (a Content-Length). */
  byteLength: number
  /** Header with the key wrapped to the recipient, then the verified sealed chunks. */
  stream: AsyncGenerator<Buffer, void, undefined>
  /** Releases the blob when the stream will not be (fully) consumed; safe at any time. */
  cancel(): Promise<void>
}

/**
 * Normalises a blob id (SHA-256 as 0x-hex) to lowercase; throws {@link InvalidBlobIdError}.
 *
 * @example
 * toBlobId('0xAB…') // '0xab…'
 */
export function toBlobId(id: string): BlobId {
  if (typeof id !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(id)) throw new InvalidBlobIdError({ id: String(id) })
  return id.toLowerCase() as BlobId
}

export class BlobStore {
  readonly backend: BlobBackend
  readonly chunkSize: number
  readonly maxBytes: number
  /** Abandoned partial uploads removed when the store was opened. */
  readonly removedPartials: number
  readonly #masterKey: Uint8Array

  private constructor(backend: BlobBackend, options: BlobStoreOptions, removedPartials: number) {
    this.backend = backend
    this.#masterKey = new Uint8Array(options.masterKey)
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
    this.maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER
    this.removedPartials = removedPartials
  }

  /**
   * Opens a store on a backend: checks the master key against the one the store was created
   * with ({@link MasterKeyMismatchError}) and removes partial uploads left by a crash.
   *
   * @example
   * const store = await BlobStore.open(new LocalBlobBackend({ dir }), { masterKey })
   */
  static async open(backend: BlobBackend, options: BlobStoreOptions): Promise<BlobStore> {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
    if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new InvalidStorageOptionError({ option: 'chunkSize', reason: `must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}` })
    }
    if (options.maxBytes !== undefined && !(Number.isSafeInteger(options.maxBytes) && options.maxBytes >= 0)) {
      throw new InvalidStorageOptionError({ option: 'maxBytes', reason: 'must be a non-negative integer' })
    }
    const keyCheck = masterKeyCheck(options.masterKey)
    const meta = await backend.getMeta('store')
    if (meta === undefined) {
      await backend.putMeta('store', `${JSON.stringify({ format: 'databourse-blob-store', version: 1, keyCheck })}\n`)
    } else {
      let stored: unknown
      try {
        stored = (JSON.parse(meta) as { keyCheck?: unknown }).keyCheck
      } catch {
        stored = undefined
      }
      if (stored !== keyCheck) throw new MasterKeyMismatchError({ location: backend.location })
    }
    const removed = await backend.cleanupPartials()
    return new BlobStore(backend, options, removed)
  }

  /**
   * Streams plaintext in and stores it encrypted under its SHA-256. Memory stays at a few
   * chunks for any size. If the source fails or `signal` aborts, nothing is stored
   * ({@link UploadInterruptedError}); the same content stored twice is kept once.
   *
   * @example
   * const { id, size } = await store.put(createReadStream('orders.csv'))
   * // id === sha256(orders.csv): the contentHash to list on chain
   */
  async put(source: AsyncIterable<Uint8Array>, options: PutBlobOptions = {}): Promise<PutBlobResult> {
    const expected = options.expectedContentHash === undefined ? undefined : toBlobId(options.expectedContentHash)
    const key = randomBytes(ASSET_KEY_LENGTH)
    const noncePrefix = randomBytes(NONCE_PREFIX_LENGTH)
    const { chunkSize } = this
    const upload = await this.backend.beginUpload(headerLength(KeyWrapKind.masterKey))
    try {
      const limit = Math.min(this.maxBytes, MAX_CHUNKS * chunkSize)
      const { size, chunks, contentHash: id } = await sealStream(source, upload, { key, noncePrefix, chunkSize, limit, signal: options.signal, onProgress: options.onProgress })
      if (expected && id !== expected) throw new ContentHashMismatchError({ expected, actual: id, where: 'upload' })
      const fields = { keyWrap: KeyWrapKind.masterKey, chunkSize, plaintextSize: size, contentHash: id, noncePrefix }
      const header = encodeHeader({ ...fields, wrappedKey: wrapWithMasterKey(this.#masterKey, key, encodeFixedHeader(fields)) })
      const created = (await upload.commit(id, header)) === 'created'
      return { id, size, chunkSize, chunks, storedBytes: blobLength(KeyWrapKind.masterKey, size, chunkSize), created }
    } catch (err) {
      await upload.abort()
      throw err
    } finally {
      key.fill(0)
    }
  }

  /**
   * Reads and authenticates a blob's header: size, chunking, stored length.
   *
   * @example
   * const { size, chunks } = await store.stat(listing.contentHash)
   */
  async stat(id: string): Promise<BlobInfo> {
    const opened = await openStoredBlob(this.backend, this.#masterKey, toBlobId(id))
    await closeStoredBlob(opened)
    return opened.info
  }

  /** True when a blob with this id is stored (without authenticating it). */
  async has(id: string): Promise<boolean> {
    const reader = await this.backend.openReader(toBlobId(id))
    await reader?.close()
    return reader !== undefined
  }

  /** Removes a blob; false when there was none. */
  async delete(id: string): Promise<boolean> {
    return this.backend.delete(toBlobId(id))
  }

  /** Every stored blob id. */
  list(): AsyncIterable<BlobId> {
    return this.backend.list()
  }

  /**
   * Streams a blob's plaintext, chunk by chunk, each authenticated before it is yielded.
   *
   * @example
   * await pipeline(Readable.from(store.read(id)), createWriteStream('copy.csv'))
   */
  async *read(id: string): AsyncGenerator<Buffer, void, undefined> {
    const opened = await openStoredBlob(this.backend, this.#masterKey, toBlobId(id))
    try {
      yield* storedChunks(opened, { plaintext: true })
    } finally {
      await closeStoredBlob(opened)
    }
  }

  /**
   * Authenticates every chunk and checks SHA-256(plaintext) against the id: a full scrub.
   *
   * @example
   * await store.verify(id) // throws BlobTamperedError on any damage
   */
  async verify(id: string): Promise<BlobInfo> {
    const opened = await openStoredBlob(this.backend, this.#masterKey, toBlobId(id))
    const hash = createHash('sha256')
    try {
      for await (const plain of storedChunks(opened, { plaintext: true })) hash.update(plain)
    } finally {
      await closeStoredBlob(opened)
    }
    if (bytesToHex(hash.digest()) !== opened.info.id) {
      throw new BlobTamperedError({ id: opened.info.id, where: 'store', reason: 'id-mismatch', details: 'the decrypted content hashes to another value' })
    }
    return opened.info
  }

  /**
   * Prepares a delivery of a blob to one recipient: the same sealed chunks, with the asset
   * key wrapped to `recipientPublicKey` (secp256k1, 33 or 65 bytes) instead of the master
   * key. The header, the length and the first chunk are verified before this returns, so a
   * damaged blob is refused before any byte is sent; each later chunk is verified before it
   * is yielded and a damaged one ends the stream with {@link BlobTamperedError}.
   *
   * @example
   * const { stream, byteLength } = await store.deliver(contentHash, buyerPublicKey)
   */
  async deliver(id: string, recipientPublicKey: Uint8Array): Promise<BlobDelivery> {
    const opened = await openStoredBlob(this.backend, this.#masterKey, toBlobId(id))
    const chunks = storedChunks(opened, { plaintext: false })
    let first: IteratorResult<Buffer>
    let header: Buffer
    try {
      const fields = { ...opened.header, keyWrap: KeyWrapKind.ecies }
      const fixed = encodeFixedHeader(fields)
      header = encodeHeader({ ...fields, wrappedKey: wrapForRecipient(recipientPublicKey, opened.key, fixed) })
      first = await chunks.next()
    } catch (err) {
      await chunks.return()
      await closeStoredBlob(opened)
      throw err
    }
    let released = false
    const release = async () => {
      if (released) return
      released = true
      await chunks.return()
      await closeStoredBlob(opened)
    }
    let started = false
    async function* generate(): AsyncGenerator<Buffer, void, undefined> {
      started = true
      try {
        yield header
        if (!first.done) yield first.value
        yield* chunks
      } finally {
        await release()
      }
    }
    const stream = generate()
    // A generator that never started does not run its finally on return(): release directly.
    const cancel = async () => (started ? void (await stream.return()) : release())
    return { info: opened.info, byteLength: blobLength(KeyWrapKind.ecies, opened.info.size, opened.info.chunkSize), stream, cancel }
  }
}
