/**
 * The buyer's signed download request (SPEC.md section 2, step 4): EIP-712 typed data so
 * that wallets display what is being signed, and so the signature cannot be replayed on
 * another chain or marketplace.
 *
 *     domain  EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)
 *             name "databourse-storage", version "1", the chain id, the Marketplace address
 *     type    DownloadRequest(uint256 tradeId,bytes32 token,address buyer,uint64 issuedAt,bytes32 nonce)
 *
 * `token` is the buyer's secret download token (keccak256(token) is the trade's on-chain
 * `tokenCommitment`), `issuedAt` unix seconds, `nonce` 32 random bytes that make every
 * request distinct (a retry is a new request). The signature also gives the provider the
 * buyer's public key (recovered), to which it wraps the asset key.
 *
 * The wire form ({@link DownloadRequestJson}) has the same fields with `tradeId` as a decimal
 * string; {@link parseDownloadRequest} validates it and names the bad field.
 */
import {
  hashTypedData,
  isAddress,
  recoverPublicKey,
  toHex,
  type Address,
  type Hex,
  type LocalAccount,
} from 'viem'
import { publicKeyToAddress } from 'viem/accounts'
import { InvalidDownloadRequestError, InvalidDownloadSignatureError } from '../errors/storage.ts'

export const DOWNLOAD_REQUEST_DOMAIN = { name: 'databourse-storage', version: '1' } as const
export const DOWNLOAD_REQUEST_TYPE = 'DownloadRequest(uint256 tradeId,bytes32 token,address buyer,uint64 issuedAt,bytes32 nonce)'

/** viem `types` for the request (equivalent to {@link DOWNLOAD_REQUEST_TYPE}). */
export const downloadRequestTypes = {
  DownloadRequest: [
    { name: 'tradeId', type: 'uint256' },
    { name: 'token', type: 'bytes32' },
    { name: 'buyer', type: 'address' },
    { name: 'issuedAt', type: 'uint64' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const

export interface DownloadRequest {
  tradeId: bigint
  /** The secret download token (32 bytes). */
  token: Hex
  /** The buyer key that signs (must be the trade's buyer). */
  buyer: Address
  /** Unix seconds when signed. */
  issuedAt: number
  /** 32 random bytes. */
  nonce: Hex
}

export interface SignedDownloadRequest extends DownloadRequest {
  /** 65-byte EIP-712 signature by `buyer`. */
  signature: Hex
}

/** JSON form of a signed request (HTTP bodies). */
export interface DownloadRequestJson {
  tradeId: string
  token: Hex
  buyer: Address
  issuedAt: number
  nonce: Hex
  signature: Hex
}

/** Which chain and marketplace the request is for (the EIP-712 domain). */
export interface DownloadRequestDomain {
  chainId: number
  marketplace: Address
}

const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n
const MAX_UINT256 = (1n << 256n) - 1n
const MAX_UINT64 = 2 ** 64 - 1

/**
 * The complete EIP-712 typed data of a request, for any signer (a wallet client too).
 *
 * @example
 * await walletClient.signTypedData({ account, ...downloadRequestTypedData({ chainId, marketplace }, request) })
 */
export function downloadRequestTypedData(domain: DownloadRequestDomain, request: DownloadRequest) {
  return {
    domain: { ...DOWNLOAD_REQUEST_DOMAIN, chainId: domain.chainId, verifyingContract: domain.marketplace },
    types: downloadRequestTypes,
    primaryType: 'DownloadRequest',
    message: { tradeId: request.tradeId, token: request.token, buyer: request.buyer, issuedAt: BigInt(request.issuedAt), nonce: request.nonce },
  } as const
}

export type SignDownloadRequestParameters = DownloadRequestDomain & {
  /** The buyer key. */
  account: LocalAccount
  tradeId: bigint
  token: Hex
  /** Unix seconds (default: now). */
  issuedAt?: number | undefined
  /** Default: 32 fresh random bytes. */
  nonce?: Hex | undefined
}

/**
 * Builds and signs a download request with the buyer key.
 *
 * @example
 * const request = await signDownloadRequest({ account: buyer, chainId, marketplace, tradeId, token })
 * await fetch(`${node}/downloads`, { method: 'POST', body: JSON.stringify(serializeDownloadRequest(request)) })
 */
export async function signDownloadRequest(p: SignDownloadRequestParameters): Promise<SignedDownloadRequest> {
  const request: DownloadRequest = {
    tradeId: p.tradeId,
    token: p.token,
    buyer: p.account.address,
    issuedAt: p.issuedAt ?? Math.floor(Date.now() / 1000),
    nonce: p.nonce ?? toHex(crypto.getRandomValues(new Uint8Array(32))),
  }
  checkRequest(request)
  const signature = await p.account.signTypedData(downloadRequestTypedData(p, request))
  return { ...request, signature }
}

/**
 * Recovers the key that signed a request: its address and uncompressed public key (to wrap
 * the asset key to). Throws {@link InvalidDownloadSignatureError} `malformed` for a signature
 * that is not 65 bytes, has a high s (malleable), a bad v, or recovers to no key. A
 * well-formed signature over other data recovers some other address: compare it.
 *
 * @example
 * const { address, publicKey } = await recoverDownloadRequestSigner({ chainId, marketplace }, request)
 */
export async function recoverDownloadRequestSigner(domain: DownloadRequestDomain, request: SignedDownloadRequest): Promise<{ address: Address; publicKey: Hex }> {
  const { signature } = request
  if (!isHexBytes(signature, 65)) {
    throw new InvalidDownloadSignatureError({ reason: 'malformed', details: 'must be 65 bytes (r, s, v)' })
  }
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  if (s > HALF_N) throw new InvalidDownloadSignatureError({ reason: 'malformed', details: 's is in the upper half of the curve order' })
  if (v !== 27 && v !== 28) throw new InvalidDownloadSignatureError({ reason: 'malformed', details: 'v must be 27 or 28' })
  const hash = hashTypedData(downloadRequestTypedData(domain, request))
  try {
    const publicKey = await recoverPublicKey({ hash, signature })
    return { address: publicKeyToAddress(publicKey), publicKey }
  } catch {
    throw new InvalidDownloadSignatureError({ reason: 'malformed', details: 'does not recover to a public key' })
  }
}

/**
 * Validates an untrusted JSON request (an HTTP body) into a {@link SignedDownloadRequest};
 * throws {@link InvalidDownloadRequestError} naming the first bad field.
 *
 * @example
 * const request = parseDownloadRequest(await c.req.json())
 */
export function parseDownloadRequest(input: unknown): SignedDownloadRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidDownloadRequestError({ field: 'body', reason: 'must be a JSON object' })
  const o = input as Record<string, unknown>
  const tradeId = o.tradeId
  if (typeof tradeId !== 'string' || !/^(0|[1-9][0-9]{0,77}|0x[0-9a-fA-F]{1,64})$/.test(tradeId) || BigInt(tradeId) > MAX_UINT256) {
    throw new InvalidDownloadRequestError({ field: 'tradeId', reason: 'must be a uint256 as a decimal or 0x-hex string' })
  }
  if (!isHexBytes(o.signature, 65)) {
    throw new InvalidDownloadRequestError({ field: 'signature', reason: 'must be 65 bytes of 0x-hex' })
  }
  const request = {
    tradeId: BigInt(tradeId),
    token: o.token as Hex,
    buyer: o.buyer as Address,
    issuedAt: o.issuedAt as number,
    nonce: o.nonce as Hex,
    signature: o.signature as Hex,
  }
  checkRequest(request)
  return request
}

/**
 * The JSON form of a signed request.
 *
 * @example
 * JSON.stringify(serializeDownloadRequest(request))
 */
export function serializeDownloadRequest(request: SignedDownloadRequest): DownloadRequestJson {
  const { tradeId, token, buyer, issuedAt, nonce, signature } = request
  return { tradeId: tradeId.toString(), token, buyer, issuedAt, nonce, signature }
}

function checkRequest(r: DownloadRequest): void {
  if (typeof r.tradeId !== 'bigint' || r.tradeId < 0n || r.tradeId > MAX_UINT256) throw new InvalidDownloadRequestError({ field: 'tradeId', reason: 'must be a uint256' })
  if (!isHexBytes(r.token, 32)) throw new InvalidDownloadRequestError({ field: 'token', reason: 'must be 32 bytes of 0x-hex' })
  if (typeof r.buyer !== 'string' || !isAddress(r.buyer, { strict: false })) throw new InvalidDownloadRequestError({ field: 'buyer', reason: 'must be an address' })
  if (typeof r.issuedAt !== 'number' || !Number.isSafeInteger(r.issuedAt) || r.issuedAt < 0 || r.issuedAt > MAX_UINT64) {
    throw new InvalidDownloadRequestError({ field: 'issuedAt', reason: 'must be unix seconds (a non-negative integer)' })
  }
  if (!isHexBytes(r.nonce, 32)) throw new InvalidDownloadRequestError({ field: 'nonce', reason: 'must be 32 bytes of 0x-hex' })
}

function isHexBytes(value: unknown, bytes: number): value is Hex {
  return typeof value === 'string' && value.length === 2 + 2 * bytes && /^0x[0-9a-fA-F]*$/.test(value)
}
