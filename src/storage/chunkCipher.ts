/**
 * Chunk sealing of the blob format (blobFormat.ts): AES-256-GCM per chunk with the nonce
 * and authenticated data that bind the chunk's index and final flag, an in-order work
 * queue, and a reader that re-frames a byte stream.
 *
 * The AES-GCM itself is node:crypto's, run in place on shared-memory slots by a worker
 * pool (chunkWorkers.ts), in parallel with the stream's SHA-256 (on a worker as well) and
 * the I/O on the main thread.
 */
import { chunkAad, chunkNonce } from './blobFormat.ts'
import { chunkWorkers, copyInto, type Slot } from './chunkWorkers.ts'

/** Chunks in flight per stream (sealing, verifying, decrypting). */
export const PIPELINE_DEPTH = 4
/** Slots per stream: the chunks in flight, one being written, one being filled. */
export const SLOTS_PER_STREAM = PIPELINE_DEPTH + 2

/**
 * Seals the `length` plaintext bytes at the start of `slot` in place; returns the sealed
 * length (ciphertext || tag, `length + 16`).
 *
 * @example
 * const sealedLength = await sealInPlace(key, prefix, 0, true, slot, 5)
 */
export async function sealInPlace(key: Uint8Array, prefix: Uint8Array, index: number, final: boolean, slot: Slot, length: number): Promise<number> {
  const out = await chunkWorkers().run({ op: 'seal', key, iv: chunkNonce(prefix, index, final), aad: chunkAad(index, final), slot, length })
  if (out === undefined) throw new Error('sealing cannot fail authentication')
  return out
}

/**
 * Opens the sealed chunk (`length` bytes, ciphertext || tag) at the start of `slot` in
 * place; returns the plaintext length, or `undefined` when the tag does not verify for this
 * key, index and final flag (the slot then holds garbage).
 *
 * @example
 * const plainLength = (await openInPlace(key, prefix, 0, true, slot, sealedLength)) ?? refuse()
 */
export function openInPlace(key: Uint8Array, prefix: Uint8Array, index: number, final: boolean, slot: Slot, length: number): Promise<number | undefined> {
  return chunkWorkers().run({ op: 'open', key, iv: chunkNonce(prefix, index, final), aad: chunkAad(index, final), slot, length })
}

/**
 * Authenticates the sealed chunk at the start of `slot` without changing it; returns its
 * length, or `undefined` when it does not verify.
 *
 * @example
 * (await verifyInPlace(key, prefix, 3, false, slot, sealedLength)) ?? refuse()
 */
export function verifyInPlace(key: Uint8Array, prefix: Uint8Array, index: number, final: boolean, slot: Slot, length: number): Promise<number | undefined> {
  return chunkWorkers().run({ op: 'verify', key, iv: chunkNonce(prefix, index, final), aad: chunkAad(index, final), slot, length })
}

/**
 * Results of asynchronous work, taken in submission order, at most `depth` in flight.
 * Rejections are held until their turn (never unhandled).
 *
 * @example
 * const queue = new OrderedQueue<number>(4)
 * queue.push(sealInPlace(...)); if (queue.full) await write(await queue.shift())
 */
export class OrderedQueue<T> {
  readonly #items: Promise<T>[] = []
  constructor(readonly depth: number = PIPELINE_DEPTH) {}

  get size(): number {
    return this.#items.length
  }
  get full(): boolean {
    return this.#items.length >= this.depth
  }
  push(work: Promise<T>): void {
    work.catch(() => {})
    this.#items.push(work)
  }
  /** The oldest result (rejects if that work failed). */
  shift(): Promise<T> {
    const next = this.#items.shift()
    if (!next) throw new Error('OrderedQueue is empty')
    return next
  }
  /** Waits for everything in flight, ignoring outcomes (before closing files). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#items.splice(0))
  }
}

/**
 * Reads exact byte counts from a stream of arbitrarily sized pieces.
 *
 * @example
 * const reader = new ExactReader(stream)
 * const header = await reader.read(62) // fewer bytes only at the end of the stream
 */
export class ExactReader {
  readonly #iterator: AsyncIterator<Uint8Array>
  #pieces: Buffer[] = []
  #buffered = 0
  #done = false
  /** Bytes handed out so far. */
  consumed = 0

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iterator = source[Symbol.asyncIterator]()
  }

  /** The next `n` bytes (a fresh buffer); fewer (possibly none) only when the stream ends first. */
  async read(n: number): Promise<Buffer> {
    await this.#fill(n)
    const out = Buffer.allocUnsafe(Math.min(n, this.#buffered))
    return out.subarray(0, this.#take(out, out.length))
  }

  /** Copies the next `n` bytes into `target`; returns how many (fewer only at the end). */
  async readInto(target: Buffer, n: number): Promise<number> {
    await this.#fill(n)
    return this.#take(target, Math.min(n, this.#buffered))
  }

  async #fill(n: number): Promise<void> {
    while (this.#buffered < n && !this.#done) {
      const next = await this.#iterator.next()
      if (next.done) {
        this.#done = true
        break
      }
      const piece = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)
      if (piece.length === 0) continue
      this.#pieces.push(piece)
      this.#buffered += piece.length
    }
  }

  #take(target: Buffer, take: number): number {
    let filled = 0
    while (filled < take) {
      const piece = this.#pieces[0]!
      const k = Math.min(piece.length, take - filled)
      copyInto(target, piece.subarray(0, k), filled)
      filled += k
      if (k === piece.length) this.#pieces.shift()
      else this.#pieces[0] = piece.subarray(k)
    }
    this.#buffered -= take
    this.consumed += take
    return take
  }

  /** True when no byte is left (reads ahead by one piece if needed). */
  async atEnd(): Promise<boolean> {
    if (this.#buffered > 0) return false
    const probe = await this.read(1)
    if (probe.length === 0) return true
    this.#pieces.unshift(probe)
    this.#buffered += 1
    this.consumed -= 1
    return false
  }

  /** Stops the underlying stream (e.g. after a refusal). */
  async close(): Promise<void> {
    await this.#iterator.return?.()
  }
}
