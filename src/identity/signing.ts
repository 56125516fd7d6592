/**
 * Ownership proofs for trade step 2 (SPEC.md section 2.2): before buying, a buyer sends the
 * seller a random challenge; the seller signs it together with the listing id as EIP-712
 * typed data with its Seller key; anyone (the buyer off chain, the Marketplace contract on
 * chain) recovers the signer and compares it with the listing's seller.
 *
 * The exact encoding, shared with the Marketplace contract (OpenZeppelin EIP712 + ECDSA):
 *
 *     domain   EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)
 *              name "databourse", version "1", the chain id, the Marketplace address
 *     type     OwnershipProof(uint256 listingId,bytes32 challenge)
 *     digest   keccak256(0x1901 || domainSeparator || keccak256(abi.encode(TYPEHASH, listingId, challenge)))
 *
 * Solidity side:
 *
 *     bytes32 constant OWNERSHIP_PROOF_TYPEHASH = keccak256("OwnershipProof(uint256 listingId,bytes32 challenge)");
 *     // contract ... is EIP712 { constructor() EIP712("databourse", "1") {} }
 *     address signer = ECDSA.recover(
 *         _hashTypedDataV4(keccak256(abi.encode(OWNERSHIP_PROOF_TYPEHASH, listingId, challenge))), signature);
 *
 * Verification here applies ECDSA.recover's rules (65 bytes, v 27/28, low s) so that a
 * signature accepted off chain is accepted on chain and vice versa. A challenge must be
 * fresh (created by the verifier and used once): that is what stops replaying a proof.
 */
import {
  bytesToHex,
  hashTypedData,
  isAddress,
  isHex,
  keccak256,
  recoverTypedDataAddress,
  size,
  stringToBytes,
  type Address,
  type Hex,
  type LocalAccount,
} from 'viem'
import { InvalidOwnershipProofError } from '../errors/identity.ts'

/** The EIP-712 type string; its keccak256 is the contract's `OWNERSHIP_PROOF_TYPEHASH`. */
export const OWNERSHIP_PROOF_TYPE = 'OwnershipProof(uint256 listingId,bytes32 challenge)'
/** keccak256 of `OWNERSHIP_PROOF_TYPE`. */
export const OWNERSHIP_PROOF_TYPEHASH: Hex = keccak256(stringToBytes(OWNERSHIP_PROOF_TYPE))
/** EIP-712 domain name and version, as passed to OpenZeppelin's `EIP712` constructor. */
export const OWNERSHIP_PROOF_DOMAIN = { name: 'databourse', version: '1' } as const

/** viem `types` for the proof (must stay equivalent to `OWNERSHIP_PROOF_TYPE`). */
export const ownershipProofTypes = {
  OwnershipProof: [
    { name: 'listingId', type: 'uint256' },
    { name: 'challenge', type: 'bytes32' },
  ],
} as const

/** What a proof is about: which listing, on which Marketplace, answering which challenge. */
export type OwnershipProofParameters = {
  chainId: number | bigint
  /** The Marketplace contract address (EIP-712 verifyingContract). */
  marketplace: Address
  listingId: bigint
  /** 32 random bytes from `createOwnershipChallenge`, chosen by the verifier. */
  challenge: Hex
}
export type SignOwnershipProofParameters = OwnershipProofParameters & { account: LocalAccount }
export type RecoverOwnershipProofSignerParameters = OwnershipProofParameters & { signature: Hex }
export type VerifyOwnershipProofParameters = RecoverOwnershipProofSignerParameters & { owner: Address }

const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n
const MAX_UINT256 = (1n << 256n) - 1n

/**
 * A fresh 32-byte challenge from the platform CSPRNG. Remember it until the answer arrives
 * and accept each challenge once.
 *
 * @example
 * const challenge = createOwnershipChallenge() // '0x3f9c…' (32 bytes)
 */
export function createOwnershipChallenge(): Hex {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)))
}

/**
 * The complete EIP-712 typed data of a proof, for any signer (e.g. a wallet client:
 * `walletClient.signTypedData({ account, ...ownershipProofTypedData(p) })`).
 *
 * @example
 * ownershipProofTypedData({ chainId: 31337, marketplace, listingId: 7n, challenge }).primaryType // 'OwnershipProof'
 */
export function ownershipProofTypedData(parameters: OwnershipProofParameters) {
  const { chainId, marketplace, listingId, challenge } = checkParameters(parameters)
  return {
    domain: { ...OWNERSHIP_PROOF_DOMAIN, chainId, verifyingContract: marketplace },
    types: ownershipProofTypes,
    primaryType: 'OwnershipProof',
    message: { listingId, challenge },
  } as const
}

/**
 * The digest that is signed: equal to the contract's `_hashTypedDataV4(structHash)`.
 *
 * @example
 * ownershipProofDigest({ chainId: 31337, marketplace, listingId: 7n, challenge }) // '0x…'
 */
export function ownershipProofDigest(parameters: OwnershipProofParameters): Hex {
  return hashTypedData(ownershipProofTypedData(parameters))
}

/**
 * Signs a proof with a local account (the seller's Seller key).
 *
 * @example
 * const account = privateKeyToAccount(keystore.key('Seller').privateKey)
 * const signature = await signOwnershipProof({ account, chainId, marketplace, listingId, challenge })
 */
export async function signOwnershipProof({ account, ...parameters }: SignOwnershipProofParameters): Promise<Hex> {
  return account.signTypedData(ownershipProofTypedData(parameters))
}

/**
 * Recovers the address that signed a proof. Throws `InvalidOwnershipProofError` for a
 * malformed input or a signature the contract would reject (not 65 bytes, v not 27/28,
 * high s). A well-formed signature over different data recovers *some other* address.
 *
 * @example
 * const signer = await recoverOwnershipProofSigner({ chainId, marketplace, listingId, challenge, signature })
 */
export async function recoverOwnershipProofSigner({ signature, ...parameters }: RecoverOwnershipProofSignerParameters): Promise<Address> {
  checkSignature(signature)
  const typedData = ownershipProofTypedData(parameters)
  try {
    return await recoverTypedDataAddress({ ...typedData, signature })
  } catch {
    // r is zero, not a curve x coordinate, or the like: ecrecover returns address(0) for these.
    throw new InvalidOwnershipProofError({ field: 'signature', reason: 'does not recover to a public key' })
  }
}

/**
 * True when `signature` proves that `owner` controls the listing's key for this challenge.
 * False for any other signer and for signatures the contract would reject; throws only for
 * malformed proof parameters (challenge, listing id, contract, chain id).
 *
 * @example
 * if (!(await verifyOwnershipProof({ chainId, marketplace, listingId, challenge, signature, owner: listing.seller }))) abort()
 */
export async function verifyOwnershipProof({ owner, signature, ...parameters }: VerifyOwnershipProofParameters): Promise<boolean> {
  checkParameters(parameters)
  if (!isAddress(owner, { strict: false })) throw new InvalidOwnershipProofError({ field: 'owner', reason: 'not an address' })
  try {
    const signer = await recoverOwnershipProofSigner({ ...parameters, signature })
    return signer.toLowerCase() === owner.toLowerCase()
  } catch (err) {
    if (err instanceof InvalidOwnershipProofError) return false
    throw err
  }
}

function checkParameters(parameters: OwnershipProofParameters): OwnershipProofParameters & { chainId: bigint } {
  const { marketplace, listingId, challenge } = parameters
  const chainId = typeof parameters.chainId === 'number' && Number.isSafeInteger(parameters.chainId) ? BigInt(parameters.chainId) : parameters.chainId
  if (typeof chainId !== 'bigint' || chainId <= 0n) throw new InvalidOwnershipProofError({ field: 'chainId', reason: 'must be a positive integer' })
  if (!isAddress(marketplace, { strict: true })) {
    throw new InvalidOwnershipProofError({ field: 'verifyingContract', reason: 'not an address (or a bad checksum)' })
  }
  if (typeof listingId !== 'bigint' || listingId < 0n || listingId > MAX_UINT256) {
    throw new InvalidOwnershipProofError({ field: 'listingId', reason: 'must be a uint256 bigint' })
  }
  if (!isHex(challenge, { strict: true }) || size(challenge) !== 32) {
    throw new InvalidOwnershipProofError({ field: 'challenge', reason: 'must be 32 bytes of hex' })
  }
  return { ...parameters, chainId }
}

function checkSignature(signature: Hex): void {
  if (!isHex(signature, { strict: true }) || size(signature) !== 65) {
    throw new InvalidOwnershipProofError({ field: 'signature', reason: 'must be 65 bytes (r, s, v)' })
  }
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  if (s > HALF_N) throw new InvalidOwnershipProofError({ field: 'signature', reason: 's is in the upper half of the curve order (malleable)' })
  if (v !== 27 && v !== 28) throw new InvalidOwnershipProofError({ field: 'signature', reason: 'v must be 27 or 28' })
}
