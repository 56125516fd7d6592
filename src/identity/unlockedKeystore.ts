/**
 * The in-memory form of an unlocked keystore (see keystore.ts for how to get one).
 */
import type { HDKey } from '@scure/bip32'
import type { Address, Hex } from 'viem'
import { KeystoreClosedError } from '../errors/identity.ts'
import { deriveFunctionKey, type DerivationPath, type FunctionKey } from './hdTree.ts'
import { headerOf, type KeystoreEncryption, type KeystoreFile } from './keystoreFormat.ts'
import { roles, type Role } from './roles.ts'

/** A role's key at one level, public part only. */
export type RoleAddress = { level: number; path: DerivationPath; address: Address }

/**
 * An unlocked keystore. The mnemonic lives in a private field: it is not enumerable, not
 * serialised by `JSON.stringify` and not printed by `console.log`. Call `close()` when done.
 */
export class UnlockedKeystore {
  readonly path: string
  readonly org: string
  readonly account: number
  readonly createdAt: string
  readonly updatedAt: string
  readonly encryption: KeystoreEncryption
  readonly fingerprint: Hex
  readonly levels: Readonly<Record<Role, number>>
  #root: HDKey | undefined
  #mnemonic: string | undefined

  /**
   * @internal Use `unlockKeystore`, `createKeystore` or `importKeystore`. Takes ownership of
   * `root` (the master key of `mnemonic`).
   */
  constructor(path: string, file: KeystoreFile, mnemonic: string, root: HDKey) {
    const header = headerOf(file)
    this.path = path
    this.org = header.org
    this.account = header.account
    this.createdAt = header.createdAt
    this.updatedAt = header.updatedAt
    this.encryption = file.encryption
    this.fingerprint = header.fingerprint
    this.levels = Object.freeze({ ...header.levels })
    this.#mnemonic = mnemonic
    this.#root = root
  }

  /** The organisation mnemonic (secret), e.g. to create a recovery kit. */
  get mnemonic(): string {
    if (this.#mnemonic === undefined) throw new KeystoreClosedError({ path: this.path })
    return this.#mnemonic
  }

  /**
   * A role's key at its current level, or at an explicit (e.g. older) level.
   *
   * @example
   * keystore.key('Seller').privateKey     // current Seller key
   * keystore.key('Seller', 0).address     // the first Seller key, e.g. to drain its balance
   */
  key(role: Role, level: number = this.levels[role]): FunctionKey {
    if (this.#root === undefined) throw new KeystoreClosedError({ path: this.path })
    return deriveFunctionKey(this.#root, role, level, { account: this.account })
  }

  /** The current public key data of every role. */
  addresses(): Record<Role, RoleAddress> {
    if (this.#root === undefined) throw new KeystoreClosedError({ path: this.path })
    const root = this.#root
    return Object.fromEntries(roles.map((role) => [role, roleAddress(root, role, this.levels[role], this.account)])) as Record<Role, RoleAddress>
  }

  /** Wipes the in-memory master key (best effort: JavaScript strings cannot be wiped). */
  close(): void {
    this.#root?.wipePrivateData()
    this.#root = undefined
    this.#mnemonic = undefined
  }
}

/**
 * The public data of a role's key at a level.
 *
 * @example
 * roleAddress(root, 'Buyer', 0, 0) // { level: 0, path: "m/44'/60'/0'/1'/0'", address: '0x…' }
 */
export function roleAddress(root: HDKey, role: Role, level: number, account: number): RoleAddress {
  const { path, address } = deriveFunctionKey(root, role, level, { account })
  return { level, path, address }
}
