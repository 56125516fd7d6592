/**
 * Alliance events -> `members`, `member_events`, `keys`, `key_events`.
 */
import { lowerHex } from '../../db/codec.ts'
import type { MemberEventsTable } from '../../db/schema.ts'
import { roles } from '../../identity/roles.ts'
import type { EventName, IndexedLog } from '../contracts.ts'
import { logColumns } from './logColumns.ts'
import type { ProcessorContext, Processor } from './types.ts'

/** `IAlliance.MemberStatus` names, in enum order. */
export const memberStatuses = ['None', 'Applied', 'Admitted', 'Suspended'] as const
export type MemberStatusName = (typeof memberStatuses)[number]

const SUPERVISOR_BIT = 1 << roles.indexOf('Supervisor')

function memberEvent(
  { store }: ProcessorContext,
  log: IndexedLog<'Alliance', EventName<'Alliance'>>,
  org: string,
  extra: Partial<Pick<MemberEventsTable, 'supervisor' | 'reason' | 'roles_mask'>> = {},
): void {
  store.append('member_events', {
    ...logColumns(log),
    org: lowerHex(org),
    event: log.eventName,
    supervisor: extra.supervisor ?? null,
    reason: extra.reason ?? null,
    roles_mask: extra.roles_mask ?? null,
  })
}

/** An organisation applied (or governance appointed a new supervisor organisation). */
export const memberApplied: Processor<'Alliance', 'MemberApplied'> = async (ctx, log) => {
  const { org, name, rolesMask } = log.args
  await ctx.store.insert('members', {
    org: lowerHex(org),
    name,
    status: 'Applied',
    roles_mask: Number(rolesMask),
    applied_block: log.blockNumber,
    applied_at: log.blockTime,
    admitted_by: null,
    admitted_at: null,
    suspended_by: null,
    suspended_reason: null,
    updated_block: log.blockNumber,
    updated_at: log.blockTime,
  })
  memberEvent(ctx, log, org, { roles_mask: Number(rolesMask) })
}

/** A supervisor (or governance, for a supervisor organisation) admitted it with its roles. */
export const memberAdmitted: Processor<'Alliance', 'MemberAdmitted'> = async (ctx, log) => {
  const { org, supervisor, rolesMask } = log.args
  await ctx.store.update('members', { org: lowerHex(org) }, {
    status: 'Admitted',
    roles_mask: Number(rolesMask),
    admitted_by: lowerHex(supervisor),
    admitted_at: log.blockTime,
    suspended_by: null,
    suspended_reason: null,
    updated_block: log.blockNumber,
    updated_at: log.blockTime,
  })
  memberEvent(ctx, log, org, { supervisor: lowerHex(supervisor), roles_mask: Number(rolesMask) })
}

/** A supervisor suspended it, with the reason. */
export const memberSuspended: Processor<'Alliance', 'MemberSuspended'> = async (ctx, log) => {
  const { org, supervisor, reason } = log.args
  await ctx.store.update('members', { org: lowerHex(org) }, {
    status: 'Suspended',
    suspended_by: lowerHex(supervisor),
    suspended_reason: reason,
    updated_block: log.blockNumber,
    updated_at: log.blockTime,
  })
  memberEvent(ctx, log, org, { supervisor: lowerHex(supervisor), reason })
}

/** A supervisor lifted the suspension. */
export const memberReinstated: Processor<'Alliance', 'MemberReinstated'> = async (ctx, log) => {
  const { org, supervisor } = log.args
  await ctx.store.update('members', { org: lowerHex(org) }, {
    status: 'Admitted',
    suspended_by: null,
    suspended_reason: null,
    updated_block: log.blockNumber,
    updated_at: log.blockTime,
  })
  memberEvent(ctx, log, org, { supervisor: lowerHex(supervisor) })
}

/** Governance appointed a supervisor organisation (after MemberApplied/MemberAdmitted if it was new). */
export const supervisorAdded: Processor<'Alliance', 'SupervisorAdded'> = async (ctx, log) => {
  const org = lowerHex(log.args.supervisor)
  const member = await ctx.store.require('members', { org }, 'SupervisorAdded')
  const mask = member.roles_mask | SUPERVISOR_BIT
  await ctx.store.update('members', { org }, { roles_mask: mask, updated_block: log.blockNumber, updated_at: log.blockTime })
  memberEvent(ctx, log, org, { roles_mask: mask })
}

/** Governance withdrew the supervisor role. */
export const supervisorRemoved: Processor<'Alliance', 'SupervisorRemoved'> = async (ctx, log) => {
  const org = lowerHex(log.args.supervisor)
  const member = await ctx.store.require('members', { org }, 'SupervisorRemoved')
  const mask = member.roles_mask & ~SUPERVISOR_BIT
  await ctx.store.update('members', { org }, { roles_mask: mask, updated_block: log.blockNumber, updated_at: log.blockTime })
  memberEvent(ctx, log, org, { roles_mask: mask })
}

function keyEvent({ store }: ProcessorContext, log: IndexedLog<'Alliance', 'KeyBound' | 'KeyUnbound'>): void {
  const { org, role, key } = log.args
  store.append('key_events', {
    ...logColumns(log),
    org: lowerHex(org),
    role,
    role_name: roles[role] ?? `Role${role}`,
    key: lowerHex(key),
    event: log.eventName,
  })
}

/** A key was bound (a key can be bound again after being unbound, even to another organisation). */
export const keyBound: Processor<'Alliance', 'KeyBound'> = async (ctx, log) => {
  const { org, role, key } = log.args
  const row = {
    key: lowerHex(key),
    org: lowerHex(org),
    role,
    role_name: roles[role] ?? `Role${role}`,
    bound: 1 as const,
    bound_block: log.blockNumber,
    bound_at: log.blockTime,
    unbound_block: null,
    unbound_at: null,
  }
  await ctx.store.upsert('keys', row, () => row)
  keyEvent(ctx, log)
}

/** A key was unbound (replaced by a rotation, or revoked); it stays in `keys` as history. */
export const keyUnbound: Processor<'Alliance', 'KeyUnbound'> = async (ctx, log) => {
  await ctx.store.update('keys', { key: lowerHex(log.args.key) }, { bound: 0, unbound_block: log.blockNumber, unbound_at: log.blockTime })
  keyEvent(ctx, log)
}
