/**
 * Bringing organisations into the alliance: apply with roles, get admitted by a supervisor,
 * bind one function key per role. Used by `bourse init`/`demo`, tests and benchmarks alike.
 */
import type { Account } from 'viem'
import type { Actor, BourseClient } from './BourseClient.ts'
import type { RoleName } from './roles.ts'

export interface OrganisationSpec {
  name: string
  /** The organisation's administrative key: its identity in the Alliance contract. */
  admin: Account
  /** One function key per role the organisation takes. */
  keys: Partial<Record<RoleName, Account>>
}

/**
 * Applies for `org`, has `supervisor` admit it and binds its function keys.
 * @example
 * await joinAlliance(client, client.as(supervisorKey), { name: 'Alpha Retail', admin, keys: { Seller: sk } })
 */
export async function joinAlliance(client: BourseClient, supervisor: Actor, org: OrganisationSpec): Promise<void> {
  const roles = Object.keys(org.keys) as RoleName[]
  const admin = client.as(org.admin)
  await admin.applyForMembership(org.name, roles)
  await supervisor.admit(org.admin.address)
  for (const role of roles) await admin.bindKey(role, org.keys[role]!.address)
}

/**
 * Governance appoints a supervisor organisation and the organisation binds its supervisor key.
 */
export async function appointSupervisor(client: BourseClient, governance: Account, org: { name: string; admin: Account; supervisorKey: Account }): Promise<void> {
  await client.as(governance).addSupervisor(org.admin.address, org.name)
  await client.as(org.admin).bindKey('Supervisor', org.supervisorKey.address)
}
