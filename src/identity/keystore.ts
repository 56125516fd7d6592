/**
 * An organisation's keystore on disk: its mnemonic encrypted under a passphrase, its name,
 * the current key level of every role, and the public addresses of those keys.
 *
 * - `createKeystore`  new 24-word mnemonic; returns it once so the officers can back it up.
 * - `importKeystore`  an existing (e.g. recovered) mnemonic, optionally at given levels.
 * - `unlockKeystore`  passphrase -> `UnlockedKeystore` (derives any role key).
 * - `rotateKeystoreKey` role -> next level (the old key stops being "current").
 * - `changeKeystorePassphrase`, `readKeystoreInfo` (public header, unverified), `listKeystoreAddresses`.
 *
 * An empty passphrase creates a dev keystore (`"encryption": "none"`) for the embedded demo
 * and emits a warning every time one is written or opened. Secrets never appear in errors,
 * warnings, `JSON.stringify` or `console.log` of the returned objects.
 * File format and crypto: keystoreFormat.ts; file writes: atomicFile.ts.
 */
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import type { HDKey } from '@scure/bip32'
import type { Address } from 'viem'
import {
  InvalidMnemonicError,
  InvalidOrganisationNameError,
  KeystoreEncryptionMismatchError,
  KeystoreFormatError,
  KeystoreTamperedError,
  UnknownRoleError,
  WeakPassphraseError,
} from '../errors/identity.ts'
import { readBoundedFile, withFileLock, writeFileAtomic } from './atomicFile.ts'
import {
  createOrganisationRoot,
  deriveFunctionKey,
  generateOrganisationMnemonic,
  normalizeMnemonic,
  organisationFingerprint,
} from './hdTree.ts'
import {
  DEFAULT_SCRYPT,
  deriveKeystoreKey,
  headerOf,
  KEYSTORE_MAX_BYTES,
  keystoreFileSchema,
  openKeystore,
  plainKeystore,
  sealKeystore,
  UNENCRYPTED_WARNING,
  type KeystoreEncryption,
  type KeystoreFile,
  type KeystoreHeader,
  type KeystoreKey,
  type ScryptParameters,
} from './keystoreFormat.ts'
import { isRole, roles, type Role } from './roles.ts'
import { roleAddress, UnlockedKeystore, type RoleAddress } from './unlockedKeystore.ts'

export { DEFAULT_SCRYPT, type KeystoreEncryption, type ScryptParameters } from './keystoreFormat.ts'
export { UnlockedKeystore, type RoleAddress } from './unlockedKeystore.ts'

/** Minimum length of a non-empty keystore passphrase. */
export const MIN_PASSPHRASE_LENGTH = 8

/** Receives the dev-mode warning. Default: `process.emitWarning` with code `DATABOURSE_UNENCRYPTED_KEYSTORE`. */
export type KeystoreWarningHandler = (warning: { code: 'DATABOURSE_UNENCRYPTED_KEYSTORE'; message: string }) => void

type CommonParameters = {
  /** Keystore file path. */
  path: string
  /** Empty string: unencrypted dev keystore. Otherwise at least MIN_PASSPHRASE_LENGTH characters. */
  passphrase: string
  onWarning?: KeystoreWarningHandler | undefined
}

export type CreateKeystoreParameters = CommonParameters & {
  /** Organisation display name (1-200 characters). */
  org: string
  /** Organisation account index in the key tree. Default 0. */
  account?: number | undefined
  /** scrypt cost; lower it only in tests. Default `DEFAULT_SCRYPT`. */
  scrypt?: ScryptParameters | undefined
}
export type CreateKeystoreReturnType = { mnemonic: string; keystore: UnlockedKeystore }

export type ImportKeystoreParameters = CreateKeystoreParameters & {
  mnemonic: string
  /** Current level per role (e.g. after a recovery, the levels bound on chain). Default 0. */
  levels?: Partial<Record<Role, number>> | undefined
}

export type UnlockKeystoreParameters = CommonParameters
export type RotateKeystoreKeyParameters = CommonParameters & { role: Role }
export type RotateKeystoreKeyReturnType = { role: Role; previous: RoleAddress; current: RoleAddress }
export type ChangeKeystorePassphraseParameters = CommonParameters & { newPassphrase: string; scrypt?: ScryptParameters | undefined }

/** What anyone can read from a keystore file without the passphrase. NOT authenticated. */
export type KeystoreInfo = KeystoreHeader & { encryption: KeystoreEncryption; verified: false }

/**
 * Creates a keystore for a new organisation with a fresh 24-word mnemonic. Refuses to
 * overwrite an existing file. Show the returned mnemonic to the officers exactly once.
 *
 * @example
 * const { mnemonic, keystore } = await createKeystore({ path, org: 'Acme Data Ltd', passphrase })
 * keystore.key('Seller').address
 */
export async function createKeystore(parameters: CreateKeystoreParameters): Promise<CreateKeystoreReturnType> {
  const mnemonic = generateOrganisationMnemonic()
  return { mnemonic, keystore: await importKeystore({ ...parameters, mnemonic }) }
}

/**
 * Creates a keystore from an existing mnemonic (validated: `InvalidMnemonicError`).
 *
 * @example
 * await importKeystore({ path, org: 'Acme Data Ltd', passphrase, mnemonic, levels: { Seller: 2 } })
 */
export async function importKeystore(parameters: ImportKeystoreParameters): Promise<UnlockedKeystore> {
  const { path, passphrase } = parameters
  checkPassphrase(passphrase)
  const org = checkOrganisationName(parameters.org)
  const mnemonic = normalizeMnemonic(parameters.mnemonic)
  const levels = Object.fromEntries(roles.map((role) => [role, parameters.levels?.[role] ?? 0])) as Record<Role, number>
  const now = new Date().toISOString()
  const root = createOrganisationRoot(mnemonic)
  try {
    const header = buildHeader(root, { org, createdAt: now, updatedAt: now, account: parameters.account ?? 0, levels })
    const file = await encode(header, mnemonic, passphrase, parameters.scrypt ?? DEFAULT_SCRYPT, path)
    if (file.encryption === 'none') warn(parameters.onWarning, path)
    keystoreFileSchema.parse(file) // never write a file we would refuse to read
    await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { exclusive: true })
    return new UnlockedKeystore(path, file, mnemonic, root)
  } catch (err) {
    root.wipePrivateData()
    throw err
  }
}

/**
 * Opens a keystore. Wrong passphrase: `KeystoreWrongPassphraseError`; modified file:
 * `KeystoreTamperedError`; empty passphrase for an encrypted file or a passphrase for a dev
 * file: `KeystoreEncryptionMismatchError`.
 *
 * @example
 * const keystore = await unlockKeystore({ path, passphrase })
 * const seller = privateKeyToAccount(keystore.key('Seller').privateKey)
 */
export async function unlockKeystore(parameters: UnlockKeystoreParameters): Promise<UnlockedKeystore> {
  const file = await readKeystoreFile(parameters.path)
  const { mnemonic, root, key } = await decode(file, parameters)
  key?.encKey.fill(0)
  return new UnlockedKeystore(parameters.path, file, mnemonic, root)
}

/**
 * Moves a role to its next key level and returns the old and new keys' public data. Bind the
 * new address on chain (IAlliance) and unbind the old one afterwards.
 *
 * @example
 * const { previous, current } = await rotateKeystoreKey({ path, passphrase, role: 'Storage' })
 */
export async function rotateKeystoreKey(parameters: RotateKeystoreKeyParameters): Promise<RotateKeystoreKeyReturnType> {
  const { path, role } = parameters
  if (!isRole(role)) throw new UnknownRoleError({ role })
  return withFileLock(path, async () => {
    const file = await readKeystoreFile(path)
    const { mnemonic, root, key } = await decode(file, parameters)
    try {
      const old = headerOf(file)
      const levels = { ...old.levels, [role]: old.levels[role] + 1 }
      const header = buildHeader(root, { ...old, updatedAt: new Date().toISOString(), levels })
      // Same passphrase-derived key (same salt), fresh IV: no second scrypt needed.
      const entropy = mnemonicToEntropy(mnemonic, wordlist)
      const next = key ? sealKeystore(header, entropy, key) : plainKeystore(header, mnemonic)
      entropy.fill(0)
      await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`)
      return {
        role,
        previous: roleAddress(root, role, old.levels[role], old.account),
        current: roleAddress(root, role, levels[role], old.account),
      }
    } finally {
      key?.encKey.fill(0)
      root.wipePrivateData()
    }
  })
}

/**
 * Re-encrypts a keystore under a new passphrase (fresh salt). An empty new passphrase turns
 * it into a dev keystore; a non-empty one turns a dev keystore into an encrypted one.
 *
 * @example
 * await changeKeystorePassphrase({ path, passphrase: old, newPassphrase: next })
 */
export async function changeKeystorePassphrase(parameters: ChangeKeystorePassphraseParameters): Promise<void> {
  const { path, newPassphrase } = parameters
  checkPassphrase(newPassphrase)
  await withFileLock(path, async () => {
    const file = await readKeystoreFile(path)
    const { mnemonic, root, key } = await decode(file, parameters)
    key?.encKey.fill(0)
    root.wipePrivateData()
    const header = { ...headerOf(file), updatedAt: new Date().toISOString() }
    const next = await encode(header, mnemonic, newPassphrase, parameters.scrypt ?? DEFAULT_SCRYPT, path)
    if (next.encryption === 'none') warn(parameters.onWarning, path)
    await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`)
  })
}

/**
 * The public header of a keystore without the passphrase: org, levels, addresses. Anyone who
 * can write the file can change these; unlock (which authenticates them) before trusting them.
 *
 * @example
 * const { org, addresses } = await readKeystoreInfo(path)
 */
export async function readKeystoreInfo(path: string): Promise<KeystoreInfo> {
  const file = await readKeystoreFile(path)
  return { ...headerOf(file), encryption: file.encryption, verified: false }
}

/**
 * The current key of every role, derived from the unlocked mnemonic (authenticated).
 *
 * @example
 * listKeystoreAddresses(keystore).Buyer // { level: 0, path: "m/44'/60'/0'/1'/0'", address: '0x…' }
 */
export function listKeystoreAddresses(keystore: UnlockedKeystore): Record<Role, RoleAddress> {
  return keystore.addresses()
}

async function readKeystoreFile(path: string): Promise<KeystoreFile> {
  const text = await readBoundedFile(path, KEYSTORE_MAX_BYTES)
  if (text === undefined) throw new KeystoreFormatError({ path, reason: `larger than ${KEYSTORE_MAX_BYTES} bytes` })
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new KeystoreFormatError({ path, reason: 'not JSON' })
  }
  const parsed = keystoreFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new KeystoreFormatError({ path, reason: `${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}` })
  }
  return parsed.data
}

/** A decoded keystore. The caller owns `root` and `key` and must wipe them. */
type Decoded = { mnemonic: string; root: HDKey; key: KeystoreKey | undefined }

/** Checks the passphrase against the file's mode, decrypts, and verifies the header against the keys. */
async function decode(file: KeystoreFile, { path, passphrase, onWarning }: CommonParameters): Promise<Decoded> {
  const encrypted = file.encryption !== 'none'
  if (encrypted === (passphrase === '')) throw new KeystoreEncryptionMismatchError({ path, encrypted })
  let mnemonic: string
  let key: KeystoreKey | undefined
  if (file.encryption === 'none') {
    warn(onWarning, path)
    try {
      mnemonic = normalizeMnemonic(file.mnemonic)
    } catch (err) {
      if (err instanceof InvalidMnemonicError) throw new KeystoreFormatError({ path, reason: `mnemonic: ${err.shortMessage}` })
      throw err
    }
  } else {
    key = await deriveKeystoreKey(passphrase, { path, scrypt: file.kdf, stored: file })
    const entropy = openKeystore(file, key)
    if (entropy === undefined) {
      key.encKey.fill(0)
      throw new KeystoreTamperedError({ path })
    }
    mnemonic = entropyToMnemonic(entropy, wordlist)
    entropy.fill(0)
  }
  // The header is authenticated (encrypted mode), but it must also be *true*: recompute it.
  const root = createOrganisationRoot(mnemonic)
  const actual = headerOf(file)
  const expected = buildHeader(root, actual)
  if (expected.fingerprint !== actual.fingerprint || roles.some((r) => expected.addresses[r] !== actual.addresses[r])) {
    root.wipePrivateData()
    key?.encKey.fill(0)
    throw new KeystoreTamperedError({ path })
  }
  return { mnemonic, root, key }
}

async function encode(header: KeystoreHeader, mnemonic: string, passphrase: string, scrypt: ScryptParameters, path: string): Promise<KeystoreFile> {
  if (passphrase === '') return plainKeystore(header, mnemonic)
  const key = await deriveKeystoreKey(passphrase, { path, scrypt })
  const entropy = mnemonicToEntropy(mnemonic, wordlist)
  try {
    return sealKeystore(header, entropy, key)
  } finally {
    entropy.fill(0)
    key.encKey.fill(0)
  }
}

function buildHeader(root: HDKey, base: Omit<KeystoreHeader, 'fingerprint' | 'addresses'>): KeystoreHeader {
  const addresses = Object.fromEntries(
    roles.map((role) => [role, deriveFunctionKey(root, role, base.levels[role], { account: base.account }).address]),
  ) as Record<Role, Address>
  return {
    org: base.org,
    createdAt: base.createdAt,
    updatedAt: base.updatedAt,
    account: base.account,
    fingerprint: organisationFingerprint(root),
    levels: { ...base.levels },
    addresses,
  }
}

function checkOrganisationName(org: string): string {
  const name = org.normalize('NFC').trim()
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > 200 || /[\u0000-\u001f\u007f]/u.test(name)) throw new InvalidOrganisationNameError()
  return name
}

function checkPassphrase(passphrase: string): void {
  if (passphrase !== '' && [...passphrase.normalize('NFKC')].length < MIN_PASSPHRASE_LENGTH) {
    throw new WeakPassphraseError({ minLength: MIN_PASSPHRASE_LENGTH })
  }
}

function warn(handler: KeystoreWarningHandler | undefined, path: string): void {
  const message = `${UNENCRYPTED_WARNING} (${path})`
  if (handler) handler({ code: 'DATABOURSE_UNENCRYPTED_KEYSTORE', message })
  else process.emitWarning(message, { code: 'DATABOURSE_UNENCRYPTED_KEYSTORE' })
}
