/**
 * Requests to a worker thread, answered by id: the part every request/answer thread of the
 * node shares (the supervision seal thread, the SQLite writer thread).
 *
 * - each request is posted with a fresh `id`; the thread answers with a message carrying it;
 * - the thread is referenced while a request is out and unreferenced when none is, so an idle
 *   thread never keeps the process alive (the listeners are added before the first `unref`:
 *   adding a `'message'` listener to a Worker references it again);
 * - if the thread fails (an uncaught error, or it exits), every request still out is rejected
 *   with the same error and the owner is told once;
 * - {@link drained} resolves when no request is out (a close waits for the last answer).
 *
 * What an answer means — its value, or the error it reports — is the owner's: `read`.
 *
 * @example
 * const channel = new RequestChannel(worker, {
 *   read: (m) => (m.error ? { error: new Error(String(m.error)) } : { value: m.result }),
 *   failure: (why) => new Error(`thread: ${why}`),
 * })
 * const result = await channel.request({ job })
 */
import type { Transferable, Worker } from 'node:worker_threads'

/** A message from the thread that answers request `id`. */
export type Answer = { id: number } & Record<string, unknown>

export interface RequestChannelOptions<A> {
  /** An answer's value, or the error it reports. */
  read(answer: Answer): { value: A } | { error: Error }
  /** The error requests still out are rejected with when the thread fails. */
  failure(why: string): Error
  /** Messages that answer no request (e.g. a thread saying it is ready). */
  onMessage?(message: unknown): void
  /** The thread failed; requests still out have been rejected with `error`. Called once. */
  onFailure?(error: Error): void
}

export class RequestChannel<A> {
  readonly worker: Worker
  readonly #options: RequestChannelOptions<A>
  readonly #pending = new Map<number, { resolve(value: A): void; reject(error: Error): void }>()
  #nextId = 0
  #failed: Error | undefined
  readonly #drainWaiters: (() => void)[] = []

  constructor(worker: Worker, options: RequestChannelOptions<A>) {
    this.worker = worker
    this.#options = options
    worker.on('message', (m: unknown) => {
      const id = (m as Partial<Answer> | null)?.id
      const pending = typeof id === 'number' ? this.#pending.get(id) : undefined
      if (!pending) return options.onMessage?.(m)
      this.#pending.delete(id!)
      if (this.#pending.size === 0) this.#idle()
      const read = options.read(m as Answer)
      if ('error' in read) pending.reject(read.error)
      else pending.resolve(read.value)
    })
    worker.on('error', (e) => this.#fail(options.failure(e.message)))
    worker.on('exit', (code) => this.#fail(options.failure(`exited (${code})`)))
    worker.unref() // after the listeners (see above)
  }

  /** Requests out (posted and not answered). */
  get size(): number {
    return this.#pending.size
  }

  /** Whether the thread has failed (every later request is rejected). */
  get failed(): boolean {
    return this.#failed !== undefined
  }

  /** Posts `message` with a fresh id (moving `transfer` to the thread); resolves with the answer's value. */
  request(message: Record<string, unknown>, transfer?: readonly Transferable[]): Promise<A> {
    if (this.#failed) return Promise.reject(this.#failed)
    const id = this.#nextId++
    return new Promise<A>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      if (this.#pending.size === 1) this.worker.ref()
      this.worker.postMessage({ ...message, id }, transfer)
    })
  }

  /** Resolves when no request is out (at once if none is). */
  drained(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve()
    return new Promise<void>((resolve) => this.#drainWaiters.push(resolve))
  }

  #idle(): void {
    this.worker.unref()
    for (const resolve of this.#drainWaiters.splice(0)) resolve()
  }

  #fail(error: Error): void {
    if (this.#failed) return // 'error' is followed by 'exit': one failure
    this.#failed = error
    const pending = [...this.#pending.values()]
    this.#pending.clear()
    for (const p of pending) p.reject(error)
    this.#idle()
    this.#options.onFailure?.(error)
  }
}
