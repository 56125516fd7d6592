/**
 * Members (organisations): list and read them, apply for membership and bind keys (the
 * organisation's identity key), admit, suspend and reinstate (a Supervisor key), and a
 * member's own balances and trade history (signed by one of its keys, or a supervisor's).
 */
import { createRoute, z } from '@hono/zod-openapi'
import type { Address } from 'viem'
import { getMember, getMemberBalances, getMemberTrades, listMembers, memberStatusNames, tradeRoles } from '../../db/index.ts'
import { ApiForbiddenError, ApiNotFoundError, ApiUnavailableError } from '../../errors/api.ts'
import { roles } from '../../identity/roles.ts'
import type { BourseClient } from '../../sdk/BourseClient.ts'
import { toJson } from '../json.ts'
import { AddressSchema, CursorSchema, LimitSchema, QueryBooleanSchema, RoleSchema, TxSchema } from '../schemas/common.ts'
import { errors, jsonBody, jsonResponse, signedErrors, signedSecurity } from '../schemas/openapi.ts'
import type { RegisterRoutes } from './context.ts'
import { assertMemberAccess } from './memberAccess.ts'
import { tradeJson } from './tradeJson.ts'

const chainStatuses = ['None', 'Applied', 'Admitted', 'Suspended'] as const

const MemberSchema = z
  .object({
    org: z.string(),
    name: z.string().optional(),
    status: z.string(),
    roles: z.array(z.string()),
    source: z.enum(['database', 'chain']),
  })
  .passthrough()
  .openapi('Member')

const OrgParams = z.object({ org: AddressSchema.openapi({ param: { name: 'org', in: 'path' }, type: 'string' }) })
const ListQuery = z.object({ status: z.enum(memberStatusNames).optional(), role: RoleSchema.optional(), limit: LimitSchema, cursor: CursorSchema })
const HistoryQuery = z.object({ role: z.enum(tradeRoles).optional(), open: QueryBooleanSchema.optional(), limit: LimitSchema, cursor: CursorSchema })

const ApplySchema = z
  .object({ name: z.string().min(1).max(128), roles: z.array(RoleSchema).min(1).max(roles.length) })
  .strict()
  .openapi('MembershipApplication')
const BindKeySchema = z.object({ role: RoleSchema, key: AddressSchema }).strict().openapi('KeyBinding')
const SuspendSchema = z.object({ reason: z.string().min(1).max(1024) }).strict().openapi('Suspension')

const WrittenSchema = z.object({ org: z.string(), tx: TxSchema }).openapi('MemberChange')

const rolesOfMask = (mask: bigint) => roles.filter((_, i) => (mask >> BigInt(i)) & 1n)
const tx = (r: { hash: string; gasUsed: bigint }) => ({ hash: r.hash, gasUsed: r.gasUsed.toString() })

/** A member read from the chain (not indexed yet), with the key currently bound to each of its roles. */
async function chainMember(client: BourseClient, org: Address) {
  const m = await client.member(org)
  if (m.status === 0) throw new ApiNotFoundError({ resource: 'member', id: org })
  const granted = rolesOfMask(m.rolesMask)
  const bound = await Promise.all(granted.map(async (role) => ({ role, key: await client.keyOf(org, role) })))
  const keys = bound.filter((k) => !/^0x0{40}$/.test(k.key)).map((k) => ({ key: k.key, role: k.role, bound: true }))
  return { org, status: chainStatuses[m.status] ?? String(m.status), roles: granted, keys, source: 'chain' as const }
}

/** Balances of every current key of `org` read from the chain, in the database's shape (no database). */
async function chainMemberBalances(client: BourseClient, org: Address) {
  const { rolesMask } = await client.member(org)
  const keys = []
  for (const role of rolesOfMask(rolesMask)) {
    const address = await client.keyOf(org, role)
    if (/^0x0{40}$/.test(address)) continue
    const b = await client.balances(address)
    keys.push({ address, available: b.available, locked: b.locked, orders: Number(b.orders), credit: b.tokens, role, bound: true })
  }
  const total = keys.reduce((t, k) => ({ available: t.available + k.available, locked: t.locked + k.locked, credit: t.credit + k.credit }), { available: 0n, locked: 0n, credit: 0n })
  return { org, keys, total }
}

const MemberBalancesSchema = z
  .object({
    org: z.string(),
    keys: z.array(z.object({ address: z.string(), role: z.string(), bound: z.boolean(), available: z.string(), locked: z.string(), orders: z.number(), credit: z.string() })),
    total: z.object({ available: z.string(), locked: z.string(), credit: z.string() }),
  })
  .openapi('MemberBalances')

export const memberRoutes: RegisterRoutes = (app, { deps, auth }) => {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/members',
      tags: ['members'],
      summary: 'Members by status and role',
      request: { query: ListQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(MemberSchema), nextCursor: z.string().nullable() }), 'One page'), ...errors(400, 503) },
    }),
    async (c) => {
      if (!deps.database) throw new ApiUnavailableError({ reason: 'database' })
      const page = await listMembers(deps.database.db, c.req.valid('query'))
      return c.json({ items: page.items.map((m) => ({ ...toJson(m), source: 'database' as const })), nextCursor: page.nextCursor }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/members/{org}',
      tags: ['members'],
      summary: 'One member (with its keys when indexed)',
      request: { params: OrgParams },
      responses: { 200: jsonResponse(MemberSchema, 'The member'), ...errors(400, 404) },
    }),
    async (c) => {
      const { org } = c.req.valid('param')
      const found = deps.database ? await getMember(deps.database.db, org) : undefined
      if (found) return c.json({ ...toJson(found.member), keys: toJson(found.keys), source: 'database' as const }, 200)
      return c.json(await chainMember(deps.client, org), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/members/{org}/balances',
      tags: ['members', 'balances'],
      summary: "A member's balances per key and in total (signed by one of its keys or a supervisor)",
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      request: { params: OrgParams },
      responses: { 200: jsonResponse(MemberBalancesSchema, 'Balances per key (every key the member ever bound, when indexed) and in total'), ...errors(...signedErrors, 404) },
    }),
    async (c) => {
      const { org } = c.req.valid('param')
      await assertMemberAccess(auth.roles, c.get('auth').signer, org)
      const indexed = deps.database ? await getMemberBalances(deps.database.db, org) : undefined
      if (indexed) return c.json(toJson(indexed), 200)
      await chainMember(deps.client, org)
      return c.json(toJson(await chainMemberBalances(deps.client, org)), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/members/{org}/history',
      tags: ['members', 'trades'],
      summary: "A member's trades, newest first (signed by one of its keys or a supervisor)",
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      request: { params: OrgParams, query: HistoryQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(z.record(z.string(), z.unknown())), nextCursor: z.string().nullable() }).openapi('TradePage'), 'One page'), ...errors(...signedErrors, 503) },
    }),
    async (c) => {
      const { org } = c.req.valid('param')
      await assertMemberAccess(auth.roles, c.get('auth').signer, org)
      if (!deps.database) throw new ApiUnavailableError({ reason: 'database' })
      const page = await getMemberTrades(deps.database.db, org, c.req.valid('query'))
      return c.json({ items: page.items.map(({ trade, ...rest }) => ({ ...toJson(rest), trade: tradeJson(trade) })), nextCursor: page.nextCursor }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/members',
      tags: ['members'],
      summary: "Apply for membership with roles (the organisation's identity key)",
      security: signedSecurity,
      middleware: [auth.signed({ role: 'Admin', serialize: true })] as const,
      request: { body: jsonBody(ApplySchema) },
      responses: { 201: jsonResponse(WrittenSchema, 'Applied; a supervisor admits it next'), ...errors(...signedErrors, 409) },
    }),
    async (c) => {
      const { name, roles: wanted } = c.req.valid('json')
      const { key, signer } = c.get('auth')
      const r = await deps.client.as(key!.account).applyForMembership(name, [...new Set(wanted)])
      return c.json({ org: signer, tx: tx(r) }, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/members/{org}/keys',
      tags: ['members'],
      summary: "Bind a function key to one of the member's roles (the organisation's own identity key)",
      security: signedSecurity,
      middleware: [auth.signed({ role: 'Admin', serialize: true })] as const,
      request: { params: OrgParams, body: jsonBody(BindKeySchema) },
      responses: { 200: jsonResponse(WrittenSchema, 'Bound'), ...errors(...signedErrors, 409) },
    }),
    async (c) => {
      const { org } = c.req.valid('param')
      const { role, key: bound } = c.req.valid('json')
      const { key, signer } = c.get('auth')
      if (signer.toLowerCase() !== org.toLowerCase()) throw new ApiForbiddenError({ reason: 'not-owner', signer, details: 'an organisation binds only its own keys' })
      const r = await deps.client.as(key!.account).bindKey(role, bound)
      return c.json({ org, tx: tx(r) }, 200)
    },
  )

  const supervise = (path: string, summary: string, run: (c: { org: Address; body: { reason: string } | undefined; actor: ReturnType<BourseClient['as']> }) => ReturnType<ReturnType<BourseClient['as']>['admit']>, withReason = false) =>
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/members/{org}/${path}`,
        tags: ['members'],
        summary,
        security: signedSecurity,
        middleware: [auth.signed({ role: 'Supervisor', serialize: true })] as const,
        request: { params: OrgParams, ...(withReason && { body: jsonBody(SuspendSchema) }) },
        responses: { 200: jsonResponse(WrittenSchema, 'Done'), ...errors(...signedErrors, 404, 409) },
      }),
      async (c) => {
        const { org } = c.req.valid('param')
        const body = withReason ? ((c.req.valid as (t: 'json') => unknown)('json') as { reason: string }) : undefined
        const r = await run({ org, body, actor: deps.client.as(c.get('auth').key!.account) })
        return c.json({ org, tx: tx(r) }, 200)
      },
    )

  supervise('admission', 'Admit an applicant (a Supervisor key of another organisation)', ({ org, actor }) => actor.admit(org))
  supervise('suspension', 'Suspend a member (a Supervisor key of another organisation)', ({ org, body, actor }) => actor.suspend(org, body!.reason), true)
  supervise('reinstatement', 'Reinstate a suspended member (a Supervisor key)', ({ org, actor }) => actor.reinstate(org))
}
