/**
 * Chunk AES-256-GCM and the content's SHA-256 (node:crypto) on a small pool of worker
 * threads, in place in shared memory, so that the main thread keeps only the I/O and the
 * bookkeeping:
 *
 * - every stream (one upload, one delivery, one download) owns a {@link SlotRing}: a few
 *   `SharedArrayBuffer` slots of one sealed chunk each, allocated once per stream;
 * - a chunk is read (or copied) into a slot, a worker hashes it and seals, opens or
 *   verifies it in place, and the main thread writes it straight from the slot;
 * - a stream's SHA-256 stays on one worker ({@link ChunkWorkerPool.hash}); the ciphers go to
 *   whichever worker is least busy, so on 2 cores the hash of one chunk overlaps the cipher
 *   of the next.
 *
 * No chunk-sized buffer is allocated per chunk on the main thread (V8 counts every new
 * ArrayBuffer as external memory, and 1 MiB of it per chunk means a mark-compact every few
 * dozen chunks), copies into and out of slots are native memcpys ({@link copyInto}), and an
 * HTTP server's event loop never blocks on a chunk.
 *
 * Workers are unreferenced while idle: an idle pool never keeps a process alive.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { WORKER_SOURCE } from './chunkWorkerSource.ts'

/**
 * Copies `source` into `target` at `offset` with one native memcpy. Copies into or out of a
 * SharedArrayBuffer through `TypedArray.prototype.set` (and `Buffer.copy`, which uses it) take
 * V8's relaxed-atomic path, 2-3x slower than memcpy; `Buffer.fill` with a buffer value of
 * exactly the range's length is a plain memcpy in node's C++.
 *
 * @example
 * copyInto(slot.buffer, piece, fill)
 */
export function copyInto(target: Buffer, source: Uint8Array, offset: number): void {
  if (source.length > 0) target.fill(source, offset, offset + source.length)
}

/** `seal`: plaintext -> ciphertext || tag; `open`: the reverse; `verify`: authenticate only. */
export type ChunkOperation = 'seal' | 'open' | 'verify'

/** One slot of shared memory and a Buffer view of all of it. */
export interface Slot {
  readonly shared: SharedArrayBuffer
  readonly buffer: Buffer
}

/**
 * At most `count` slots for one stream, created on first need (a small upload uses one);
 * {@link SlotRing.acquire} waits while all are in use.
 *
 * @example
 * const ring = new SlotRing((1 << 20) + 16, 6)
 * const slot = await ring.acquire()
 * // ... fill, process, consume ...
 * ring.release(slot)
 */
export class SlotRing {
  readonly #slotSize: number
  readonly #count: number
  readonly #free: Slot[] = []
  readonly #waiting: ((slot: Slot) => void)[] = []
  #created = 0

  constructor(slotSize: number, count: number) {
    this.#slotSize = slotSize
    this.#count = count
  }

  acquire(): Promise<Slot> {
    const slot = this.#free.pop()
    if (slot) return Promise.resolve(slot)
    if (this.#created < this.#count) {
      this.#created++
      const shared = new SharedArrayBuffer(this.#slotSize)
      return Promise.resolve({ shared, buffer: Buffer.from(shared) })
    }
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  release(slot: Slot): void {
    const waiter = this.#waiting.shift()
    if (waiter) waiter(slot)
    else this.#free.push(slot)
  }
}

export interface ChunkTask {
  op: ChunkOperation
  key: Uint8Array
  iv: Uint8Array
  aad: Uint8Array
  slot: Slot
  /** Bytes of input at the start of the slot. */
  length: number
}


/**
 * SHA-256 of a stream computed on one worker of the pool, chunk by chunk from slots: every
 * update goes to the same worker, which applies them in the order they were posted.
 */
export interface WorkerHash {
  /** Hashes the first `length` bytes of `slot`; resolves once they are read (the slot may then change). */
  update(slot: Slot, length: number): Promise<void>
  /** The digest of everything posted before (the hash is then gone). */
  digest(): Promise<Buffer>
  /** Forgets the hash (an aborted stream); safe at any time. */
  drop(): void
}

interface Reply {
  id: number
  length?: number
  digest?: Uint8Array
  error?: string
}

interface Worker_ {
  worker: Worker
  alive: boolean
  pending: Map<number, { resolve: (reply: Reply) => void; reject: (e: Error) => void }>
}

export class ChunkWorkerPool {
  readonly size: number
  readonly #workers: (Worker_ | undefined)[]
  #nextId = 0

  /**
   * @example
   * const pool = new ChunkWorkerPool(2)
   * const sealedLength = await pool.run({ op: 'seal', key, iv, aad, slot, length })
   */
  constructor(size: number = Math.min(4, Math.max(1, availableParallelism()))) {
    this.size = size
    this.#workers = new Array(size).fill(undefined)
  }

  /**
   * Runs one operation in place on the slot; resolves with the output length (at the start
   * of the slot), or `undefined` when an open or verify fails authentication.
   */
  async run(task: ChunkTask): Promise<number | undefined> {
    const { length } = await this.#post(this.#leastBusy(), { op: task.op, key: task.key, iv: task.iv, aad: task.aad, shared: task.slot.shared, length: task.length })
    return length! < 0 ? undefined : length
  }

  /**
   * A SHA-256 on the least busy worker, for one stream.
   *
   * @example
   * const hash = pool.hash()
   * await hash.update(slot, length) // in stream order
   * const digest = await hash.digest()
   */
  hash(): WorkerHash {
    const w = this.#leastBusy()
    const stream = this.#nextId++
    return {
      update: async (slot, length) => void (await this.#post(w, { op: 'hash', stream, shared: slot.shared, length })),
      digest: async () => Buffer.from((await this.#post(w, { op: 'digest', stream })).digest!),
      drop: () => void this.#post(w, { op: 'drop', stream }).catch(() => {}),
    }
  }

  /** Stops every worker (pending operations reject). */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w?.worker.terminate()))
    this.#workers.fill(undefined)
  }

  #post(w: Worker_, message: object): Promise<Reply> {
    if (!w.alive) return Promise.reject(new Error('chunk worker exited'))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      if (w.pending.size === 0) w.worker.ref()
      w.pending.set(id, { resolve, reject })
      w.worker.postMessage({ id, ...message })
    })
  }

  #leastBusy(): Worker_ {
    let best = 0
    for (let i = 0; i < this.size; i++) {
      const w = this.#workers[i]
      if (!w) {
        best = i
        break
      }
      if (w.pending.size < this.#workers[best]!.pending.size) best = i
    }
    return (this.#workers[best] ??= this.#spawn(best))
  }

  #spawn(index: number): Worker_ {
    // execArgv: [] — the worker is plain CommonJS and needs none of the parent's loaders or flags.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] })
    const w: Worker_ = { worker, alive: true, pending: new Map() }
    const fail = (error: Error) => {
      w.alive = false
      if (this.#workers[index] === w) this.#workers[index] = undefined
      for (const p of w.pending.values()) p.reject(error)
      w.pending.clear()
    }
    worker.on('message', (m: Reply) => {
      const p = w.pending.get(m.id)
      if (!p) return
      w.pending.delete(m.id)
      if (w.pending.size === 0) worker.unref()
      if (m.error !== undefined) p.reject(new Error(`chunk worker: ${m.error}`))
      else p.resolve(m)
    })
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`chunk worker exited (${code})`)))
    worker.unref() // after the listeners: adding a 'message' listener references the worker again
    return w
  }
}

let shared: ChunkWorkerPool | undefined

/**
 * The process-wide pool (created on first use; one worker per core, at most 4).
 *
 * @example
 * await chunkWorkers().run({ op: 'verify', key, iv, aad, slot, length })
 */
export function chunkWorkers(): ChunkWorkerPool {
  return (shared ??= new ChunkWorkerPool())
}
