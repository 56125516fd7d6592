/**
 * The client side of API authentication: headers that make a request acceptable to a node
 * (see ./apiRequest.ts for the scheme). Used by the CLI, the tests and any TypeScript client.
 */
import { toHex, type Hex, type LocalAccount } from 'viem'
import { apiRequestTypedData, authHeaders, sha256Hex } from './apiRequest.ts'

export interface SignApiRequestParameters {
  /** The alliance chain id (the EIP-712 domain). */
  chainId: number
  method: string
  /** Path and query string exactly as sent, e.g. `/v1/orders`. */
  path: string
  /** The raw body to send (its SHA-256 is signed); omit for none. */
  body?: string | Uint8Array | undefined
  /** Instead of `body`: the SHA-256 of a streamed body (uploads); also sent as a header. */
  bodySha256?: Hex | undefined
  /** Unix seconds (default now). */
  timestamp?: number | undefined
  /** 32 bytes (default fresh random). */
  nonce?: Hex | undefined
}

export type SignApiRequestReturnType = Record<string, string>

/**
 * Signs a request with `account` and returns the headers to send with it.
 *
 * @example
 * const body = JSON.stringify({ listingId: '1', maxPrice: '200000000000000000000' })
 * const headers = await signApiRequest(buyerKey, { chainId: 31337, method: 'POST', path: '/v1/orders', body })
 * await fetch(`${node}/v1/orders`, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } })
 */
export async function signApiRequest(account: LocalAccount, req: SignApiRequestParameters): Promise<SignApiRequestReturnType> {
  const timestamp = req.timestamp ?? Math.floor(Date.now() / 1000)
  const nonce = req.nonce ?? toHex(crypto.getRandomValues(new Uint8Array(32)))
  const bodyHash = req.bodySha256 ?? sha256Hex(req.body)
  const signature = await account.signTypedData(apiRequestTypedData(req.chainId, { method: req.method, path: req.path, bodyHash, timestamp, nonce }))
  return {
    [authHeaders.address]: account.address,
    [authHeaders.timestamp]: String(timestamp),
    [authHeaders.nonce]: nonce,
    [authHeaders.signature]: signature,
    ...(req.bodySha256 ? { [authHeaders.bodySha256]: req.bodySha256 } : {}),
  }
}
