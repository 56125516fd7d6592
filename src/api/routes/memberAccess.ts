/**
 * Who may read a member's own data (balances, history): its identity key, any key bound to
 * it, or an active supervisor key (supervision, SPEC.md section 4). Facts come from the chain
 * through the cached {@link RoleCache}.
 */
import type { Address } from 'viem'
import { ApiForbiddenError } from '../../errors/api.ts'
import type { RoleCache } from '../auth/RoleCache.ts'

/**
 * @throws {ApiForbiddenError} `not-owner`
 * @example
 * await assertMemberAccess(auth.roles, signer, org)
 */
export async function assertMemberAccess(roles: RoleCache, signer: Address, org: Address): Promise<void> {
  if (signer.toLowerCase() === org.toLowerCase()) return
  const info = await roles.keyInfo(signer)
  if (info.org.toLowerCase() === org.toLowerCase()) return
  if (await roles.isActive(signer, 'Supervisor')) return
  throw new ApiForbiddenError({ reason: 'not-owner', signer, details: `only ${org}'s own keys and supervisors read its balances and history` })
}
