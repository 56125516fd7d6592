/**
 * Errors of the identity domain (src/identity): roles, HD key tree, keystore, recovery,
 * ownership proofs. One class per condition.
 *
 * No error here ever carries a mnemonic, a passphrase, a seed, a private key or a recovery
 * share: only positions, counts, file paths and public values.
 */
import { BaseError } from './base.ts'

const docsPath = 'src/identity/README.md'

// ---------------------------------------------------------------- roles and key tree

export type UnknownRoleErrorType = UnknownRoleError & { name: 'UnknownRoleError' }
export class UnknownRoleError extends BaseError {
  constructor({ role }: { role: unknown }) {
    super(`Unknown role ${JSON.stringify(String(role))}.`, {
      metaMessages: ['Roles: Seller, Buyer, Platform, Storage, Compute, Arbitrator, Supervisor, Validator (enum index 0-7).'],
      name: 'UnknownRoleError',
    })
  }
}

export type InvalidDerivationIndexErrorType = InvalidDerivationIndexError & { name: 'InvalidDerivationIndexError' }
export class InvalidDerivationIndexError extends BaseError {
  constructor({ what, value }: { what: 'account' | 'level'; value: unknown }) {
    super(`Invalid ${what} ${JSON.stringify(String(value))}: must be an integer from 0 to 2^31 - 1.`, {
      docsPath,
      name: 'InvalidDerivationIndexError',
    })
  }
}

export type InvalidMnemonicReason = 'word-count' | 'unknown-word' | 'checksum'
export type InvalidMnemonicErrorType = InvalidMnemonicError & { name: 'InvalidMnemonicError' }
/** The mnemonic is not a valid English BIP-39 phrase. Carries positions, never words. */
export class InvalidMnemonicError extends BaseError {
  readonly reason: InvalidMnemonicReason
  constructor({ reason, wordCount, position }: { reason: InvalidMnemonicReason; wordCount: number; position?: number }) {
    const why = {
      'word-count': `it has ${wordCount} words; a BIP-39 mnemonic has 12, 15, 18, 21 or 24`,
      'unknown-word': `word #${position} is not in the BIP-39 English word list`,
      checksum: 'its checksum does not match (a word is wrong or the words are out of order)',
    }[reason]
    super(`Invalid mnemonic: ${why}.`, { docsPath, name: 'InvalidMnemonicError' })
    this.reason = reason
  }
}

export type InvalidSeedErrorType = InvalidSeedError & { name: 'InvalidSeedError' }
export class InvalidSeedError extends BaseError {
  constructor({ length }: { length: number }) {
    super(`Invalid BIP-32 seed of ${length} bytes: expected 16 to 64 bytes.`, { name: 'InvalidSeedError' })
  }
}

export type InvalidRootKeyErrorType = InvalidRootKeyError & { name: 'InvalidRootKeyError' }
/** An HD key of the wrong kind was passed: not the master key, not the role's function node, or public-only. */
export class InvalidRootKeyError extends BaseError {
  constructor({ depth, hasPrivateKey, expected }: { depth: number; hasPrivateKey: boolean; expected: string }) {
    super(`Expected an organisation ${expected} (private HD key).`, {
      details: `got a depth-${depth} ${hasPrivateKey ? 'private' : 'public-only'} key`,
      docsPath,
      name: 'InvalidRootKeyError',
    })
  }
}

// ---------------------------------------------------------------- keystore

export type KeystoreNotFoundErrorType = KeystoreNotFoundError & { name: 'KeystoreNotFoundError' }
export class KeystoreNotFoundError extends BaseError {
  constructor({ path }: { path: string }) {
    super(`No keystore at "${path}".`, { docsPath, name: 'KeystoreNotFoundError' })
  }
}

export type KeystoreExistsErrorType = KeystoreExistsError & { name: 'KeystoreExistsError' }
export class KeystoreExistsError extends BaseError {
  constructor({ path }: { path: string }) {
    super(`A keystore already exists at "${path}"; refusing to overwrite it.`, {
      metaMessages: ['Move the existing file away first if you really mean to replace it.'],
      name: 'KeystoreExistsError',
    })
  }
}

export type KeystoreFormatErrorType = KeystoreFormatError & { name: 'KeystoreFormatError' }
export class KeystoreFormatError extends BaseError {
  constructor({ path, reason }: { path: string; reason: string }) {
    super(`"${path}" is not a valid databourse keystore: ${reason}.`, { docsPath, name: 'KeystoreFormatError' })
  }
}

export type KeystoreWrongPassphraseErrorType = KeystoreWrongPassphraseError & { name: 'KeystoreWrongPassphraseError' }
export class KeystoreWrongPassphraseError extends BaseError {
  constructor({ path }: { path: string }) {
    super(`Wrong passphrase for keystore "${path}".`, { name: 'KeystoreWrongPassphraseError' })
  }
}

export type KeystoreTamperedErrorType = KeystoreTamperedError & { name: 'KeystoreTamperedError' }
/** The passphrase is right but the file's authenticated content does not verify. */
export class KeystoreTamperedError extends BaseError {
  constructor({ path }: { path: string }) {
    super(`Keystore "${path}" was modified outside databourse: its content does not authenticate.`, {
      metaMessages: ['Restore the file from a backup, or re-import the organisation mnemonic.'],
      docsPath,
      name: 'KeystoreTamperedError',
    })
  }
}

export type KeystoreEncryptionMismatchErrorType = KeystoreEncryptionMismatchError & {
  name: 'KeystoreEncryptionMismatchError'
}
/**
 * An empty passphrase was given for an encrypted keystore, or a passphrase for an unencrypted
 * (dev) one. The second case refuses to silently accept a keystore that someone may have
 * swapped for an unencrypted file holding their own mnemonic.
 */
export class KeystoreEncryptionMismatchError extends BaseError {
  constructor({ path, encrypted }: { path: string; encrypted: boolean }) {
    super(
      encrypted
        ? `Keystore "${path}" is encrypted: a passphrase is required.`
        : `Keystore "${path}" is NOT encrypted (dev mode) but a passphrase was given; refusing to use it.`,
      { docsPath, name: 'KeystoreEncryptionMismatchError' },
    )
  }
}

export type WeakPassphraseErrorType = WeakPassphraseError & { name: 'WeakPassphraseError' }
export class WeakPassphraseError extends BaseError {
  constructor({ minLength }: { minLength: number }) {
    super(`Keystore passphrase too short: use at least ${minLength} characters (or an empty one for an unencrypted dev keystore).`, {
      name: 'WeakPassphraseError',
    })
  }
}

export type InvalidScryptParametersErrorType = InvalidScryptParametersError & { name: 'InvalidScryptParametersError' }
export class InvalidScryptParametersError extends BaseError {
  constructor({ N, r, p }: { N: number; r: number; p: number }) {
    super(`Unsupported scrypt parameters N=${N} r=${r} p=${p}.`, {
      metaMessages: ['N must be a power of two from 2^10 to 2^20, r from 1 to 32, p from 1 to 16, memory (128*N*r) at most 1 GiB.'],
      docsPath,
      name: 'InvalidScryptParametersError',
    })
  }
}

export type KeystoreClosedErrorType = KeystoreClosedError & { name: 'KeystoreClosedError' }
export class KeystoreClosedError extends BaseError {
  constructor({ path }: { path: string }) {
    super(`Keystore "${path}" was closed; unlock it again.`, { name: 'KeystoreClosedError' })
  }
}

export type EncryptionKeyWipedErrorType = EncryptionKeyWipedError & { name: 'EncryptionKeyWipedError' }
export class EncryptionKeyWipedError extends BaseError {
  constructor() {
    super('The encryption key pair was wiped (its organisation was closed); load the organisation again.', { name: 'EncryptionKeyWipedError' })
  }
}

export type InvalidOrganisationNameErrorType = InvalidOrganisationNameError & { name: 'InvalidOrganisationNameError' }
export class InvalidOrganisationNameError extends BaseError {
  constructor() {
    super('Invalid organisation name: use 1 to 200 printable characters.', { name: 'InvalidOrganisationNameError' })
  }
}

export type KeystoreLockedErrorType = KeystoreLockedError & { name: 'KeystoreLockedError' }
export class KeystoreLockedError extends BaseError {
  constructor({ path, lockPath }: { path: string; lockPath: string }) {
    super(`Keystore "${path}" is being modified by another process.`, {
      metaMessages: [`If no other databourse process is running, delete the stale lock "${lockPath}".`],
      name: 'KeystoreLockedError',
    })
  }
}

// ---------------------------------------------------------------- recovery

export type InvalidRegistrationIdentityErrorType = InvalidRegistrationIdentityError & {
  name: 'InvalidRegistrationIdentityError'
}
export class InvalidRegistrationIdentityError extends BaseError {
  constructor({ field }: { field: string }) {
    super(`Registration identity field "${field}" is empty.`, { docsPath, name: 'InvalidRegistrationIdentityError' })
  }
}

export type InvalidShareParametersErrorType = InvalidShareParametersError & { name: 'InvalidShareParametersError' }
export class InvalidShareParametersError extends BaseError {
  constructor({ threshold, shares, secretLength }: { threshold: number; shares: number; secretLength?: number }) {
    super(`Invalid secret sharing: ${threshold}-of-${shares}.`, {
      metaMessages: [
        'Need 1 <= threshold <= shares <= 255.',
        ...(secretLength === 0 ? ['The secret must not be empty.'] : []),
      ],
      name: 'InvalidShareParametersError',
    })
  }
}

export type RecoveryShareFormatErrorType = RecoveryShareFormatError & { name: 'RecoveryShareFormatError' }
/** A share string cannot be decoded, or its checksum fails (a typo). `position` is 1-based in the input list. */
export class RecoveryShareFormatError extends BaseError {
  constructor({ position, reason }: { position: number; reason: string }) {
    super(`Recovery share #${position} is invalid: ${reason}.`, { docsPath, name: 'RecoveryShareFormatError' })
  }
}

export type RecoveryShareMismatchErrorType = RecoveryShareMismatchError & { name: 'RecoveryShareMismatchError' }
/** Shares that do not belong together (different kits or thresholds, duplicate holders). */
export class RecoveryShareMismatchError extends BaseError {
  constructor({ reason }: { reason: string }) {
    super(`Recovery shares do not belong together: ${reason}.`, { docsPath, name: 'RecoveryShareMismatchError' })
  }
}

export type RecoveryInsufficientSharesErrorType = RecoveryInsufficientSharesError & {
  name: 'RecoveryInsufficientSharesError'
}
export class RecoveryInsufficientSharesError extends BaseError {
  constructor({ have, need }: { have: number; need: number }) {
    super(`Not enough recovery shares: ${have} given, ${need} needed.`, { docsPath, name: 'RecoveryInsufficientSharesError' })
  }
}

export type RecoveryIdentityMismatchErrorType = RecoveryIdentityMismatchError & { name: 'RecoveryIdentityMismatchError' }
export class RecoveryIdentityMismatchError extends BaseError {
  constructor() {
    super('The registration identity does not match the one this escrow was made for.', {
      metaMessages: ['Check the registration number, registered address and legal representative exactly as registered.'],
      docsPath,
      name: 'RecoveryIdentityMismatchError',
    })
  }
}

export type RecoveryKeyMismatchErrorType = RecoveryKeyMismatchError & { name: 'RecoveryKeyMismatchError' }
/** The shares combine to a secret whose recovery key is not the escrow's: a corrupted or foreign share. */
export class RecoveryKeyMismatchError extends BaseError {
  constructor() {
    super('The recovery shares do not reconstruct this escrow\'s recovery key.', {
      metaMessages: ['A share is corrupted or belongs to another kit; try another combination of shares.'],
      docsPath,
      name: 'RecoveryKeyMismatchError',
    })
  }
}

export type EscrowFormatErrorType = EscrowFormatError & { name: 'EscrowFormatError' }
export class EscrowFormatError extends BaseError {
  constructor({ reason }: { reason: string }) {
    super(`Not a valid databourse recovery escrow: ${reason}.`, { docsPath, name: 'EscrowFormatError' })
  }
}

export type EscrowTamperedErrorType = EscrowTamperedError & { name: 'EscrowTamperedError' }
export class EscrowTamperedError extends BaseError {
  constructor() {
    super('The recovery escrow does not authenticate: it was modified or corrupted.', {
      docsPath,
      name: 'EscrowTamperedError',
    })
  }
}

// ---------------------------------------------------------------- ownership proofs

export type InvalidOwnershipProofErrorType = InvalidOwnershipProofError & { name: 'InvalidOwnershipProofError' }
/** A malformed ownership-proof input: challenge, listing id, contract address or signature. */
export class InvalidOwnershipProofError extends BaseError {
  constructor({ field, reason }: { field: 'challenge' | 'listingId' | 'verifyingContract' | 'chainId' | 'signature' | 'owner'; reason: string }) {
    super(`Invalid ownership proof ${field}: ${reason}.`, { docsPath, name: 'InvalidOwnershipProofError' })
  }
}
