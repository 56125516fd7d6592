/**
 * A readers-writer gate with writer preference: many reads run together; a write runs alone.
 *
 * The journaling provider runs every write batch (mine + journal + fsync) as a write, and every
 * read as a read, so no reader observes a block before it is durable.
 */

/**
 * Readers-writer gate. A waiting writer holds back new readers (no writer starvation); when a
 * write ends, all readers waiting at that moment are let in before the next write.
 *
 * @example
 * const gate = new RwGate()
 * const balance = await gate.read(() => provider.request({ method: 'eth_getBalance', params }))
 * await gate.write(async () => { await mine(); await journal.append(records) })
 */
export class RwGate {
  #readers = 0
  #writing = false
  #waitingReaders: (() => void)[] = []
  #waitingWriters: (() => void)[] = []

  /** Runs `fn` as a reader. */
  async read<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#writing || this.#waitingWriters.length > 0) {
      await new Promise<void>((resolve) => this.#waitingReaders.push(resolve))
    } else {
      this.#readers++
    }
    try {
      return await fn()
    } finally {
      this.#readers--
      if (this.#readers === 0) this.#wakeWriter()
    }
  }

  /** Runs `fn` alone. */
  async write<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#writing || this.#readers > 0) {
      await new Promise<void>((resolve) => this.#waitingWriters.push(resolve))
    } else {
      this.#writing = true
    }
    try {
      return await fn()
    } finally {
      this.#writing = false
      if (this.#waitingReaders.length > 0) this.#wakeReaders()
      else this.#wakeWriter()
    }
  }

  /** Ownership passes to the woken party before it runs, so no newcomer can slip in between. */
  #wakeWriter(): void {
    const next = this.#waitingWriters.shift()
    if (!next) return
    this.#writing = true
    next()
  }

  #wakeReaders(): void {
    const readers = this.#waitingReaders
    this.#waitingReaders = []
    this.#readers += readers.length
    for (const wake of readers) wake()
  }
}
