/**
 * Counts the requests in flight so that a shutdown can stop taking new ones and wait for the
 * running ones to finish (graceful shutdown, see ./server.ts).
 */
export class RequestTracker {
  #inFlight = 0
  #draining = false
  #idle: (() => void)[] = []

  /** Requests being handled now. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** True once {@link drain} was called: new requests are refused with 503. */
  get draining(): boolean {
    return this.#draining
  }

  enter(): void {
    this.#inFlight++
  }

  leave(): void {
    this.#inFlight--
    if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve()
  }

  /**
   * Refuses new requests from now on and resolves when none is in flight, or after
   * `timeoutMs` with the number still running.
   *
   * @example
   * const left = await tracker.drain(10_000) // 0 when everything finished
   */
  async drain(timeoutMs: number): Promise<number> {
    this.#draining = true
    if (this.#inFlight === 0) return 0
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      new Promise<void>((resolve) => this.#idle.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ])
    clearTimeout(timer)
    return this.#inFlight
  }
}
