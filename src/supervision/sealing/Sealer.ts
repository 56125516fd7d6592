/**
 * Seals submissions on a thread of their own, so that on two cores the main thread's checks,
 * positions and anchoring overlap the AES-GCM, canonical JSON and SHA-256 of every record
 * (~30 µs of CPU per record, src/supervision/README.md).
 *
 * The thread starts on first use and seals nothing until it says it is ready; until then —
 * and if it dies — batches are sealed inline by the same {@link sealBatch}, so a caller never
 * waits for a thread to start and the bytes do not depend on where they were sealed. The
 * thread is unreferenced while idle: it never keeps a process alive.
 */
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { build } from 'esbuild'
import type { Logger } from 'pino'
import { sealBatch, type SealedBatch, type SealRequest } from './sealBatch.ts'

interface Pending {
  resolve(sealed: SealedBatch, busyMs: number): void
  reject(error: Error): void
}

/**
 * The thread's program. From the CLI bundle: its prebuilt entry beside the bundle (which
 * inlined this module). From the TypeScript sources: bundled here by esbuild (~0.2 s, once per
 * process, off the main thread) into plain code the thread evaluates — a thread does not inherit
 * tsx's loader (bin/bourse.mjs registers it through the API), and registering tsx inside the
 * thread took ~1 s of CPU at each start.
 */
let sourceProgram: Promise<string> | undefined
async function program(): Promise<{ url: URL } | { source: string }> {
  if (!import.meta.url.endsWith('.ts')) return { url: new URL('./seal-thread.mjs', import.meta.url) }
  sourceProgram ??= build({
    entryPoints: [fileURLToPath(new URL('./sealThread.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    legalComments: 'none',
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text)
  return { source: await sourceProgram }
}

/** A seal thread's failure (the batch was not sealed). */
export class SealThreadError extends Error {
  override readonly name = 'SealThreadError'
}

export class Sealer {
  #worker: Worker | undefined
  #starting: Promise<void> | undefined
  #ready = false
  readonly #pending = new Map<number, Pending>()
  #nextId = 0
  #closed = false
  /** Set by close while batches are out: called once the last is answered (or the thread failed). */
  #drained: (() => void) | undefined
  /** False when threads are not wanted, or one failed before it was ready (it would again). */
  #threaded: boolean

  readonly #logger: Pick<Logger, 'warn'> | undefined

  /**
   * @param threaded false: always seal inline (no thread).
   * @param logger told when the thread cannot start or dies (sealing then runs inline, slower).
   */
  constructor({ threaded = true, logger }: { threaded?: boolean; logger?: Pick<Logger, 'warn'> | undefined } = {}) {
    this.#threaded = threaded
    this.#logger = logger
  }

  /** Batches and records sealed on the thread and inline, and the thread's busy milliseconds (a utilisation metric). */
  readonly stats = { threadBatches: 0, threadRecords: 0, threadBusyMs: 0, inlineBatches: 0, inlineRecords: 0 }

  /** Whether batches go to the thread now (it has started and said it is ready). */
  get threadReady(): boolean {
    return this.#ready
  }

  /** Starts the thread now (a node at start), rather than at the first batch. */
  warm(): void {
    if (this.#threaded && !this.#closed && !this.#starting) this.#starting = this.#start()
  }

  seal(request: SealRequest): Promise<SealedBatch> {
    this.warm()
    const worker = this.#worker
    if (!worker || !this.#ready) {
      try {
        const sealed = sealBatch(request)
        this.stats.inlineBatches++
        this.stats.inlineRecords += request.jobs.length
        return Promise.resolve(sealed)
      } catch (e) {
        return Promise.reject(e as Error)
      }
    }
    const id = this.#nextId++
    return new Promise<SealedBatch>((resolve, reject) => {
      this.#pending.set(id, {
        resolve: (sealed, busyMs) => {
          this.stats.threadBatches++
          this.stats.threadRecords += request.jobs.length
          this.stats.threadBusyMs += busyMs
          resolve(sealed)
        },
        reject,
      })
      if (this.#pending.size === 1) worker.ref()
      worker.postMessage({ id, request })
    })
  }

  /** Ends the thread (batches already given are answered first). */
  async close(): Promise<void> {
    this.#closed = true
    await this.#starting
    const worker = this.#worker
    this.#worker = undefined
    this.#ready = false
    if (!worker) return
    if (this.#pending.size) await new Promise<void>((resolve) => (this.#drained = resolve))
    await worker.terminate()
  }

  /** Builds the program (from the sources) and starts the thread; batches are sealed inline until it is ready. */
  async #start(): Promise<void> {
    let p
    try {
      p = await program()
    } catch (err) {
      this.#threaded = false // no program: seal inline
      this.#logger?.warn({ err }, 'supervision: the seal thread has no program; sealing on the main thread')
      return
    }
    if (this.#closed) return
    this.#worker = this.#spawn(p)
  }

  #spawn(p: { url: URL } | { source: string }): Worker {
    const worker = 'url' in p ? new Worker(p.url, { execArgv: [] }) : new Worker(p.source, { eval: true, execArgv: [] })
    worker.on('message', (m: { ready?: true; id: number; sealed?: SealedBatch; busyMs?: number; error?: string }) => {
      if (m.ready) {
        this.#ready = this.#worker === worker
        return
      }
      const p = this.#pending.get(m.id)
      if (!p) return
      this.#pending.delete(m.id)
      if (this.#pending.size === 0) {
        worker.unref()
        this.#drained?.()
      }
      if (m.error !== undefined) p.reject(new SealThreadError(`seal thread: ${m.error}`))
      else p.resolve(m.sealed!, m.busyMs ?? 0)
    })
    const fail = (error: Error) => {
      if (this.#worker === worker && !this.#closed) this.#logger?.warn({ err: error }, this.#ready ? 'supervision: the seal thread died; a new one starts with the next batch' : 'supervision: the seal thread cannot start; sealing on the main thread')
      if (this.#worker === worker && !this.#ready) this.#threaded = false // cannot start here: seal inline from now on
      if (this.#worker === worker) {
        this.#worker = undefined // the next batch starts a new thread (and is sealed inline meanwhile)
        this.#ready = false
        this.#starting = undefined
      }
      for (const p of this.#pending.values()) p.reject(error)
      this.#pending.clear()
      this.#drained?.()
    }
    worker.on('error', (e) => fail(new SealThreadError(`seal thread: ${e.message}`)))
    worker.on('exit', (code) => fail(new SealThreadError(`seal thread exited (${code})`)))
    worker.unref() // after the listeners: adding a 'message' listener refs the worker again
    return worker
  }
}
