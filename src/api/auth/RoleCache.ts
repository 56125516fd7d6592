/**
 * On-chain role facts the API checks before acting, cached for a few seconds: whether a key
 * is active for a role (`Alliance.isActive`) and which organisation a key belongs to
 * (`Alliance.keyInfo`). A suspension or key rotation takes effect within the cache time; the
 * contract checks again on every transaction anyway.
 */
import type { Address } from 'viem'
import type { Role } from '../../identity/roles.ts'
import type { BourseClient } from '../../sdk/BourseClient.ts'

export class RoleCache {
  readonly #client: BourseClient
  readonly #ttlMs: number
  readonly #now: () => number
  readonly #entries = new Map<string, { at: number; value: Promise<unknown> }>()

  /**
   * @example
   * const roles = new RoleCache(client, 5000)
   * if (!(await roles.isActive(signer, 'Buyer'))) refuse()
   */
  constructor(client: BourseClient, ttlMs = 5000, now: () => number = Date.now) {
    this.#client = client
    this.#ttlMs = ttlMs
    this.#now = now
  }

  /** True when `key` is bound to `role` of an admitted, unsuspended organisation. */
  isActive(key: Address, role: Role): Promise<boolean> {
    return this.#cached(`active:${key.toLowerCase()}:${role}`, () => this.#client.isActive(key, role))
  }

  /** The organisation `key` is bound to (the zero address if none) and its role index. */
  keyInfo(key: Address): Promise<{ org: Address; role: number }> {
    return this.#cached(`key:${key.toLowerCase()}`, () => this.#client.keyInfo(key))
  }

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.#now()
    const hit = this.#entries.get(key)
    if (hit && now - hit.at < this.#ttlMs) return hit.value as Promise<T>
    if (this.#entries.size > 10_000) this.#entries.clear()
    const value = load()
    this.#entries.set(key, { at: now, value })
    value.catch(() => this.#entries.delete(key))
    return value
  }
}
