/**
 * The keys this node may act for: the administrative key and every role key of its local
 * organisations (src/node/organisations.ts). The API sends a transaction with a key only
 * when the request was signed by that same key.
 */
import type { Address, LocalAccount } from 'viem'
import type { Role } from '../identity/roles.ts'
import type { DataDir } from '../node/dataDir.ts'
import { listOrganisations, loadOrganisation, type LocalOrganisation } from '../node/organisations.ts'

/** `Admin` is the organisation's identity key (apply, bind keys); the others are role keys. */
export type KeyRole = Role | 'Admin'

/** A key the node holds. */
export interface LocalKey {
  account: LocalAccount
  /** Local organisation name. */
  org: string
  role: KeyRole
}

export interface Keyring {
  /** The local key with this address, if the node holds it. */
  find(address: Address): Promise<LocalKey | undefined>
}

/**
 * A fixed keyring (tests, benchmarks, embedding).
 *
 * @example
 * const keyring = staticKeyring([{ account: buyerKey, org: 'beta', role: 'Buyer' }])
 */
export function staticKeyring(keys: readonly LocalKey[]): Keyring {
  const byAddress = new Map(keys.map((k) => [k.account.address.toLowerCase(), k]))
  return { find: async (address) => byAddress.get(address.toLowerCase()) }
}

/** Every key of one unlocked organisation. */
export function organisationKeys(org: LocalOrganisation): LocalKey[] {
  const roleKeys = Object.keys(org.addresses()).map((role) => ({ account: org.key(role as Role), org: org.name, role: role as KeyRole }))
  return [{ account: org.admin, org: org.name, role: 'Admin' }, ...roleKeys]
}

export interface DataDirKeyringOptions {
  /**
   * Least time between two rescans of `<dataDir>/orgs` on an unknown address while the set of
   * organisation files stays the same (ms, default 2000); a new or removed file rescans at once.
   */
  rescanIntervalMs?: number | undefined
}

/**
 * The keys of every organisation in `<dataDir>/orgs`, rescanned when an unknown address asks
 * and the organisations changed (at once) or a few seconds passed, so organisations created
 * while the node runs are found — also by a command that follows `bourse org create` at once.
 *
 * @example
 * const keyring = dataDirKeyring(new DataDir('.bourse'))
 */
export function dataDirKeyring(dataDir: DataDir, options: DataDirKeyringOptions = {}): Keyring {
  const interval = options.rescanIntervalMs ?? 2000
  let byAddress = new Map<string, LocalKey>()
  let scannedAt = -Infinity
  let scannedNames = ''
  let scanning: Promise<void> | undefined
  const scan = async () => {
    const next = new Map<string, LocalKey>()
    const names = listOrganisations(dataDir)
    scannedNames = names.join('/')
    for (const name of names) {
      try {
        for (const key of organisationKeys(await loadOrganisation(dataDir, name))) next.set(key.account.address.toLowerCase(), key)
      } catch {
        // A keystore this node cannot unlock (other passphrase, or being written): not ours to act for.
      }
    }
    byAddress = next
    scannedAt = Date.now()
  }
  return {
    async find(address) {
      const hit = byAddress.get(address.toLowerCase())
      if (hit) return hit
      if (Date.now() - scannedAt >= interval || listOrganisations(dataDir).join('/') !== scannedNames) {
        scanning ??= scan().finally(() => (scanning = undefined))
        await scanning
      }
      return byAddress.get(address.toLowerCase())
    },
  }
}
