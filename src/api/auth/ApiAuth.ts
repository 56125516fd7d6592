/**
 * The authentication and authorisation middleware of the API (scheme in ./apiRequest.ts).
 *
 * `auth.signed(policy)` makes a route require a signed request and, by policy:
 * - `role`: the signer must be a key this node holds (a local organisation's key) of that
 *   role, and for a contract role, active on chain (cached {@link RoleCache}); the node then
 *   sends the transaction with that same key — never with another;
 * - `local`: any key this node holds;
 * - neither: any valid signature (the route checks who may see what);
 * - `streamed`: the body is not read here; its declared SHA-256 header is what is signed;
 * - `serialize`: requests of one key run one at a time (their transactions share a nonce sequence).
 */
import type { MiddlewareHandler } from 'hono'
import type { Hex } from 'viem'
import { ApiAuthenticationError, ApiForbiddenError } from '../../errors/api.ts'
import { isRole } from '../../identity/roles.ts'
import type { BourseClient } from '../../sdk/BourseClient.ts'
import type { ApiEnv } from '../deps.ts'
import type { KeyRole, Keyring } from '../keyring.ts'
import { KeyedMutex } from '../KeyedMutex.ts'
import { readBody } from '../middleware/readBody.ts'
import { authHeaders, sha256Hex } from './apiRequest.ts'
import { NonceCache } from './NonceCache.ts'
import { RoleCache } from './RoleCache.ts'
import { verifyApiRequest } from './verifyApiRequest.ts'

export interface AuthPolicy {
  /** The signer must be a local key of this role (implies `local`). */
  role?: KeyRole | undefined
  /** The signer must be a key this node holds. */
  local?: boolean | undefined
  /** The body is streamed: sign `x-bourse-body-sha256` instead of reading it here. */
  streamed?: boolean | undefined
  /** Run this key's requests one at a time (routes that send transactions). */
  serialize?: boolean | undefined
}

export interface ApiAuthParameters {
  client: BourseClient
  keyring: Keyring
  windowSeconds: number
  jsonBodyLimit: number
  roleCacheMs: number
  now: () => number
}

export class ApiAuth {
  readonly roles: RoleCache
  readonly nonces: NonceCache
  readonly locks = new KeyedMutex()
  readonly #p: ApiAuthParameters
  /**
   * Requests signed before this app started are refused: the replay cache lives in memory,
   * so a request seen before a restart must not be accepted again after it.
   */
  readonly #notBefore: number

  constructor(p: ApiAuthParameters) {
    this.#p = p
    this.#notBefore = Math.floor(p.now() / 1000)
    this.roles = new RoleCache(p.client, p.roleCacheMs, p.now)
    this.nonces = new NonceCache({ windowSeconds: p.windowSeconds })
  }

  /**
   * @example
   * createRoute({ method: 'post', path: '/v1/orders', middleware: [auth.signed({ role: 'Buyer', serialize: true })], ... })
   */
  signed(policy: AuthPolicy = {}): MiddlewareHandler<ApiEnv> {
    return async (c, next) => {
      let bodyHash: Hex
      if (policy.streamed) {
        const declared = c.req.header(authHeaders.bodySha256)
        if (declared === undefined) throw new ApiAuthenticationError({ reason: 'missing', field: authHeaders.bodySha256 })
        if (!/^0x[0-9a-fA-F]{64}$/.test(declared)) throw new ApiAuthenticationError({ reason: 'malformed', field: authHeaders.bodySha256, details: 'expected 32 bytes of 0x hex' })
        bodyHash = declared.toLowerCase() as Hex
      } else {
        const bytes = await readBody(c.req.raw, this.#p.jsonBodyLimit)
        // Later readers (the JSON validator) get the same bytes from Hono's body cache.
        ;(c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
        bodyHash = sha256Hex(bytes)
      }
      const url = new URL(c.req.url)
      const now = Math.floor(this.#p.now() / 1000)
      const { signer, nonce, timestamp } = await verifyApiRequest({
        chainId: this.#p.client.deployment.chainId,
        method: c.req.method,
        path: url.pathname + url.search,
        bodyHash,
        header: (name) => c.req.header(name),
        now,
        windowSeconds: this.#p.windowSeconds,
      })
      if (timestamp < this.#notBefore) {
        throw new ApiAuthenticationError({ reason: 'stale', field: authHeaders.timestamp, details: `signed at ${timestamp}, before the node started (${this.#notBefore})` })
      }
      this.nonces.use(signer, nonce, timestamp, now)

      const key = await this.#p.keyring.find(signer)
      if (policy.role !== undefined || policy.local) {
        if (!key) throw new ApiForbiddenError({ reason: 'not-local-key', signer })
        if (policy.role !== undefined && key.role !== policy.role) throw new ApiForbiddenError({ reason: 'wrong-role', signer, role: policy.role })
        if (policy.role !== undefined && isRole(policy.role) && !(await this.roles.isActive(signer, policy.role))) {
          throw new ApiForbiddenError({ reason: 'role-inactive', signer, role: policy.role })
        }
      }
      c.set('auth', { signer, key })
      c.get('log').debug({ signer, role: key?.role }, 'authenticated')
      if (policy.serialize) await this.locks.run(signer.toLowerCase(), () => next())
      else await next()
    }
  }
}
