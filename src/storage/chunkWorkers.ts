/**
 * Chunk AES-256-GCM (node:crypto) on a small pool of worker threads, in place in shared
 * memory, so that the main thread keeps only the SHA-256 of the content and the I/O:
 *
 * - every stream (one upload, one delivery, one download) owns a {@link SlotRing}: a few
 *   `SharedArrayBuffer` slots of one sealed chunk each, allocated once per stream;
 * - a chunk is read (or copied) into a slot, a worker seals, opens or verifies it in place,
 *   and the main thread writes or hashes it straight from the slot.
 *
 * No chunk-sized buffer is allocated or copied between threads per chunk on the main
 * thread, which keeps the garbage collector (driven by external-memory pressure) quiet,
 * and an HTTP server's event loop never blocks on a chunk.
 *
 * Workers are unreferenced while idle: an idle pool never keeps a process alive.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

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

// Plain CommonJS evaluated in the worker: no loader or build step needed. The chunk is
// processed in 64 KiB pieces written back in place: GCM outputs exactly as many bytes as it
// consumes, and small outputs come from the allocator's reused heap instead of fresh
// 1 MiB mappings (page faults, then unmaps) for every chunk.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createCipheriv, createDecipheriv } = require('node:crypto')
const PIECE = 65536
function transform(cipher, slot, length, keep) {
  for (let at = 0; at < length; at += PIECE) {
    const out = cipher.update(slot.subarray(at, Math.min(at + PIECE, length)))
    if (keep) slot.set(out, at)
  }
}
parentPort.on('message', (m) => {
  try {
    const slot = Buffer.from(m.shared)
    if (m.op === 'seal') {
      const c = createCipheriv('aes-256-gcm', m.key, m.iv, { authTagLength: 16 })
      c.setAAD(m.aad)
      transform(c, slot, m.length, true)
      c.final()
      slot.set(c.getAuthTag(), m.length)
      parentPort.postMessage({ id: m.id, length: m.length + 16 })
      return
    }
    const d = createDecipheriv('aes-256-gcm', m.key, m.iv, { authTagLength: 16 })
    d.setAAD(m.aad)
    d.setAuthTag(Buffer.from(slot.subarray(m.length - 16, m.length)))
    transform(d, slot, m.length - 16, m.op === 'open')
    try {
      d.final()
    } catch {
      parentPort.postMessage({ id: m.id, length: -1 }) // an opened slot now holds garbage: never used
      return
    }
    parentPort.postMessage({ id: m.id, length: m.op === 'open' ? m.length - 16 : m.length })
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) })
  }
})
`

interface Worker_ {
  worker: Worker
  pending: Map<number, { resolve: (length: number | undefined) => void; reject: (e: Error) => void }>
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
  run(task: ChunkTask): Promise<number | undefined> {
    const w = this.#leastBusy()
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      if (w.pending.size === 0) w.worker.ref()
      w.pending.set(id, { resolve, reject })
      w.worker.postMessage({ id, op: task.op, key: task.key, iv: task.iv, aad: task.aad, shared: task.slot.shared, length: task.length })
    })
  }

  /** Stops every worker (pending operations reject). */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w?.worker.terminate()))
    this.#workers.fill(undefined)
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
    worker.unref()
    const w: Worker_ = { worker, pending: new Map() }
    const fail = (error: Error) => {
      if (this.#workers[index] === w) this.#workers[index] = undefined
      for (const p of w.pending.values()) p.reject(error)
      w.pending.clear()
    }
    worker.on('message', (m: { id: number; length?: number; error?: string }) => {
      const p = w.pending.get(m.id)
      if (!p) return
      w.pending.delete(m.id)
      if (w.pending.size === 0) worker.unref()
      if (m.error !== undefined) p.reject(new Error(`chunk worker: ${m.error}`))
      else p.resolve(m.length! < 0 ? undefined : m.length)
    })
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`chunk worker exited (${code})`)))
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
