/**
 * The write side of the blob format: a plaintext stream in, sealed chunks out to an upload,
 * SHA-256 of the plaintext computed on the way. Used by `BlobStore.put`.
 *
 * Memory is a fixed ring of chunk slots per upload (chunkCipher.ts `SLOTS_PER_STREAM`):
 * plaintext is copied into a slot, hashed and then sealed there by workers, written from
 * there; a few chunks are in flight, one write at a time, in order.
 */
import { bytesToHex, type Hex } from 'viem'
import { UploadInterruptedError, UploadTooLargeError } from '../errors/storage.ts'
import type { BlobUpload } from './BlobBackend.ts'
import { TAG_LENGTH } from './blobFormat.ts'
import { OrderedQueue, sealInPlace, SLOTS_PER_STREAM } from './chunkCipher.ts'
import { chunkWorkers, copyInto, SlotRing, type Slot } from './chunkWorkers.ts'

export interface SealStreamParameters {
  /** The asset key (32 bytes). */
  key: Uint8Array
  noncePrefix: Uint8Array
  chunkSize: number
  /** Most plaintext bytes accepted ({@link UploadTooLargeError} beyond). */
  limit: number
  /** Aborts, even while the source is waiting for data ({@link UploadInterruptedError}). */
  signal?: AbortSignal | undefined
  /** Plaintext bytes sealed and written so far, once per chunk. */
  onProgress?: ((bytes: number) => void) | undefined
}

export interface SealStreamResult {
  size: number
  chunks: number
  /** SHA-256 of the plaintext. */
  contentHash: Hex
}

/**
 * Seals `source` chunk by chunk into `upload` (after its reserved header area). A failing
 * or aborted source is an {@link UploadInterruptedError}; the caller aborts the upload.
 *
 * @example
 * const { size, chunks, contentHash } = await sealStream(request.body, upload, { key, noncePrefix, chunkSize, limit })
 */
export async function sealStream(source: AsyncIterable<Uint8Array>, upload: BlobUpload, p: SealStreamParameters): Promise<SealStreamResult> {
  const { key, noncePrefix, chunkSize, signal } = p
  const iterator = source[Symbol.asyncIterator]()
  const ring = new SlotRing(chunkSize + TAG_LENGTH, SLOTS_PER_STREAM)
  const sealing = new OrderedQueue<{ slot: Slot; length: number }>()
  const hash = chunkWorkers().hash() // on a worker: see chunkWorkerSource.ts
  let size = 0
  let slot: Slot | undefined // the chunk being filled
  let fill = 0
  let chunks = 0
  let written = 0
  let pending: Promise<void> | undefined

  // Hashes the chunk being filled (posted now, so in stream order), then seals it in place.
  const seal = (final: boolean) => {
    const s = slot!
    const index = chunks++
    const length = fill
    const hashed = hash.update(s, length)
    sealing.push(hashed.then(() => sealInPlace(key, noncePrefix, index, final, s, length)).then((sealed) => ({ slot: s, length: sealed })))
    slot = undefined
    fill = 0
  }
  // Oldest sealed chunk -> the upload, one write in flight; its slot is free once written.
  const writeOldest = async () => {
    const { slot: s, length } = await sealing.shift()
    if (pending) await pending
    pending = upload.write([s.buffer.subarray(0, length)]).finally(() => ring.release(s))
    pending.catch(() => {})
    written += length - TAG_LENGTH
    p.onProgress?.(written)
  }
  const nextSlot = async () => {
    if (sealing.full) await writeOldest()
    slot = await ring.acquire()
  }

  let onAbort: (() => void) | undefined
  const aborted =
    signal &&
    new Promise<never>((_, reject) => {
      onAbort = () => reject(new UploadInterruptedError({ cause: asError(signal.reason), bytes: size }))
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    })
  aborted?.catch(() => {})

  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>
      try {
        next = await (aborted ? Promise.race([iterator.next(), aborted]) : iterator.next())
      } catch (err) {
        if (err instanceof UploadInterruptedError) throw err
        throw new UploadInterruptedError({ cause: asError(err), bytes: size })
      }
      if (next.done) break
      const data = next.value
      size += data.length
      if (size > p.limit) throw new UploadTooLargeError({ limit: p.limit })
      for (let offset = 0; offset < data.length; ) {
        if (slot && fill === chunkSize) seal(false) // a full chunk with more data after it
        if (!slot) await nextSlot()
        const n = Math.min(chunkSize - fill, data.length - offset)
        copyInto(slot!.buffer, data.subarray(offset, offset + n), fill)
        fill += n
        offset += n
      }
    }
    if (!slot) await nextSlot()
    seal(true) // the last chunk: possibly empty, possibly full
    while (sealing.size > 0) await writeOldest()
    await pending
    return { size, chunks, contentHash: bytesToHex(await hash.digest()) }
  } catch (err) {
    hash.drop()
    await sealing.settle()
    await pending?.catch(() => {})
    // Not awaited: a source blocked in its own await would hold us until it wakes.
    void iterator.return?.()?.catch(() => {})
    throw err
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
}

function asError(reason: unknown): Error | undefined {
  return reason instanceof Error ? reason : reason === undefined ? undefined : new Error(String(reason))
}
