/**
 * The replay cache of signed requests: each (signer, nonce) is accepted once. An entry is
 * kept until its timestamp leaves the freshness window, after which the request is refused
 * as stale anyway, so memory stays bounded by the request rate times the window.
 */
import { ApiAuthenticationError, ApiTooManyRequestsError } from '../../errors/api.ts'

export interface NonceCacheOptions {
  /** The freshness window in seconds (entries live until timestamp + window). */
  windowSeconds: number
  /** Most entries kept (default 200,000); beyond it new requests get 429 until entries expire. */
  maxEntries?: number | undefined
}

export class NonceCache {
  readonly #expiry = new Map<string, number>()
  readonly #window: number
  readonly #max: number
  #nextSweep = 0

  /**
   * @example
   * const nonces = new NonceCache({ windowSeconds: 60 })
   * nonces.use(signer, nonce, timestamp, now)
   */
  constructor(options: NonceCacheOptions) {
    this.#window = options.windowSeconds
    this.#max = options.maxEntries ?? 200_000
  }

  /** Entries held now. */
  get size(): number {
    return this.#expiry.size
  }

  /**
   * Records the nonce as used.
   * @throws {ApiAuthenticationError} `replayed` when it was used before
   * @throws {ApiTooManyRequestsError} when the cache is full of live entries
   */
  use(signer: string, nonce: string, timestamp: number, now: number): void {
    const key = `${signer.toLowerCase()}:${nonce.toLowerCase()}`
    const expires = this.#expiry.get(key)
    if (expires !== undefined && expires >= now) throw new ApiAuthenticationError({ reason: 'replayed', field: 'x-bourse-nonce' })
    if (now >= this.#nextSweep || this.#expiry.size >= this.#max) this.#sweep(now)
    if (this.#expiry.size >= this.#max) throw new ApiTooManyRequestsError({ what: 'replay cache' })
    this.#expiry.set(key, timestamp + this.#window)
  }

  #sweep(now: number): void {
    for (const [key, expires] of this.#expiry) if (expires < now) this.#expiry.delete(key)
    this.#nextSweep = now + 1
  }
}
