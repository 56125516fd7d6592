/**
 * The organisations a node acts for: their keystores in `<dataDir>/orgs/`, unlocked into viem
 * accounts — one administrative key (the organisation's identity in the Alliance contract)
 * and one function key per role (SPEC.md section 7).
 *
 * Passphrase: `BOURSE_PASSPHRASE` (or `BOURSE_PASSPHRASE_<ORG>` for one organisation, the
 * name upper-cased with non-alphanumerics as `_`). With neither set the keystore is a
 * development keystore stored unencrypted, and a warning says so.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { HDKey } from '@scure/bip32'
import { mnemonicToSeedSync } from '@scure/bip39'
import { bytesToHex, type Address } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { OrganisationError } from '../errors/node.ts'
import { EncryptionKeyPair } from '../identity/encryptionKey.ts'
import { createKeystore, unlockKeystore, type UnlockedKeystore } from '../identity/keystore.ts'
import { roles, type Role } from '../identity/roles.ts'
import type { DataDir } from './dataDir.ts'

/**
 * Function index of the administrative key, beside the role functions 0-7 of
 * src/identity/hdTree.ts: m/44'/60'/<account>'/100'/0'. Pinned forever.
 */
export const ADMIN_FUNCTION_INDEX = 100

/**
 * Function index of the encryption key pair (supervision: channel keys are wrapped to its
 * public half, which the organisation publishes on chain): m/44'/60'/<account>'/200'/0'.
 * Never a signing key. Pinned forever: changing it makes every organisation unable to
 * unwrap the channel keys wrapped to its published key.
 */
export const ENCRYPTION_FUNCTION_INDEX = 200

/** An unlocked local organisation. */
export interface LocalOrganisation {
  name: string
  /** The organisation's identity (applies, binds keys). */
  admin: PrivateKeyAccount
  /** ECDH key pair for supervision channel keys (public half published on chain); see {@link ENCRYPTION_FUNCTION_INDEX}. */
  encryptionKey: EncryptionKeyPair
  /** The current key of `role`. */
  key(role: Role): PrivateKeyAccount
  /** Current addresses of every role. */
  addresses(): Record<Role, Address>
  close(): void
}

const namePattern = /^[a-z0-9][a-z0-9-]{0,39}$/

/** Checks a local organisation name (used as a file name). */
export function checkOrganisationName(name: string): string {
  if (!namePattern.test(name)) {
    throw new OrganisationError(`Invalid organisation name "${name}".`, { details: 'Use 1-40 lowercase letters, digits and dashes, starting with a letter or digit.' })
  }
  return name
}

/** The passphrase of a local organisation's keystore (the rule in this module's header). */
export function passphraseFor(name: string): string {
  const specific = process.env[`BOURSE_PASSPHRASE_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`]
  return specific ?? process.env.BOURSE_PASSPHRASE ?? ''
}

function onWarning(): void {
  if (!warned) process.stderr.write('warning: development keystores are stored UNENCRYPTED (set BOURSE_PASSPHRASE to encrypt them)\n')
  warned = true
}
let warned = false

function wrap(name: string, keystore: UnlockedKeystore): LocalOrganisation {
  const seed = mnemonicToSeedSync(keystore.mnemonic)
  const root = HDKey.fromMasterSeed(seed)
  seed.fill(0)
  const adminNode = root.derive(`m/44'/60'/${keystore.account}'/${ADMIN_FUNCTION_INDEX}'/0'`)
  const admin = privateKeyToAccount(bytesToHex(adminNode.privateKey!))
  adminNode.wipePrivateData()
  const encryptionNode = root.derive(`m/44'/60'/${keystore.account}'/${ENCRYPTION_FUNCTION_INDEX}'/0'`)
  const encryptionKey = new EncryptionKeyPair(encryptionNode.privateKey!)
  encryptionNode.wipePrivateData()
  root.wipePrivateData()
  const accounts = new Map<Role, PrivateKeyAccount>()
  return {
    name,
    admin,
    encryptionKey,
    key(role) {
      let account = accounts.get(role)
      if (!account) {
        account = privateKeyToAccount(keystore.key(role).privateKey)
        accounts.set(role, account)
      }
      return account
    },
    addresses() {
      return Object.fromEntries(roles.map((r) => [r, this.key(r).address])) as Record<Role, Address>
    },
    close: () => {
      encryptionKey.wipe()
      keystore.close()
    },
  }
}

/** Creates a new organisation keystore; returns the organisation and its mnemonic (show once). */
export async function createOrganisation(dataDir: DataDir, name: string, displayName = name): Promise<{ org: LocalOrganisation; mnemonic: string }> {
  checkOrganisationName(name)
  const path = dataDir.orgKeystore(name)
  if (existsSync(path)) throw new OrganisationError(`Organisation "${name}" already exists in ${dataDir.orgs}.`)
  mkdirSync(dataDir.orgs, { recursive: true })
  const { mnemonic, keystore } = await createKeystore({ path, org: displayName, passphrase: passphraseFor(name), onWarning })
  return { org: wrap(name, keystore), mnemonic }
}

const cache = new Map<string, LocalOrganisation>()

/** Unlocks a local organisation (cached for the life of the process). */
export async function loadOrganisation(dataDir: DataDir, name: string): Promise<LocalOrganisation> {
  checkOrganisationName(name)
  const path = dataDir.orgKeystore(name)
  const cached = cache.get(path)
  if (cached) return cached
  if (!existsSync(path)) {
    const known = listOrganisations(dataDir)
    throw new OrganisationError(`No local organisation "${name}".`, { details: known.length ? `Known: ${known.join(', ')}.` : 'Create one with `bourse org create <name>`.' })
  }
  const org = wrap(name, await unlockKeystore({ path, passphrase: passphraseFor(name), onWarning }))
  cache.set(path, org)
  return org
}

/** Names of the local organisations. */
export function listOrganisations(dataDir: DataDir): string[] {
  if (!existsSync(dataDir.orgs)) return []
  return readdirSync(dataDir.orgs).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort()
}
