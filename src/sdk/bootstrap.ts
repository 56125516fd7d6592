/**
 * Bringing organisations into the alliance: apply with roles, get admitted by a supervisor,
 * bind one function key per role, publish the encryption key supervision channel keys are
 * wrapped to. Used by `bourse init`/`demo`, tests and benchmarks alike.
 */
import type { Account, Hex } from 'viem'
import type { Actor, BourseClient } from './BourseClient.ts'
import type { RoleName } from './roles.ts'
import { publishEncryptionKeyIfChanged } from './supervision.ts'

export interface OrganisationSpec {
  name: string
  /** The organisation's administrative key: its identity in the Alliance contract. */
  admin: Account
  /** One function key per role the organisation takes. */
  keys: Partial<Record<RoleName, Account>>
  /** 33-byte compressed encryption public key to publish right after applying (Supervision). */
  encryptionPublicKey?: Hex
}

/**
 * Applies for `org`, publishes its encryption key (if given), has `supervisor` admit it and
 * binds its function keys.
 * @example
 * await joinAlliance(client, client.as(supervisorKey), { name: 'Alpha Retail', admin, keys: { Seller: sk }, encryptionPublicKey })
 */
export async function joinAlliance(client: BourseClient, supervisor: Actor, org: OrganisationSpec): Promise<void> {
  const roles = Object.keys(org.keys) as RoleName[]
  const admin = client.as(org.admin)
  await admin.applyForMembership(org.name, roles)
  if (org.encryptionPublicKey) await admin.publishEncryptionKey(org.encryptionPublicKey)
  await supervisor.admit(org.admin.address)
  for (const role of roles) await admin.bindKey(role, org.keys[role]!.address)
}

/**
 * Governance appoints a supervisor organisation and the organisation binds its supervisor
 * key (and publishes its encryption key, if given).
 */
export async function appointSupervisor(
  client: BourseClient,
  governance: Account,
  org: { name: string; admin: Account; supervisorKey: Account; encryptionPublicKey?: Hex },
): Promise<void> {
  await client.as(governance).addSupervisor(org.admin.address, org.name)
  await client.as(org.admin).bindKey('Supervisor', org.supervisorKey.address)
  if (org.encryptionPublicKey) await client.as(org.admin).publishEncryptionKey(org.encryptionPublicKey)
}

/**
 * The operator's part in supervision at bootstrap, each step only when it applies and is
 * not done yet: its organisation publishes its encryption key (it applied or was admitted),
 * and its supervisor key, when active, oversees every channel opened from now on.
 *
 * @example
 * await bootstrapSupervision(client, { admin: operator.admin, supervisorKey: operator.key('Supervisor'), encryptionPublicKey: operator.encryptionKey.publicKey })
 */
export async function bootstrapSupervision(client: BourseClient, org: { admin: Account; supervisorKey: Account; encryptionPublicKey: Hex }): Promise<void> {
  const { status } = await client.member(org.admin.address)
  if (status === 1 || status === 2) await publishEncryptionKeyIfChanged(client, org.admin, org.encryptionPublicKey)
  if (!(await client.isActive(org.supervisorKey.address, 'Supervisor'))) return
  const overseeing = (await client.overseers()).some((o) => o.toLowerCase() === org.admin.address.toLowerCase())
  if (!overseeing) await client.as(org.supervisorKey).oversee(true)
}
