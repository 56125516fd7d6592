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
import { RequestChannel } from '../../threads/RequestChannel.ts'
import { sealBatch, type SealedBatch, type SealRequest } from './sealBatch.ts'

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
  #thread: RequestChannel<{ sealed: SealedBatch; busyMs: number }> | undefined
  #starting: Promise<void> | undefined
  #ready = false
  #closed = false
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
    const thread = this.#thread
    if (!thread || !this.#ready) {
      try {
        const sealed = sealBatch(request)
        this.stats.inlineBatches++
        this.stats.inlineRecords += request.jobs.length
        return Promise.resolve(sealed)
      } catch (e) {
        return Promise.reject(e as Error)
      }
    }
    return thread.request({ request }).then(({ sealed, busyMs }) => {
      this.stats.threadBatches++
      this.stats.threadRecords += request.jobs.length
      this.stats.threadBusyMs += busyMs
      return sealed
    })
  }

  /** Ends the thread (batches already given are answered first). */
  async close(): Promise<void> {
    this.#closed = true
    await this.#starting
    const thread = this.#thread
    this.#thread = undefined
    this.#ready = false
    if (!thread) return
    await thread.drained()
    await thread.worker.terminate()
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
    this.#thread = this.#spawn(p)
  }

  #spawn(p: { url: URL } | { source: string }): RequestChannel<{ sealed: SealedBatch; busyMs: number }> {
    const worker = 'url' in p ? new Worker(p.url, { execArgv: [] }) : new Worker(p.source, { eval: true, execArgv: [] })
    const thread = new RequestChannel<{ sealed: SealedBatch; busyMs: number }>(worker, {
      read: (m) => (m.error !== undefined ? { error: new SealThreadError(`seal thread: ${String(m.error)}`) } : { value: { sealed: m.sealed as SealedBatch, busyMs: Number(m.busyMs ?? 0) } }),
      failure: (why) => new SealThreadError(`seal thread: ${why}`),
      onMessage: (m) => {
        if ((m as { ready?: true }).ready) this.#ready = this.#thread === thread
      },
      onFailure: (error) => {
        if (this.#thread !== thread) return // closed, or already replaced
        if (!this.#closed) this.#logger?.warn({ err: error }, this.#ready ? 'supervision: the seal thread died; a new one starts with the next batch' : 'supervision: the seal thread cannot start; sealing on the main thread')
        if (!this.#ready) this.#threaded = false // cannot start here: seal inline from now on
        this.#thread = undefined // the next batch starts a new thread (and is sealed inline meanwhile)
        this.#ready = false
        this.#starting = undefined
      },
    })
    return thread
  }
}
