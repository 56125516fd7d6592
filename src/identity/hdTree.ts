/**
 * An organisation's key tree (SPEC.md section 7, seed 003 section 3.3): one BIP-39 mnemonic,
 * BIP-32 derivation by organisation -> function -> level.
 *
 * Path scheme (every step hardened):
 *
 *     m / 44' / 60' / <account>' / <function>' / <level>'
 *
 * - `44'/60'`   BIP-44 purpose and SLIP-44 coin type of Ethereum, so any BIP-32 tool
 *               (viem's `mnemonicToAccount({ path })`, hardware wallets) reproduces the keys.
 * - `account'`  the organisation (normally 0; another index gives an unrelated key set
 *               from the same mnemonic, e.g. a subsidiary).
 * - `function'` one per role, numbered by `FUNCTION_INDEX` (pinned, independent of the
 *               contract enum so a contract change can never change a key).
 * - `level'`    the key generation of that function: 0 first, +1 on each rotation.
 *
 * Why hardened everywhere: with non-hardened derivation, a parent's extended public key plus
 * any one child private key yields the parent private key (and with it every sibling).
 * Hardened children are derived from the parent *private* key, so a leaked level key (even
 * with its chain code) reveals nothing about its function node, the other levels, the other
 * functions or the root; rotating to the next level therefore really replaces the key.
 * The price is that no extended public key can pre-compute future addresses; none is needed.
 *
 * The BIP-39 passphrase ("25th word") is always empty: the keystore passphrase protects the
 * mnemonic at rest instead (keystore.ts).
 */
import { HARDENED_OFFSET, HDKey } from '@scure/bip32'
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { bytesToHex, type Address, type Hex } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import {
  InvalidDerivationIndexError,
  InvalidMnemonicError,
  InvalidRootKeyError,
  InvalidSeedError,
  UnknownRoleError,
} from '../errors/identity.ts'
import { isRole, type Role } from './roles.ts'

/** BIP-44 purpose. */
export const PURPOSE = 44
/** SLIP-44 coin type of Ethereum (EVM keys, addresses and signatures). */
export const COIN_TYPE = 60

/**
 * The function index of each role in the derivation path. PINNED FOREVER: changing a value
 * changes every organisation's keys for that role. Add new roles with new, unused numbers.
 * (The values happen to equal today's `IAlliance.Role` enum indices; they must not follow
 * that enum if it is ever reordered.)
 *
 * @example
 * FUNCTION_INDEX.Storage // 3 -> m/44'/60'/0'/3'/<level>'
 */
export const FUNCTION_INDEX: Readonly<Record<Role, number>> = Object.freeze({
  Seller: 0,
  Buyer: 1,
  Platform: 2,
  Storage: 3,
  Compute: 4,
  Arbitrator: 5,
  Supervisor: 6,
  Validator: 7,
})

/** A BIP-32 derivation path in viem's accepted shape. */
export type DerivationPath = `m/44'/60'/${string}`

/** Where an organisation's keys come from: a mnemonic, a BIP-39 seed, or its master HD key. */
export type OrganisationKeySource = string | Uint8Array | HDKey

export type DeriveOptions = {
  /** Organisation account index (hardened). Default 0. */
  account?: number | undefined
}

/** One function key: the key a role signs with at one level. */
export type FunctionKey = {
  role: Role
  level: number
  account: number
  path: DerivationPath
  /** 32-byte secp256k1 private key. Secret: never log it. */
  privateKey: Hex
  /** 33-byte compressed public key. */
  publicKey: Hex
  address: Address
}

/**
 * A fresh 24-word (256-bit) English mnemonic from the platform CSPRNG.
 *
 * @example
 * const mnemonic = generateOrganisationMnemonic() // 'abandon ... art' (24 words)
 */
export function generateOrganisationMnemonic(): string {
  return generateMnemonic(wordlist, 256)
}

/**
 * Checks a mnemonic and returns it in canonical form (lower case, single spaces). Throws an
 * `InvalidMnemonicError` that says what is wrong (count, which word, checksum) without ever
 * quoting a word.
 *
 * @example
 * normalizeMnemonic('  Test test test test test test test test test test test junk ')
 * // 'test test test test test test test test test test test junk'
 */
export function normalizeMnemonic(mnemonic: string): string {
  const words = mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/u).filter(Boolean)
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    throw new InvalidMnemonicError({ reason: 'word-count', wordCount: words.length })
  }
  const unknown = words.findIndex((word) => !wordlist.includes(word))
  if (unknown >= 0) throw new InvalidMnemonicError({ reason: 'unknown-word', wordCount: words.length, position: unknown + 1 })
  const phrase = words.join(' ')
  if (!validateMnemonic(phrase, wordlist)) throw new InvalidMnemonicError({ reason: 'checksum', wordCount: words.length })
  return phrase
}

/**
 * The master HD key of an organisation. Pass it to `deriveFunctionKey` when deriving many
 * keys, to run BIP-39's PBKDF2 once. Call `wipePrivateData()` on it when done.
 *
 * @example
 * const root = createOrganisationRoot(mnemonic)
 * const seller = deriveFunctionKey(root, 'Seller', 0)
 * root.wipePrivateData()
 */
export function createOrganisationRoot(source: string | Uint8Array): HDKey {
  if (typeof source === 'string') {
    const seed = mnemonicToSeedSync(normalizeMnemonic(source))
    try {
      return HDKey.fromMasterSeed(seed)
    } finally {
      seed.fill(0)
    }
  }
  if (!(source instanceof Uint8Array) || source.length < 16 || source.length > 64) {
    throw new InvalidSeedError({ length: source instanceof Uint8Array ? source.length : 0 })
  }
  return HDKey.fromMasterSeed(source)
}

/**
 * The derivation path of a role's key at a level.
 *
 * @example
 * functionKeyPath('Buyer', 2)               // "m/44'/60'/0'/1'/2'"
 * functionKeyPath('Buyer', 2, { account: 7 }) // "m/44'/60'/7'/1'/2'"
 */
export function functionKeyPath(role: Role, level: number, options: DeriveOptions = {}): DerivationPath {
  const account = checkIndex('account', options.account ?? 0)
  return `${functionNodePath(role, account)}/${checkIndex('level', level)}'`
}

/**
 * Derives the key a role signs with at a level. `level` starts at 0; rotation uses level+1.
 *
 * @example
 * const key = deriveFunctionKey(mnemonic, 'Seller', 0)
 * key.path    // "m/44'/60'/0'/0'/0'"
 * key.address // '0x…'
 * const account = privateKeyToAccount(key.privateKey) // viem signer
 */
export function deriveFunctionKey(
  source: OrganisationKeySource,
  role: Role,
  level: number,
  options: DeriveOptions = {},
): FunctionKey {
  const path = functionKeyPath(role, level, options)
  return withRoot(source, (root) => toFunctionKey(root.derive(path), role, level, options.account ?? 0, path))
}

/**
 * The function node `m/44'/60'/<account>'/<function>'`: the unit that can be delegated to
 * the department operating one role (it derives every level of that role and nothing else).
 * Whoever holds it can rotate that role without the mnemonic; a leak of it compromises that
 * role at every level, so prefer handing out level keys.
 *
 * @example
 * const storageNode = deriveFunctionNode(mnemonic, 'Storage')
 * deriveFunctionKeyFromNode(storageNode, 'Storage', 1).address
 */
export function deriveFunctionNode(source: OrganisationKeySource, role: Role, options: DeriveOptions = {}): HDKey {
  const account = checkIndex('account', options.account ?? 0)
  return withRoot(source, (root) => root.derive(functionNodePath(role, account)))
}

/**
 * Derives a level key from a delegated function node (see `deriveFunctionNode`). Checks the
 * node really is that role's function node (depth 4, hardened index of the role). A node
 * does not record its account index: pass the one it was derived with (default 0) so that
 * the returned `path` is right.
 *
 * @example
 * deriveFunctionKeyFromNode(storageNode, 'Storage', 0) // same as deriveFunctionKey(mnemonic, 'Storage', 0)
 */
export function deriveFunctionKeyFromNode(node: HDKey, role: Role, level: number, options: DeriveOptions = {}): FunctionKey {
  const path = functionKeyPath(role, level, options)
  if (node.depth !== 4 || node.index !== HARDENED_OFFSET + FUNCTION_INDEX[role] || !node.privateKey) {
    throw new InvalidRootKeyError({ depth: node.depth, hasPrivateKey: node.privateKey !== null, expected: 'function node' })
  }
  return toFunctionKey(node.deriveChild(HARDENED_OFFSET + level), role, level, options.account ?? 0, path)
}

/**
 * The BIP-32 fingerprint (first 4 bytes of HASH160 of the master public key), a public
 * identifier of an organisation's tree, e.g. to match a recovery escrow with a keystore.
 *
 * @example
 * organisationFingerprint(mnemonic) // '0x8a3f12c4'
 */
export function organisationFingerprint(source: OrganisationKeySource): Hex {
  return withRoot(source, (root) => `0x${root.fingerprint.toString(16).padStart(8, '0')}` as Hex)
}

function functionNodePath(role: Role, account: number): DerivationPath {
  if (!isRole(role)) throw new UnknownRoleError({ role })
  return `m/${PURPOSE}'/${COIN_TYPE}'/${account}'/${FUNCTION_INDEX[role]}'`
}

function checkIndex(what: 'account' | 'level', value: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= HARDENED_OFFSET) throw new InvalidDerivationIndexError({ what, value })
  return value
}

/** Runs `fn` on the master key, wiping the master key afterwards when this call created it. */
function withRoot<T>(source: OrganisationKeySource, fn: (root: HDKey) => T): T {
  if (source instanceof HDKey) {
    if (source.depth !== 0 || !source.privateKey) {
      throw new InvalidRootKeyError({ depth: source.depth, hasPrivateKey: source.privateKey !== null, expected: 'master key' })
    }
    return fn(source)
  }
  const root = createOrganisationRoot(source)
  try {
    return fn(root)
  } finally {
    root.wipePrivateData()
  }
}

function toFunctionKey(node: HDKey, role: Role, level: number, account: number, path: DerivationPath): FunctionKey {
  // Depth-5 hardened nodes always carry both keys; the check keeps the types honest.
  if (!node.privateKey || !node.publicKey) {
    throw new InvalidRootKeyError({ depth: node.depth, hasPrivateKey: false, expected: 'private key' })
  }
  const privateKey = bytesToHex(node.privateKey)
  const key: FunctionKey = {
    role,
    level,
    account,
    path,
    privateKey,
    publicKey: bytesToHex(node.publicKey),
    address: privateKeyToAddress(privateKey),
  }
  node.wipePrivateData()
  return key
}
