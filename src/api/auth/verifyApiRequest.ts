/**
 * The server side of API authentication, without HTTP: checks the four headers of a signed
 * request (./apiRequest.ts) and returns the signer. The nonce's single use is the caller's
 * job ({@link NonceCache}), after the signature is known to be good, so that unsigned noise
 * cannot fill the cache.
 */
import { getAddress, isAddress, recoverTypedDataAddress, type Address, type Hex } from 'viem'
import { ApiAuthenticationError } from '../../errors/api.ts'
import { apiRequestTypedData, authHeaders } from './apiRequest.ts'

export interface VerifyApiRequestParameters {
  chainId: number
  method: string
  /** Path and query string as received. */
  path: string
  /** SHA-256 of the body received (or the declared hash of a streamed body). */
  bodyHash: Hex
  /** Reads a request header (case-insensitive). */
  header: (name: string) => string | undefined
  /** Unix seconds now. */
  now: number
  /** Largest accepted |now - timestamp| in seconds. */
  windowSeconds: number
}

export interface VerifiedApiRequest {
  signer: Address
  timestamp: number
  nonce: Hex
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/
const HEX65 = /^0x[0-9a-fA-F]{130}$/
const SECONDS = /^[0-9]{1,12}$/

/**
 * @example
 * const { signer, nonce, timestamp } = await verifyApiRequest({ chainId, method: 'POST', path: '/v1/orders', bodyHash, header: (n) => c.req.header(n), now, windowSeconds: 60 })
 * @throws {ApiAuthenticationError} missing | malformed | stale | bad-signature
 */
export async function verifyApiRequest(p: VerifyApiRequestParameters): Promise<VerifiedApiRequest> {
  const read = (name: string, pattern: RegExp, what: string): string => {
    const value = p.header(name)
    if (value === undefined || value === '') throw new ApiAuthenticationError({ reason: 'missing', field: name })
    if (!pattern.test(value)) throw new ApiAuthenticationError({ reason: 'malformed', field: name, details: what })
    return value
  }
  const address = read(authHeaders.address, /^0x[0-9a-fA-F]{40}$/, 'expected a 0x-prefixed 20-byte address')
  if (!isAddress(address, { strict: false })) throw new ApiAuthenticationError({ reason: 'malformed', field: authHeaders.address, details: 'not an address' })
  const timestamp = Number(read(authHeaders.timestamp, SECONDS, 'expected unix seconds'))
  const nonce = read(authHeaders.nonce, HEX32, 'expected 32 bytes of 0x hex') as Hex
  const signature = read(authHeaders.signature, HEX65, 'expected 65 bytes of 0x hex') as Hex
  if (Math.abs(p.now - timestamp) > p.windowSeconds) {
    throw new ApiAuthenticationError({ reason: 'stale', field: authHeaders.timestamp, details: `signed at ${timestamp}, node time ${p.now}, window ±${p.windowSeconds} s` })
  }
  let recovered: Address
  try {
    recovered = await recoverTypedDataAddress({ ...apiRequestTypedData(p.chainId, { method: p.method, path: p.path, bodyHash: p.bodyHash, timestamp, nonce }), signature })
  } catch {
    throw new ApiAuthenticationError({ reason: 'bad-signature' })
  }
  if (recovered.toLowerCase() !== address.toLowerCase()) throw new ApiAuthenticationError({ reason: 'bad-signature' })
  return { signer: getAddress(address), timestamp, nonce: nonce.toLowerCase() as Hex }
}
