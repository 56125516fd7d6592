/**
 * The keystore file format (version 1) and its encryption. keystore.ts is the API; this file
 * is the bytes. See README.md "Keystore file" for an annotated example.
 *
 * Encryption ("encryption": "scrypt-aes-256-gcm"):
 *   master = scrypt(NFKC(passphrase), salt, N, r, p, 32 bytes)            (node:crypto)
 *   encKey = HKDF-SHA256(master, info "databourse/keystore/v1/encrypt", 32)
 *   check  = HKDF-SHA256(master, info "databourse/keystore/v1/check", 16)  (stored)
 *   cipher = AES-256-GCM(encKey, random 96-bit iv, plaintext = BIP-39 entropy,
 *                        associated data = canonical JSON of every field except "cipher")
 * `check` tells a wrong passphrase apart from a modified file; it costs an attacker exactly
 * one scrypt per guess, as the ciphertext already does. Because the whole header is
 * associated data, nobody without the passphrase can change the org name, levels (e.g. roll
 * a rotated role back to a leaked key), addresses or KDF parameters undetected.
 *
 * Dev mode ("encryption": "none"): the mnemonic in clear plus a warning field. Only for
 * the embedded single-machine demo.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { bytesToHex, hexToBytes, type Address, type Hex } from 'viem'
import { z } from 'zod'
import { InvalidScryptParametersError, KeystoreWrongPassphraseError } from '../errors/identity.ts'
import { canonicalBytes, type CanonicalValue } from './canonicalJson.ts'
import { roles, type Role } from './roles.ts'

export const KEYSTORE_FORMAT = 'databourse-keystore'
export const KEYSTORE_VERSION = 1
/** Largest keystore file read (a real one is ~1.5 KiB). */
export const KEYSTORE_MAX_BYTES = 64 * 1024
export const UNENCRYPTED_WARNING = 'UNENCRYPTED development keystore: anyone who can read this file controls these keys.'

export type ScryptParameters = { N: number; r: number; p: number }

/** Defaults: OWASP's scrypt minimum for secrets at rest (128 MiB, ~0.3 s on a 2024 server core). */
export const DEFAULT_SCRYPT: Readonly<ScryptParameters> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 })

/**
 * Accepted bounds, enforced on create and on every read (a hostile file must not make
 * unlock allocate gigabytes). The minimum N (2^10) exists for fast tests only.
 */
export function assertScryptParameters({ N, r, p }: ScryptParameters): void {
  const ok =
    Number.isInteger(N) && Number.isInteger(r) && Number.isInteger(p) &&
    N >= 2 ** 10 && N <= 2 ** 20 && (N & (N - 1)) === 0 &&
    r >= 1 && r <= 32 && p >= 1 && p <= 16 && 128 * N * r <= 2 ** 30
  if (!ok) throw new InvalidScryptParametersError({ N, r, p })
}

const hex = (bytes?: number) =>
  z
    .string()
    .regex(bytes === undefined ? /^0x(?:[0-9a-f]{2})+$/u : new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`, 'u'), 'expected lower-case 0x hex')
    .refine((value): value is Hex => value.startsWith('0x'))
const level = z.number().int().min(0).max(2 ** 31 - 1)
const perRole = <T extends z.ZodTypeAny>(schema: T) =>
  z.object(Object.fromEntries(roles.map((role) => [role, schema])) as Record<Role, T>).strict()

const header = {
  format: z.literal(KEYSTORE_FORMAT),
  version: z.literal(KEYSTORE_VERSION),
  org: z.string().min(1).max(200),
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
  account: level,
  fingerprint: hex(4),
  levels: perRole(level),
  addresses: perRole(z.string().refine((value): value is Address => /^0x[0-9a-fA-F]{40}$/u.test(value), 'expected an address')),
}

const encryptedSchema = z
  .object({
    ...header,
    encryption: z.literal('scrypt-aes-256-gcm'),
    kdf: z.object({ name: z.literal('scrypt'), N: z.number().int(), r: z.number().int(), p: z.number().int(), salt: hex(32) }).strict(),
    check: hex(16),
    cipher: z.object({ name: z.literal('aes-256-gcm'), iv: hex(12), ciphertext: hex(), tag: hex(16) }).strict(),
  })
  .strict()

const unencryptedSchema = z
  .object({ ...header, encryption: z.literal('none'), warning: z.string(), mnemonic: z.string().max(1000) })
  .strict()

export const keystoreFileSchema = z.discriminatedUnion('encryption', [encryptedSchema, unencryptedSchema])

/** A parsed keystore file. */
export type KeystoreFile = z.infer<typeof keystoreFileSchema>
export type EncryptedKeystoreFile = z.infer<typeof encryptedSchema>
export type UnencryptedKeystoreFile = z.infer<typeof unencryptedSchema>
/** `'scrypt-aes-256-gcm'` or `'none'` (dev mode). */
export type KeystoreEncryption = KeystoreFile['encryption']

/** The public header fields shared by both encodings. */
export type KeystoreHeader = {
  org: string
  createdAt: string
  updatedAt: string
  account: number
  fingerprint: Hex
  levels: Record<Role, number>
  addresses: Record<Role, Address>
}

/** A key derived from the passphrase, reusable to re-encrypt the same file (rotation). */
export type KeystoreKey = { kdf: EncryptedKeystoreFile['kdf']; check: Hex; encKey: Uint8Array }

/**
 * Derives the keystore key from a passphrase. With `kdf` (from a file) checks the passphrase
 * against `check` and throws `KeystoreWrongPassphraseError`; without, picks a fresh salt.
 */
export async function deriveKeystoreKey(
  passphrase: string,
  options: { path: string; scrypt: ScryptParameters; stored?: { kdf: EncryptedKeystoreFile['kdf']; check: Hex } },
): Promise<KeystoreKey> {
  const { N, r, p } = options.scrypt
  assertScryptParameters({ N, r, p })
  const salt = options.stored ? hexToBytes(options.stored.kdf.salt) : randomBytes(32)
  const master = await new Promise<Buffer>((resolve, reject) =>
    scryptCallback(passphrase.normalize('NFKC'), salt, 32, { N, r, p, maxmem: 256 * N * r + 2 ** 20 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
  const encKey = hkdf(sha256, master, undefined, utf8ToBytes('databourse/keystore/v1/encrypt'), 32)
  const check = hkdf(sha256, master, undefined, utf8ToBytes('databourse/keystore/v1/check'), 16)
  master.fill(0)
  if (options.stored && !timingSafeEqual(check, hexToBytes(options.stored.check))) {
    encKey.fill(0)
    throw new KeystoreWrongPassphraseError({ path: options.path })
  }
  return { kdf: { name: 'scrypt', N, r, p, salt: bytesToHex(salt) }, check: bytesToHex(check), encKey }
}

/** Encrypts `entropy` under `key`, authenticating `header`; returns the complete file. */
export function sealKeystore(header: KeystoreHeader, entropy: Uint8Array, key: KeystoreKey): EncryptedKeystoreFile {
  const unsealed = {
    format: KEYSTORE_FORMAT,
    version: KEYSTORE_VERSION,
    ...header,
    encryption: 'scrypt-aes-256-gcm',
    kdf: key.kdf,
    check: key.check,
  } as const
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key.encKey, iv, { authTagLength: 16 })
  cipher.setAAD(associatedData(unsealed))
  const ciphertext = Buffer.concat([cipher.update(entropy), cipher.final()])
  return {
    ...unsealed,
    cipher: { name: 'aes-256-gcm', iv: bytesToHex(iv), ciphertext: bytesToHex(ciphertext), tag: bytesToHex(cipher.getAuthTag()) },
  }
}

/** Decrypts the entropy; returns `undefined` when authentication fails (the file was modified). */
export function openKeystore(file: EncryptedKeystoreFile, key: KeystoreKey): Uint8Array | undefined {
  const { cipher: sealed, ...unsealed } = file
  const decipher = createDecipheriv('aes-256-gcm', key.encKey, hexToBytes(sealed.iv), { authTagLength: 16 })
  decipher.setAAD(associatedData(unsealed))
  decipher.setAuthTag(hexToBytes(sealed.tag))
  try {
    return new Uint8Array(Buffer.concat([decipher.update(hexToBytes(sealed.ciphertext)), decipher.final()]))
  } catch {
    return undefined
  }
}

/** Builds the dev-mode (unencrypted) file. */
export function plainKeystore(header: KeystoreHeader, mnemonic: string): UnencryptedKeystoreFile {
  return { format: KEYSTORE_FORMAT, version: KEYSTORE_VERSION, ...header, encryption: 'none', warning: UNENCRYPTED_WARNING, mnemonic }
}

/** Extracts the public header of a parsed file. */
export function headerOf(file: KeystoreFile): KeystoreHeader {
  const { org, createdAt, updatedAt, account, fingerprint, levels, addresses } = file
  return { org, createdAt, updatedAt, account, fingerprint, levels, addresses }
}

function associatedData(unsealed: Omit<EncryptedKeystoreFile, 'cipher'>): Uint8Array {
  return canonicalBytes(unsealed as unknown as CanonicalValue)
}
