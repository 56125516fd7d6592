/**
 * One-at-a-time execution per key: the node serialises the transactions it sends with one
 * signing key, so concurrent requests of the same member never race for a nonce.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>()

  /**
   * Runs `fn` after every earlier `run` with the same key has settled.
   *
   * @example
   * await locks.run(signer.toLowerCase(), () => actor.order(...))
   */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    const result = previous.then(fn, fn)
    const tail = result.catch(() => {})
    this.#tails.set(key, tail)
    try {
      return await result
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }
}
