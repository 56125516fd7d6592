/**
 * Open ownership challenges (SPEC.md section 2.2): a buyer asks the node for a fresh random
 * challenge on a listing, the listing's seller answers it (the node signs with the seller's
 * local key), the buyer verifies the answer on chain — once. Challenges live in memory for a
 * limited time and their number is bounded.
 */
import type { Address, Hex } from 'viem'
import { ApiNotFoundError, ApiTooManyRequestsError } from '../errors/api.ts'
import { createOwnershipChallenge } from '../identity/signing.ts'

export interface Challenge {
  challenge: Hex
  listingId: bigint
  /** Who asked for it (and may verify it). */
  requester: Address
  /** Unix seconds. */
  expiresAt: number
  /** The seller's answer, once given. */
  signature: Hex | undefined
}

export interface ChallengeStoreOptions {
  ttlSeconds: number
  maxOpen?: number | undefined
  /** Wall clock in ms. */
  now: () => number
}

export class ChallengeStore {
  readonly #open = new Map<Hex, Challenge>()
  readonly #ttl: number
  readonly #max: number
  readonly #now: () => number

  /**
   * @example
   * const challenges = new ChallengeStore({ ttlSeconds: 600, now: Date.now })
   */
  constructor(o: ChallengeStoreOptions) {
    this.#ttl = o.ttlSeconds
    this.#max = o.maxOpen ?? 10_000
    this.#now = o.now
  }

  /** A new challenge on `listingId` for `requester`. @throws {ApiTooManyRequestsError} when full */
  create(listingId: bigint, requester: Address): Challenge {
    if (this.#open.size >= this.#max) this.#sweep()
    if (this.#open.size >= this.#max) throw new ApiTooManyRequestsError({ what: 'challenge store' })
    const entry: Challenge = { challenge: createOwnershipChallenge(), listingId, requester, expiresAt: this.#seconds() + this.#ttl, signature: undefined }
    this.#open.set(entry.challenge, entry)
    return entry
  }

  /** An open challenge. @throws {ApiNotFoundError} when unknown or expired */
  get(challenge: Hex): Challenge {
    const entry = this.#open.get(challenge.toLowerCase() as Hex)
    if (!entry || entry.expiresAt < this.#seconds()) throw new ApiNotFoundError({ resource: 'open challenge', id: challenge })
    return entry
  }

  /** Closes a challenge (after its verification). */
  close(challenge: Hex): void {
    this.#open.delete(challenge.toLowerCase() as Hex)
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000)
  }

  #sweep(): void {
    const now = this.#seconds()
    for (const [key, entry] of this.#open) if (entry.expiresAt < now) this.#open.delete(key)
  }
}
