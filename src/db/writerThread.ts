/**
 * Transactions of compiled queries, run either on the node's Kysely connection or — for an
 * SQLite file — on a writer thread with its own connection.
 *
 * Why a thread: the supervision write path inserts three rows per record (record, leaf,
 * inclusion proof) and commits with an fsync; on the main thread that was ~40 µs of every
 * record's ~130 (src/supervision/README.md). On the writer thread it runs beside the main
 * thread's checking, sealing and hashing of the next submission, on the other core.
 *
 * Both runners take the same thing — Kysely-compiled queries, built by the caller with the
 * node's own query builder — so what is written does not depend on where it runs. A
 * transaction is all or nothing; transactions given to one runner commit in the order given.
 * The thread's connection and the main one are two SQLite writers on one file: each waits
 * for the other's write lock (busy timeout), and the main connection begins its transactions
 * IMMEDIATE (openDatabase.ts) so that none fails for having read before the thread committed.
 */
import { createRequire } from 'node:module'
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import type { CompiledQuery, Kysely } from 'kysely'
import { RequestChannel } from '../threads/RequestChannel.ts'
import type { Database } from './schema.ts'
import { SQLITE_CACHE_KIB } from './readConnection.ts'
import { WRITER_SOURCE } from './writerThreadSource.ts'

export interface RunOptions {
  /**
   * Commit ahead of transactions queued and not started yet (default false: in the order
   * given). Only for a transaction that depends on none of them — the supervision anchorer's
   * batch rows, which reference records already committed — so that a short, latency-bound
   * transaction does not wait behind long bulk inserts.
   */
  urgent?: boolean
}

export interface TransactionRunner {
  /** Runs the queries in one transaction; resolves once it is committed (durably). */
  run(queries: readonly CompiledQuery[], options?: RunOptions): Promise<void>
}

/** A runner whose transactions can take rows another thread fed it (the SQLite writer thread). */
export interface FeedingWriter extends TransactionRunner {
  openFeed(): Feed
  /**
   * A ticket to post a payload under, never given before by this writer: every feeder of one
   * writer thread draws from it, so no transaction can take another feeder's payload (one left
   * on the thread by a write that failed before reaching it, say) for its own.
   */
  ticket(): number
  /** The generation of the running thread that feeds reach, or undefined if none runs now. */
  readonly feedGeneration: number | undefined
  runFed(statements: readonly (CompiledQuery | FedStatement)[], generation: number, options?: RunOptions): Promise<void>
  discard(ticket: number, generation: number): void
}

export const isFeedingWriter = (runner: TransactionRunner): runner is FeedingWriter => 'runFed' in runner

/** Runs transactions on a Kysely connection (PostgreSQL, `:memory:`, or no thread wanted). */
export function kyselyRunner(db: Kysely<Database>): TransactionRunner {
  return {
    async run(queries) {
      if (queries.length === 0) return
      await db.transaction().execute(async (tx) => {
        for (const q of queries) await tx.executeQuery(q)
      })
    },
  }
}

/** A transaction the writer thread refused or could not commit (nothing of it was written). */
export class WriterThreadError extends Error {
  override readonly name = 'WriterThreadError'
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(`SQLite writer thread: ${message}`)
  }
}

/**
 * A statement whose parameters another thread computed and posted to the writer thread on a
 * feed ({@link SqliteWriterThread.openFeed}): `parts[part]` of the payload posted under `ticket`.
 */
export interface FedStatement {
  sql: string
  ticket: number
  part: number
}

/** A port to post `{ ticket, parts }` payloads on, and the writer thread it reaches. */
export interface Feed {
  port: MessagePort
  /** The writer thread the port reaches (a new thread after a failure is a new generation). */
  generation: number
}

interface Queued {
  statements: [string, readonly unknown[] | { ticket: number; part: number }][]
  /** For fed statements: the thread their payloads went to (another thread never has them). */
  generation?: number
  resolve(): void
  reject(error: Error): void
}

/** How long the thread waits for the main connection's write lock before failing a transaction. */
const BUSY_TIMEOUT_MS = 30_000

/** How long a fed transaction waits for its payload on the thread (it was posted before the transaction). */
const FEED_WAIT_MS = 30_000

/**
 * The writer thread of one SQLite file (already created and migrated). Unreferenced while
 * idle, so it never keeps a process alive; {@link close} ends it after every transaction
 * already given.
 *
 * @example
 * const writer = new SqliteWriterThread('/data/bourse.sqlite')
 * await writer.run([db.insertInto('supervision_state').values({ name: 'x', value: '1' }).compile()])
 */
export class SqliteWriterThread implements FeedingWriter {
  readonly #file: string
  readonly #feedWaitMs: number
  #thread: RequestChannel<number> | undefined
  /** Bumped at each spawn: feeds and fed transactions belong to one thread. */
  #generation = 0
  #nextTicket = 0
  /** The transaction the thread is running (at most one). */
  #running: Queued | undefined
  /** Transactions waiting for the thread: urgent ones go first. */
  readonly #queue: Queued[] = []
  readonly #urgent: Queued[] = []
  #closed = false
  /** Set by close while transactions are running or queued: called once none is left. */
  #drained: (() => void) | undefined
  /** Milliseconds the thread spent running committed transactions, and how many (a utilisation metric). */
  readonly stats = { busyMs: 0, transactions: 0 }

  /** @param feedWaitMs how long a fed transaction waits on the thread for its payload (default 30 s). */
  constructor(file: string, { feedWaitMs = FEED_WAIT_MS }: { feedWaitMs?: number } = {}) {
    this.#file = file
    this.#feedWaitMs = feedWaitMs
  }

  run(queries: readonly CompiledQuery[], { urgent = false }: RunOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new WriterThreadError('closed', undefined))
    if (queries.length === 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      ;(urgent ? this.#urgent : this.#queue).push({ resolve, reject, statements: queries.map((q) => [q.sql, q.parameters]) })
      this.#send()
    })
  }

  /**
   * A port on which another thread can post statement parameters straight to this writer
   * thread (`{ ticket, parts }`; transfer the port to that thread), for {@link runFed}: rows
   * computed on a thread of their own reach the database without being copied through the
   * main thread. Starts the writer thread if it is not running.
   */
  openFeed(): Feed {
    if (this.#closed) throw new WriterThreadError('closed', undefined)
    const thread = (this.#thread ??= this.#spawn())
    const { port1, port2 } = new MessageChannel()
    thread.worker.postMessage({ feed: port2 }, [port2])
    return { port: port1, generation: this.#generation }
  }

  /**
   * Runs statements in one transaction, as {@link run}, where a {@link FedStatement} takes its
   * parameters from the payload posted on a feed of thread `generation`. Fails without running
   * if that thread has since failed (the payload went with it).
   */
  runFed(statements: readonly (CompiledQuery | FedStatement)[], generation: number, { urgent = false }: RunOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new WriterThreadError('closed', undefined))
    return new Promise<void>((resolve, reject) => {
      const list = statements.map((q): Queued['statements'][number] => ('ticket' in q ? [q.sql, { ticket: q.ticket, part: q.part }] : [q.sql, q.parameters]))
      ;(urgent ? this.#urgent : this.#queue).push({ resolve, reject, statements: list, generation })
      this.#send()
    })
  }

  ticket(): number {
    return this.#nextTicket++
  }

  get feedGeneration(): number | undefined {
    return this.#thread && !this.#thread.failed ? this.#generation : undefined
  }

  /** Drops a payload posted for a transaction that will not run (nothing happens if it was used). */
  discard(ticket: number, generation: number): void {
    if (this.#thread && generation === this.#generation) this.#thread.worker.postMessage({ discard: ticket })
  }

  /**
   * Hands the thread its next transaction, urgent ones first. One at a time: a transaction
   * posted to the thread cannot be overtaken, so the queue stays here, where an urgent one can
   * still go first (the thread waits one answer's round trip between two transactions).
   */
  #send(): void {
    if (this.#running) return
    const next = this.#urgent.shift() ?? this.#queue.shift()
    if (!next) return
    const thread = (this.#thread ??= this.#spawn())
    if (next.generation !== undefined && next.generation !== this.#generation) {
      next.reject(new WriterThreadError('the rows fed for this transaction went to a writer thread that has since failed', 'FEED_LOST'))
      this.#send()
      return this.#checkDrained()
    }
    this.#running = next
    thread.request({ statements: next.statements }).then(
      (busyMs) => {
        this.stats.busyMs += busyMs
        this.stats.transactions++
        this.#settled(next, undefined)
      },
      (error: Error) => this.#settled(next, error),
    )
  }

  /** The running transaction was answered (or its thread failed): the next one goes. */
  #settled(transaction: Queued, error: Error | undefined): void {
    this.#running = undefined
    if (error) transaction.reject(error)
    else transaction.resolve()
    // A failed thread: the queued transactions go to a new one — unless closing, then they fail too.
    if (error && this.#closed) for (const q of this.#queue.splice(0).concat(this.#urgent.splice(0))) q.reject(error)
    else this.#send()
    this.#checkDrained()
  }

  /** Waits for every transaction already given, then closes the thread's connection. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#busy) await new Promise<void>((resolve) => (this.#drained = resolve))
    const worker = this.#thread?.worker
    if (!worker) return
    worker.ref()
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.postMessage({ close: true })
    await exited
  }

  get #busy(): boolean {
    return this.#running !== undefined || this.#queue.length + this.#urgent.length > 0
  }

  /** After an answer or a failure: tells a waiting close when nothing is left. */
  #checkDrained(): void {
    if (this.#busy || !this.#drained) return
    this.#drained()
    this.#drained = undefined
  }

  #spawn(): RequestChannel<number> {
    this.#generation++
    const worker = new Worker(WRITER_SOURCE, {
      eval: true,
      execArgv: [], // plain CommonJS: none of the parent's loaders or flags
      name: 'database: the SQLite writer thread', // its title in the inspector
      workerData: { file: this.#file, betterSqlite3: createRequire(import.meta.url).resolve('better-sqlite3'), busyTimeoutMs: BUSY_TIMEOUT_MS, feedWaitMs: this.#feedWaitMs, cacheKib: SQLITE_CACHE_KIB },
    })
    const thread: RequestChannel<number> = new RequestChannel<number>(worker, {
      read: (m) => {
        const error = m.error as { message: string; code?: string } | undefined
        return error ? { error: new WriterThreadError(error.message, error.code) } : { value: Number(m.busyMs ?? 0) }
      },
      failure: (why) => new WriterThreadError(why, undefined),
      onFailure: () => {
        if (this.#thread === thread) this.#thread = undefined // the next transaction starts a new thread
      },
    })
    return thread
  }
}
