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
import type { Logger } from 'pino'
import { FallbackThread } from '../../threads/FallbackThread.ts'
import { threadProgram } from '../../threads/threadProgram.ts'
import { sealBatch, type SealedBatch, type SealRequest } from './sealBatch.ts'

/** A seal thread's failure (the batch was not sealed). */
export class SealThreadError extends Error {
  override readonly name = 'SealThreadError'
}

/** The seal thread's young generation (V8's default for a worker is smaller; see the constructor). */
const SEAL_THREAD_YOUNG_GENERATION_MB = 64

export class Sealer {
  readonly #thread: FallbackThread<{ sealed: SealedBatch; busyMs: number }>

  /**
   * @param threaded false: always seal inline (no thread).
   * @param logger told when the thread cannot start or dies (sealing then runs inline, slower).
   */
  constructor({ threaded = true, logger }: { threaded?: boolean; logger?: Pick<Logger, 'warn'> | undefined } = {}) {
    this.#thread = new FallbackThread<{ sealed: SealedBatch; busyMs: number }>({
      name: 'supervision: the seal thread',
      fallback: 'sealing on the main thread',
      program: () => threadProgram('seal-thread', new URL('./sealThread.ts', import.meta.url)),
      enabled: threaded,
      // A 2,000-record batch allocates ~20 MB on the thread and keeps about half of it alive
      // until it is answered, so every scavenge of V8's default young generation copies a
      // batch's drafts and sealed columns; with 64 MB, about 40 % fewer scavenges and GC time
      // (measured in bench:supervision: 57 -> 36 scavenges, 479 -> 297 ms per 40,000 records).
      resourceLimits: { maxYoungGenerationSizeMb: SEAL_THREAD_YOUNG_GENERATION_MB },
      read: (m) => (m.error !== undefined ? { error: new SealThreadError(`seal thread: ${String(m.error)}`) } : { value: { sealed: m.sealed as SealedBatch, busyMs: Number(m.busyMs ?? 0) } }),
      failure: (why) => new SealThreadError(`seal thread: ${why}`),
      logger,
    })
  }

  /** Batches and records sealed on the thread and inline, and the thread's busy milliseconds (a utilisation metric). */
  readonly stats = { threadBatches: 0, threadRecords: 0, threadBusyMs: 0, inlineBatches: 0, inlineRecords: 0 }

  /** Whether batches go to the thread now (it has started and said it is ready). */
  get threadReady(): boolean {
    return this.#thread.ready
  }

  /** Starts the thread now (a node at start), rather than at the first batch. */
  warm(): void {
    this.#thread.warm()
  }

  seal(request: SealRequest): Promise<SealedBatch> {
    const thread = this.#thread.current()
    if (!thread) {
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
  close(): Promise<void> {
    return this.#thread.close()
  }
}
