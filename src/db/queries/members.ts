/**
 * Members (organisations) with their keys, balances (per function key and in total) and
 * trade history; single-account balances.
 */
import { sql, type Kysely, type Selectable } from 'kysely'
import type { Address } from 'viem'
import { roles, type Role } from '../../identity/roles.ts'
import { decodeAmount, toAddress } from '../codec.ts'
import type { Database, KeysTable, MembersTable } from '../schema.ts'
import { decodeCursor, encodeCursor, pageLimit, toPage, type Page } from './pagination.ts'
import { listTrades, type TradeRecord, type TradeRole } from './trades.ts'
import { addressParam, enumParam } from './validate.ts'

export const memberStatusNames = ['Applied', 'Admitted', 'Suspended'] as const
export type MemberStatusName = (typeof memberStatusNames)[number]

export interface MemberRecord {
  org: Address
  name: string
  status: MemberStatusName
  roles: Role[]
  rolesMask: number
  appliedAt: number
  admittedBy: Address | null
  admittedAt: number | null
  suspendedBy: Address | null
  suspendedReason: string | null
  updatedAt: number
}

export interface KeyRecord {
  key: Address
  role: Role
  /** False once unbound (rotated or revoked). */
  bound: boolean
  boundAt: number
  unboundAt: number | null
}

/** Internal Marketplace balances of one key and its credit-token balance. */
export interface AccountRecord {
  address: Address
  available: bigint
  locked: bigint
  orders: number
  /** AllianceCredit held by the key itself (outside the Marketplace). */
  credit: bigint
}

export interface MemberBalances {
  org: Address
  /** One entry per key the organisation ever bound. */
  keys: (AccountRecord & { role: Role; bound: boolean })[]
  total: { available: bigint; locked: bigint; credit: bigint }
}

function rolesOf(mask: number): Role[] {
  return roles.filter((_, i) => (mask & (1 << i)) !== 0)
}

/** The API shape of a `members` row. */
export function memberFromRow(r: Selectable<MembersTable>): MemberRecord {
  return {
    org: toAddress(r.org),
    name: r.name,
    status: r.status as MemberStatusName,
    roles: rolesOf(r.roles_mask),
    rolesMask: r.roles_mask,
    appliedAt: r.applied_at,
    admittedBy: r.admitted_by === null ? null : toAddress(r.admitted_by),
    admittedAt: r.admitted_at,
    suspendedBy: r.suspended_by === null ? null : toAddress(r.suspended_by),
    suspendedReason: r.suspended_reason,
    updatedAt: r.updated_at,
  }
}

function keyFromRow(r: Selectable<KeysTable>): KeyRecord {
  return { key: toAddress(r.key), role: r.role_name as Role, bound: r.bound === 1, boundAt: r.bound_at, unboundAt: r.unbound_at }
}

export interface ListMembersParameters {
  status?: MemberStatusName | undefined
  /** Only members granted this role. */
  role?: Role | undefined
  limit?: number | undefined
  cursor?: string | undefined
}

/**
 * Members ordered by organisation address.
 *
 * @example
 * const sellers = await listMembers(db, { status: 'Admitted', role: 'Seller' })
 * @throws {QueryParameterError}
 */
export async function listMembers(db: Kysely<Database>, p: ListMembersParameters = {}): Promise<Page<MemberRecord>> {
  const limit = pageLimit(p.limit)
  let q = db.selectFrom('members').selectAll()
  if (p.status !== undefined) q = q.where('status', '=', enumParam('status', p.status, memberStatusNames))
  if (p.role !== undefined) {
    const bit = 1 << roles.indexOf(enumParam('role', p.role, roles))
    q = q.where(sql<boolean>`(roles_mask & ${bit}) <> 0`)
  }
  if (p.cursor !== undefined) {
    const [org] = decodeCursor(p.cursor, 'members', [/^0x[0-9a-f]{40}$/]) as [string]
    q = q.where('org', '>', org)
  }
  const rows = await q.orderBy('org').limit(limit + 1).execute()
  return toPage(rows, limit, memberFromRow, (r) => encodeCursor('members', [r.org]))
}

/**
 * A member with every key it ever bound, or undefined.
 *
 * @example
 * const { member, keys } = (await getMember(db, orgAddress))!
 */
export async function getMember(db: Kysely<Database>, org: string): Promise<{ member: MemberRecord; keys: KeyRecord[] } | undefined> {
  const id = addressParam('org', org)
  const row = await db.selectFrom('members').selectAll().where('org', '=', id).executeTakeFirst()
  if (!row) return undefined
  const keys = await db.selectFrom('keys').selectAll().where('org', '=', id).orderBy('role').orderBy('bound_block').execute()
  return { member: memberFromRow(row), keys: keys.map(keyFromRow) }
}

/**
 * Balances of one key (zeros for an address the Marketplace never saw).
 *
 * @example
 * const { available, locked } = await getAccount(db, buyerKey)
 */
export async function getAccount(db: Kysely<Database>, address: string): Promise<AccountRecord> {
  const id = addressParam('address', address)
  const [account, credit] = await Promise.all([
    db.selectFrom('accounts').selectAll().where('address', '=', id).executeTakeFirst(),
    db.selectFrom('credit_balances').select('balance').where('address', '=', id).executeTakeFirst(),
  ])
  return {
    address: toAddress(id),
    available: account ? decodeAmount(account.available) : 0n,
    locked: account ? decodeAmount(account.locked) : 0n,
    orders: account?.orders ?? 0,
    credit: credit ? decodeAmount(credit.balance) : 0n,
  }
}

/**
 * Balances of every key of a member and their totals (undefined for an unknown member).
 *
 * @example
 * const balances = await getMemberBalances(db, orgAddress)
 * balances?.total.available
 */
export async function getMemberBalances(db: Kysely<Database>, org: string): Promise<MemberBalances | undefined> {
  const found = await getMember(db, org)
  if (!found) return undefined
  const keys = await Promise.all(found.keys.map(async (k) => ({ ...(await getAccount(db, k.key)), role: k.role, bound: k.bound })))
  const total = keys.reduce((t, k) => ({ available: t.available + k.available, locked: t.locked + k.locked, credit: t.credit + k.credit }), { available: 0n, locked: 0n, credit: 0n })
  return { org: found.member.org, keys, total }
}

export interface MemberTradesParameters {
  role?: TradeRole | undefined
  open?: boolean | undefined
  limit?: number | undefined
  cursor?: string | undefined
}

/**
 * Trades in which any key the member ever bound took part, newest first.
 *
 * @example
 * const history = await getMemberTrades(db, orgAddress, { limit: 50 })
 */
export async function getMemberTrades(db: Kysely<Database>, org: string, p: MemberTradesParameters = {}): Promise<Page<TradeRecord>> {
  const keys = await db.selectFrom('keys').select('key').where('org', '=', addressParam('org', org)).execute()
  return listTrades(db, { ...p, participants: keys.map((k) => k.key) })
}
