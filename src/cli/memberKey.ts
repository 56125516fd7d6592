/**
 * The key a command signs an API request with on behalf of an organisation, when any of its
 * function keys will do (reading a member-only envelope, starting an enclave job): the first
 * role, in enum order, whose key is bound and active on chain.
 */
import type { LocalAccount } from 'viem'
import { UsageError } from '../errors/node.ts'
import { roles, type Role } from '../identity/roles.ts'
import type { CliContext } from './context.ts'

/** @throws {UsageError} when the organisation has no active function key */
export async function memberKey(ctx: CliContext, orgName: string): Promise<LocalAccount> {
  const [client, org] = await Promise.all([ctx.client(), ctx.org(orgName)])
  for (const role of roles as readonly Role[]) {
    const key = org.key(role)
    if (await client.isActive(key.address, role)) return key
  }
  throw new UsageError(`Organisation ${orgName} has no active function key to sign with.`)
}
