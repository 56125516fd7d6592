/**
 * A small client of a node's HTTP API for TypeScript callers (the CLI, tests, scripts):
 * JSON in and out, writes signed with {@link signApiRequest}, error answers thrown as
 * {@link ApiResponseError} with the node's code, field and reason.
 */
import type { LocalAccount } from 'viem'
import { ApiResponseError } from '../errors/api.ts'
import { signApiRequest } from './auth/signApiRequest.ts'

export interface ApiClientParameters {
  /** The node's API URL, e.g. `http://127.0.0.1:8080` (node.json `apiUrl`). */
  url: string
  /** The alliance chain id (the signatures' EIP-712 domain). */
  chainId: number
  /** Default: global fetch. */
  fetch?: typeof fetch | undefined
}

export interface ApiCallOptions {
  /** Sign with this key (writes, and reads of a member's own data). */
  as?: LocalAccount | undefined
  /** Sent as JSON. */
  body?: unknown
}

export interface ApiClient {
  /** Any route; resolves with the parsed JSON body of a 2xx answer. @throws {ApiResponseError} */
  call<T = unknown>(method: 'GET' | 'POST', path: string, options?: ApiCallOptions): Promise<T>
}

/**
 * @example
 * const api = createApiClient({ url: info.apiUrl, chainId: 31337 })
 * const { trade, token } = await api.call('POST', '/v1/orders', { as: buyerKey, body: { listingId: '1', maxPrice: '200000000000000000000' } })
 */
export function createApiClient(p: ApiClientParameters): ApiClient {
  const doFetch = p.fetch ?? fetch
  const base = p.url.replace(/\/+$/, '')
  return {
    async call<T>(method: 'GET' | 'POST', path: string, o: ApiCallOptions = {}): Promise<T> {
      const body = o.body === undefined ? undefined : JSON.stringify(o.body)
      const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' }
      if (o.as) Object.assign(headers, await signApiRequest(o.as, { chainId: p.chainId, method, path, body }))
      const res = await doFetch(base + path, { method, headers, body })
      const json = (await res.json().catch(() => undefined)) as any
      if (!res.ok) {
        const error = json?.error && typeof json.error.code === 'string' ? json.error : { code: `HTTP_${res.status}`, message: `The node answered ${res.status}.` }
        throw new ApiResponseError({ status: res.status, method, path, error })
      }
      return json as T
    },
  }
}
