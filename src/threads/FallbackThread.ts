/**
 * A worker thread that takes work once it is ready, while its owner does the same work itself
 * until then — the shape of the supervision seal and verify threads: a caller never waits for
 * a thread to start, and what comes out does not depend on where it was done.
 *
 * - the thread starts on first use (or {@link warm}) and takes nothing until it says
 *   `{ ready: true }`;
 * - if it dies after it was ready, the next use starts a new one (the owner works inline
 *   meanwhile); if it fails before it was ever ready — or its program does not build — it
 *   would again, so the owner works inline from then on;
 * - it is unreferenced while idle ({@link RequestChannel}): it never keeps a process alive.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads'
import type { Logger } from 'pino'
import { RequestChannel, type RequestChannelOptions } from './RequestChannel.ts'
import type { ThreadProgram } from './threadProgram.ts'

export interface FallbackThreadOptions<A> extends Pick<RequestChannelOptions<A>, 'read' | 'failure'> {
  /** The thread's name in log lines: `seal thread`. */
  name: string
  /** What the owner does without the thread, for log lines: `sealing on the main thread`. */
  fallback: string
  program(): Promise<ThreadProgram>
  workerData?: unknown
  /** The thread's heap limits (Node's defaults when absent). */
  resourceLimits?: ResourceLimits
  /** False: never start a thread (always inline). Default true. */
  enabled?: boolean
  /** Messages from the thread that answer no request (`ready` is handled here). */
  onMessage?(message: unknown, thread: RequestChannel<A>): void
  logger?: Pick<Logger, 'warn'> | undefined
}

export class FallbackThread<A> {
  readonly #o: FallbackThreadOptions<A>
  #thread: RequestChannel<A> | undefined
  #starting: Promise<void> | undefined
  #ready = false
  #closed = false
  /** False when threads are not wanted, or one failed before it was ready (it would again). */
  #enabled: boolean

  constructor(options: FallbackThreadOptions<A>) {
    this.#o = options
    this.#enabled = options.enabled ?? true
  }

  /** Whether work goes to the thread now (it has started and said it is ready). */
  get ready(): boolean {
    return this.#ready
  }

  /** The ready thread to give work to, or undefined: do it inline (starts the thread if it is not started). */
  current(): RequestChannel<A> | undefined {
    this.warm()
    return this.#ready ? this.#thread : undefined
  }

  /** Starts the thread now (a node at start) rather than at first use. */
  warm(): void {
    if (this.#enabled && !this.#closed && !this.#starting) this.#starting = this.#start()
  }

  /** Ends the thread (work already given is answered first). */
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

  /** Builds the program (from the sources) and starts the thread; work is done inline until it is ready. */
  async #start(): Promise<void> {
    let program
    try {
      program = await this.#o.program()
    } catch (err) {
      this.#enabled = false
      this.#o.logger?.warn({ err }, `${this.#o.name} has no program; ${this.#o.fallback}`)
      return
    }
    if (this.#closed) return
    this.#thread = this.#spawn(program)
  }

  #spawn(program: ThreadProgram): RequestChannel<A> {
    // The worker's name is its title in the inspector (profiles of each thread: bench/lib/profile.ts).
    const options = { execArgv: [], name: this.#o.name, workerData: this.#o.workerData, ...(this.#o.resourceLimits ? { resourceLimits: this.#o.resourceLimits } : {}) }
    const worker = 'url' in program ? new Worker(program.url, options) : new Worker(program.source, { ...options, eval: true })
    const thread: RequestChannel<A> = new RequestChannel<A>(worker, {
      read: this.#o.read,
      failure: this.#o.failure,
      onMessage: (m) => {
        if ((m as { ready?: true } | null)?.ready) this.#ready = this.#thread === thread
        else this.#o.onMessage?.(m, thread)
      },
      onFailure: (error) => {
        if (this.#thread !== thread) return // closed, or already replaced
        if (!this.#closed) this.#o.logger?.warn({ err: error }, this.#ready ? `${this.#o.name} died; a new one starts at the next use` : `${this.#o.name} cannot start; ${this.#o.fallback}`)
        if (!this.#ready) this.#enabled = false // cannot start here: inline from now on
        this.#thread = undefined
        this.#ready = false
        this.#starting = undefined
      },
    })
    return thread
  }
}
