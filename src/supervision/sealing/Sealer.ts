/**
 * Seals submissions on a thread of their own, so that on two cores the main thread's checks,
 * positions and anchoring overlap the AES-GCM, canonical JSON and SHA-256 of every record
 * (~30 µs of CPU per record, src/supervision/README.md).
 *
 * The thread starts on first use and seals nothing until it says it is ready; until then —
 * and if it dies — batches are sealed inline by the same {@link sealBatch}, so a caller never
 * waits for a thread to start and the bytes do not depend on where they were sealed. The
 * thread is unreferenced while idle: it never keeps a process alive.
 *
 * With a feeding writer (the SQLite writer thread), the thread posts a batch's record and leaf
 * rows straight to the writer thread ({@link sealToRows}) and answers with the record ids and
 * leaf hashes only: the rows — most of a record's bytes — are copied once, from thread to
 * thread, instead of to the main thread and from it again (the main thread, the busiest of
 * the three, rebuilt them there as objects and parameter arrays).
 */
import type { Logger } from 'pino'
import type { Hex } from 'viem'
import type { MessagePort } from 'node:worker_threads'
import type { FeedingWriter } from '../../db/writerThread.ts'
import { FallbackThread } from '../../threads/FallbackThread.ts'
import type { RequestChannel } from '../../threads/RequestChannel.ts'
import { threadProgram } from '../../threads/threadProgram.ts'
import { sealBatch, type SealedBatch, type SealRequest } from './sealBatch.ts'

/** A seal thread's failure (the batch was not sealed). */
export class SealThreadError extends Error {
  override readonly name = 'SealThreadError'
}

/**
 * Where a sealed batch went: its columns back to the caller (inline, or no feeding writer), or
 * its rows to the writer thread's feed under `ticket` — for `SupervisionStore.appendFed` on
 * the thread of that `generation`.
 */
export type SealOutcome =
  | { fed: false; sealed: SealedBatch }
  | { fed: true; ticket: number; generation: number; recordIds: Hex[]; leaves: Uint8Array }

/** A thread's answer: sealed columns, or what a fed batch returns. */
type ThreadAnswer = { sealed?: SealedBatch; recordIds?: Hex[]; leaves?: Uint8Array; busyMs: number }

/** The seal thread's young generation (V8's default for a worker is smaller; see the constructor). */
const SEAL_THREAD_YOUNG_GENERATION_MB = 64

export class Sealer {
  readonly #thread: FallbackThread<ThreadAnswer>
  readonly #feedTo: FeedingWriter | undefined
  /** The seal thread that holds a feed port, and the writer thread the port reaches. */
  #feed: { thread: RequestChannel<ThreadAnswer>; generation: number } | undefined

  /**
   * @param threaded false: always seal inline (no thread).
   * @param logger told when the thread cannot start or dies (sealing then runs inline, slower).
   * @param feedTo the writer thread the seal thread posts rows to (none: columns come back here).
   */
  constructor({ threaded = true, logger, feedTo }: { threaded?: boolean; logger?: Pick<Logger, 'warn'> | undefined; feedTo?: FeedingWriter | undefined } = {}) {
    this.#feedTo = feedTo
    this.#thread = new FallbackThread<ThreadAnswer>({
      name: 'supervision: the seal thread',
      fallback: 'sealing on the main thread',
      program: () => threadProgram('seal-thread', new URL('./sealThread.ts', import.meta.url)),
      enabled: threaded,
      // A 2,000-record batch allocates ~20 MB on the thread and keeps about half of it alive
      // until it is answered, so every scavenge of V8's default young generation copies a
      // batch's drafts and sealed columns; with 64 MB, about 40 % fewer scavenges and GC time
      // (measured in bench:supervision: 57 -> 36 scavenges, 479 -> 297 ms per 40,000 records).
      resourceLimits: { maxYoungGenerationSizeMb: SEAL_THREAD_YOUNG_GENERATION_MB },
      read: (m) =>
        m.error !== undefined
          ? { error: new SealThreadError(`seal thread: ${String(m.error)}`) }
          : { value: { sealed: m.sealed as SealedBatch | undefined, recordIds: m.recordIds as Hex[] | undefined, leaves: m.leaves as Uint8Array | undefined, busyMs: Number(m.busyMs ?? 0) } },
      failure: (why) => new SealThreadError(`seal thread: ${why}`),
      logger,
    })
  }

  /** Batches and records sealed on the thread and inline, and the thread's busy milliseconds (a utilisation metric). */
  readonly stats = { threadBatches: 0, threadRecords: 0, threadBusyMs: 0, inlineBatches: 0, inlineRecords: 0, fedBatches: 0 }

  /** Whether batches go to the thread now (it has started and said it is ready). */
  get threadReady(): boolean {
    return this.#thread.ready
  }

  /** Starts the thread now (a node at start), rather than at the first batch. */
  warm(): void {
    this.#thread.warm()
  }

  seal(request: SealRequest): Promise<SealOutcome> {
    const thread = this.#thread.current()
    if (!thread || request.jobs.length === 0) {
      try {
        const sealed = sealBatch(request)
        this.stats.inlineBatches++
        this.stats.inlineRecords += request.jobs.length
        return Promise.resolve({ fed: false, sealed })
      } catch (e) {
        return Promise.reject(e as Error)
      }
    }
    const counted = (answer: ThreadAnswer) => {
      this.stats.threadBatches++
      this.stats.threadRecords += request.jobs.length
      this.stats.threadBusyMs += answer.busyMs
    }
    if (!this.#feedTo) {
      return thread.request({ request }).then((answer) => {
        counted(answer)
        return { fed: false, sealed: answer.sealed! }
      })
    }
    // A new seal thread, or a new writer thread since the port was given: a new port.
    let port: MessagePort | undefined
    if (this.#feed?.thread !== thread || this.#feed.generation !== this.#feedTo.feedGeneration) {
      const feed = this.#feedTo.openFeed()
      port = feed.port
      this.#feed = { thread, generation: feed.generation }
    }
    const ticket = this.#feedTo.ticket()
    const { generation } = this.#feed
    return thread.request({ request, feed: { ticket, port } }, port ? [port] : []).then((answer) => {
      counted(answer)
      this.stats.fedBatches++
      return { fed: true, ticket, generation, recordIds: answer.recordIds!, leaves: answer.leaves! }
    })
  }

  /** Ends the thread (batches already given are answered first). */
  close(): Promise<void> {
    return this.#thread.close()
  }
}
