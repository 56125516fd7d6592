/**
 * Key recovery (SPEC.md section 7, seed 003 section 3.3.3): the organisation's root secret
 * (its BIP-39 entropy) is escrowed encrypted to a recovery key derived from its registration
 * identity, and recovered through a defined process in which no party holds it in clear.
 *
 *   identity   = registration number, registered address, legal representative (public)
 *   s          = 256-bit recovery secret, split k-of-n among recovery officers (Shamir), then wiped
 *   d          = HKDF-SHA256(ikm = s, salt = identityDigest, info "databourse/recovery/v1/key") -> scalar
 *   D = d*G    = the recovery public key
 *   escrow     = ECIES(D, entropy, associated data = escrow header)   (ecies.ts)
 *
 * This is the seed's ID(x) = Hash(Hash(registration data) XOR user_defined_word) with the
 * "user-defined word" replaced by a full-entropy secret that no single officer knows, and its
 * EC-ElGamal (C1 = P + r*IDK, C2 = r*G), which needs an ad-hoc message-to-point map and has
 * no integrity, replaced by ECIES with AES-GCM. The escrow is safe to store anywhere (the
 * alliance keeps it and can anchor `escrowCommitment` on chain); the process is in README.md.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { bytesToBigInt, bytesToHex, hexToBytes, keccak256, numberToBytes, stringToBytes, type Hex } from 'viem'
import {
  EscrowTamperedError,
  InvalidRegistrationIdentityError,
  RecoveryIdentityMismatchError,
  RecoveryInsufficientSharesError,
  RecoveryKeyMismatchError,
  RecoveryShareMismatchError,
} from '../errors/identity.ts'
import { canonicalBytes, canonicalJson, type CanonicalValue } from './canonicalJson.ts'
import { ECIES_SCHEME, eciesDecrypt, eciesEncrypt } from './ecies.ts'
import { normalizeMnemonic, organisationFingerprint } from './hdTree.ts'
import { parseRecoveryEscrow, recoveryKitId, type RecoveryEscrow } from './recoveryEscrow.ts'
import { decodeRecoveryShare, encodeRecoveryShare } from './recoveryShare.ts'
import { combineShares, splitSecret } from './shamir.ts'

export { parseRecoveryEscrow, recoveryKitId, type RecoveryEscrow } from './recoveryEscrow.ts'

/** The organisation's registration identity, as filed with the alliance (seed 003 eq. 9). */
export type RegistrationIdentity = {
  registrationNumber: string
  registeredAddress: string
  legalRepresentative: string
}

export type CreateRecoveryKitParameters = {
  mnemonic: string
  identity: RegistrationIdentity
  /** Officers needed to recover (k). */
  threshold: number
  /** Officers holding a share (n), at most 255. */
  shares: number
  /** Display label stored in the escrow (not secret). */
  org?: string | undefined
}
export type CreateRecoveryKitReturnType = {
  /** Encrypted escrow: give it to the alliance, keep a copy. */
  escrow: RecoveryEscrow
  /** One share string per officer, in officer order (share i has index i+1). */
  shares: string[]
  recoveryPublicKey: Hex
}

export type RecoverMnemonicParameters = {
  /** The escrow object, or its JSON text. */
  escrow: RecoveryEscrow | string
  identity: RegistrationIdentity
  /** At least `threshold` share strings from distinct officers, in any order. */
  shares: readonly string[]
}

const KEY_INFO = utf8ToBytes('databourse/recovery/v1/key')
const n = secp256k1.Point.Fn.ORDER

/**
 * The canonical digest of a registration identity: each field NFKC-normalised, trimmed,
 * inner whitespace collapsed, lower-cased, then length-prefixed and hashed with a domain tag.
 * Public (it hashes public data); stored in the escrow to report a wrong identity clearly.
 *
 * @example
 * registrationIdentityDigest({ registrationNumber: '91310000MA1K', registeredAddress: '1 Main St', legalRepresentative: 'Li Wei' })
 * // '0x…' (32 bytes)
 */
export function registrationIdentityDigest(identity: RegistrationIdentity): Hex {
  const fields = (['registrationNumber', 'registeredAddress', 'legalRepresentative'] as const).map((field) => {
    const value = String(identity[field] ?? '').normalize('NFKC').trim().replace(/\s+/gu, ' ').toLowerCase()
    if (value === '') throw new InvalidRegistrationIdentityError({ field })
    const bytes = utf8ToBytes(value)
    return concatBytes(numberToBytes(bytes.length, { size: 4 }), bytes)
  })
  return bytesToHex(sha256(concatBytes(utf8ToBytes('databourse/recovery/v1/identity'), ...fields)))
}

/**
 * Derives the recovery key pair from the recovery secret and the registration identity.
 * The 48-byte HKDF output reduced mod n-1, plus 1, is a uniform non-zero scalar.
 *
 * @example
 * const { publicKey } = deriveRecoveryKey(secret, identity)
 */
export function deriveRecoveryKey(secret: Uint8Array, identity: RegistrationIdentity): { privateKey: Uint8Array; publicKey: Hex } {
  const okm = hkdf(sha256, secret, hexToBytes(registrationIdentityDigest(identity)), KEY_INFO, 48)
  const scalar = (bytesToBigInt(okm) % (n - 1n)) + 1n
  okm.fill(0)
  const privateKey = numberToBytes(scalar, { size: 32 })
  return { privateKey, publicKey: bytesToHex(secp256k1.getPublicKey(privateKey, true)) }
}

/**
 * Sets up recovery for an organisation: a fresh recovery secret split k-of-n, and an escrow
 * of the mnemonic encrypted to the key derived from it. The secret exists only inside this
 * call. Run it on the custodian's machine; hand each share to one officer.
 *
 * @example
 * const { escrow, shares } = createRecoveryKit({ mnemonic: keystore.mnemonic, identity, threshold: 3, shares: 5, org: 'Acme' })
 */
export function createRecoveryKit(parameters: CreateRecoveryKitParameters): CreateRecoveryKitReturnType {
  const { identity, threshold } = parameters
  const mnemonic = normalizeMnemonic(parameters.mnemonic)
  const secret = randomBytes(32)
  try {
    const parts = splitSecret(secret, { threshold, shares: parameters.shares })
    const { privateKey, publicKey } = deriveRecoveryKey(secret, identity)
    privateKey.fill(0)
    const header: Omit<RecoveryEscrow, 'ecies'> = {
      format: 'databourse-recovery-escrow',
      version: 1,
      ...(parameters.org === undefined ? {} : { org: parameters.org }),
      createdAt: new Date().toISOString(),
      fingerprint: organisationFingerprint(mnemonic),
      identityDigest: registrationIdentityDigest(identity),
      recoveryPublicKey: publicKey,
      kit: recoveryKitId(publicKey),
      threshold,
      shares: parameters.shares,
    }
    const entropy = mnemonicToEntropy(mnemonic, wordlist)
    const sealed = eciesEncrypt(hexToBytes(publicKey), entropy, associatedData(header))
    entropy.fill(0)
    const escrow = parseRecoveryEscrow({
      ...header,
      ecies: {
        scheme: ECIES_SCHEME,
        ephemeralPublicKey: bytesToHex(sealed.ephemeralPublicKey),
        iv: bytesToHex(sealed.iv),
        ciphertext: bytesToHex(sealed.ciphertext),
        tag: bytesToHex(sealed.tag),
      },
    })
    const shares = parts.map((part) => encodeRecoveryShare({ ...part, kit: header.kit.slice(2), threshold, total: parameters.shares }))
    for (const part of parts) part.y.fill(0)
    return { escrow, shares, recoveryPublicKey: publicKey }
  } finally {
    secret.fill(0)
  }
}

/**
 * Recovers the organisation mnemonic from its escrow, its registration identity and at least
 * `threshold` officers' shares. Every failure is typed: `EscrowFormatError`,
 * `RecoveryIdentityMismatchError`, `RecoveryShareFormatError`, `RecoveryShareMismatchError`,
 * `RecoveryInsufficientSharesError`, `RecoveryKeyMismatchError`, `EscrowTamperedError`.
 *
 * @example
 * const mnemonic = recoverMnemonic({ escrow, identity, shares: [alice, carol, erin] })
 * await importKeystore({ path, org, passphrase, mnemonic, levels })
 */
export function recoverMnemonic(parameters: RecoverMnemonicParameters): string {
  const escrow = parseRecoveryEscrow(parameters.escrow)
  if (registrationIdentityDigest(parameters.identity) !== escrow.identityDigest) throw new RecoveryIdentityMismatchError()

  const shares = parameters.shares.map((text, i) => decodeRecoveryShare(text, i + 1))
  shares.forEach((share, i) => {
    if (`0x${share.kit}` !== escrow.kit) {
      throw new RecoveryShareMismatchError({ reason: `share #${i + 1} belongs to kit ${share.kit}, the escrow is kit ${escrow.kit.slice(2)}` })
    }
    if (share.threshold !== escrow.threshold || share.total !== escrow.shares) {
      throw new RecoveryShareMismatchError({ reason: `share #${i + 1} is from a ${share.threshold}-of-${share.total} split, the escrow is ${escrow.threshold}-of-${escrow.shares}` })
    }
  })
  // The same share given twice counts once; two different shares claiming one index do not.
  const byIndex = new Map<number, (typeof shares)[number]>()
  for (const share of shares) {
    const seen = byIndex.get(share.x)
    if (seen && bytesToHex(seen.y) !== bytesToHex(share.y)) {
      throw new RecoveryShareMismatchError({ reason: `two different shares claim index ${share.x}` })
    }
    byIndex.set(share.x, share)
  }
  if (byIndex.size < escrow.threshold) throw new RecoveryInsufficientSharesError({ have: byIndex.size, need: escrow.threshold })

  const secret = combineShares([...byIndex.values()])
  const { privateKey, publicKey } = deriveRecoveryKey(secret, parameters.identity)
  secret.fill(0)
  try {
    if (publicKey !== escrow.recoveryPublicKey) throw new RecoveryKeyMismatchError()
    const { ecies, ...header } = escrow
    const entropy = eciesDecrypt(
      privateKey,
      {
        ephemeralPublicKey: hexToBytes(ecies.ephemeralPublicKey),
        iv: hexToBytes(ecies.iv),
        ciphertext: hexToBytes(ecies.ciphertext),
        tag: hexToBytes(ecies.tag),
      },
      associatedData(header),
    )
    if (entropy === undefined || ![16, 20, 24, 28, 32].includes(entropy.length)) throw new EscrowTamperedError()
    const mnemonic = entropyToMnemonic(entropy, wordlist)
    entropy.fill(0)
    if (organisationFingerprint(mnemonic) !== escrow.fingerprint) throw new EscrowTamperedError()
    return mnemonic
  } finally {
    privateKey.fill(0)
  }
}

/**
 * A commitment to an escrow (keccak256 of its canonical JSON), for anchoring on chain so that
 * the copy handed back at recovery time can be checked to be the one deposited.
 *
 * @example
 * escrowCommitment(escrow) // '0x…' (bytes32)
 */
export function escrowCommitment(escrow: RecoveryEscrow): Hex {
  return keccak256(stringToBytes(canonicalJson(parseRecoveryEscrow(escrow) as unknown as CanonicalValue)))
}

function associatedData(header: Omit<RecoveryEscrow, 'ecies'>): Uint8Array {
  return canonicalBytes(header as unknown as CanonicalValue)
}
