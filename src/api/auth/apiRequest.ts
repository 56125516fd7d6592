/**
 * The signed API request: what a member's key signs so that the node will act for it.
 *
 * Every write (and every read of a member's own balances and history) carries four headers:
 *
 *     x-bourse-address     the signing key (0x address)
 *     x-bourse-timestamp   unix seconds when signed (accepted within ±60 s of the node's clock)
 *     x-bourse-nonce       32 random bytes (0x hex), never reused
 *     x-bourse-signature   65-byte EIP-712 signature of the typed data below
 *
 * and, for streamed uploads only, `x-bourse-body-sha256` (the body is not buffered; the
 * storage provider refuses the upload unless its SHA-256 matches, and the signature covers it).
 *
 *     domain  EIP712Domain(string name,string version,uint256 chainId)
 *             name "databourse-api", version "1", the alliance chain id
 *     type    ApiRequest(string method,string path,bytes32 bodyHash,uint64 timestamp,bytes32 nonce)
 *
 * `method` is upper case, `path` the request target exactly as sent (path and query string,
 * e.g. `/v1/members/0xab…/history?limit=5`), `bodyHash` SHA-256 of the raw body bytes (of
 * the empty string when there is none).
 */
import { createHash } from 'node:crypto'
import type { Hex } from 'viem'

export const API_DOMAIN = { name: 'databourse-api', version: '1' } as const

/** Header names (lower case, as Hono and fetch normalise them). */
export const authHeaders = {
  address: 'x-bourse-address',
  timestamp: 'x-bourse-timestamp',
  nonce: 'x-bourse-nonce',
  signature: 'x-bourse-signature',
  bodySha256: 'x-bourse-body-sha256',
} as const

/** viem `types` of the signed request. */
export const apiRequestTypes = {
  ApiRequest: [
    { name: 'method', type: 'string' },
    { name: 'path', type: 'string' },
    { name: 'bodyHash', type: 'bytes32' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const

/** The fields of one signed request. */
export interface ApiRequestMessage {
  method: string
  /** Path and query string, e.g. `/v1/orders` or `/v1/listings?category=1`. */
  path: string
  bodyHash: Hex
  /** Unix seconds. */
  timestamp: number
  nonce: Hex
}

/**
 * The EIP-712 typed data of a request, for any signer (a wallet client too).
 *
 * @example
 * await walletClient.signTypedData({ account, ...apiRequestTypedData(31337, message) })
 */
export function apiRequestTypedData(chainId: number, m: ApiRequestMessage) {
  return {
    domain: { ...API_DOMAIN, chainId },
    types: apiRequestTypes,
    primaryType: 'ApiRequest',
    message: { method: m.method.toUpperCase(), path: m.path, bodyHash: m.bodyHash, timestamp: BigInt(m.timestamp), nonce: m.nonce },
  } as const
}

/**
 * SHA-256 of a body as 0x hex (the empty body hashes the empty string).
 *
 * @example
 * sha256Hex('') // '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
 */
export function sha256Hex(body: string | Uint8Array | undefined): Hex {
  return `0x${createHash('sha256').update(body ?? '').digest('hex')}`
}
