/**
 * Where encrypted blobs live: the byte-level interface every storage backend implements.
 * Backends know nothing about keys or the blob format; {@link BlobStore} (BlobStore.ts) does
 * the encryption on top of any backend. One file per backend in `backends/`; the factory
 * (createBlobStore.ts) picks one from configuration.
 *
 * Contract for implementers:
 * - An upload is invisible until {@link BlobUpload.commit}; commit is atomic (a reader sees
 *   the whole blob or nothing) and never replaces an existing blob.
 * - The first `reserve` bytes of an upload are written last, by `commit` (the header, which
 *   holds values known only at the end: size, content hash, wrapped key). An S3-like backend
 *   maps this onto a multipart upload whose part 1 is sent last.
 * - Uploads abandoned by a crash are removed by {@link BlobBackend.cleanupPartials}, which the
 *   store calls when it opens.
 */
import type { Hex } from 'viem'

/** The id of a blob: 0x + 64 lowercase hex digits (SHA-256 of the plaintext). */
export type BlobId = Hex

/** Backend kinds the factory knows. */
export type BlobBackendKind = 'local'

export interface BlobBackend {
  readonly kind: BlobBackendKind
  /** Human-readable location (a directory, a bucket URL without credentials). */
  readonly location: string
  /** Starts an upload; the first `reserve` bytes are supplied by `commit`. */
  beginUpload(reserve: number): Promise<BlobUpload>
  /** Opens a stored blob for positional reads, or `undefined` when there is none. */
  openReader(id: BlobId): Promise<BlobObjectReader | undefined>
  /** Removes a blob; false when there was none. */
  delete(id: BlobId): Promise<boolean>
  /** Every stored blob id (order unspecified). */
  list(): AsyncIterable<BlobId>
  /** Removes uploads left behind by crashed processes; returns how many. */
  cleanupPartials(): Promise<number>
  /** A small UTF-8 metadata object by name (e.g. the master-key check), or `undefined`. */
  getMeta(name: string): Promise<string | undefined>
  /** Writes a small metadata object atomically. */
  putMeta(name: string, text: string): Promise<void>
}

/** An upload in progress. */
export interface BlobUpload {
  /** Opaque id of this upload (for logs). */
  readonly uploadId: string
  /** Appends bytes after the reserved header area. */
  write(pieces: readonly Uint8Array[]): Promise<void>
  /**
   * Writes the header into the reserved area, makes the upload durable and publishes it as
   * `id`. Returns 'exists' (and discards this upload) when `id` is already stored.
   */
  commit(id: BlobId, header: Uint8Array): Promise<'created' | 'exists'>
  /** Discards the upload. Safe to call more than once, and after a failed commit. */
  abort(): Promise<void>
}

/** Positional reads of one stored blob. */
export interface BlobObjectReader {
  /** Total stored bytes. */
  readonly size: number
  /** Reads up to `length` bytes from `position` into `target`; returns how many (fewer only at the end). */
  read(position: number, target: Uint8Array, length: number): Promise<number>
  close(): Promise<void>
}
