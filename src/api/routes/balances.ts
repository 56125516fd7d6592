/**
 * A key's own marketplace balances: read them (GET /v1/balances, signed by the key), move
 * credits in (POST /v1/balances/deposit: approve what the allowance lacks, then deposit) and
 * out (POST /v1/balances/withdraw). Writes use the local key that signed.
 */
import { createRoute, z } from '@hono/zod-openapi'
import type { Address } from 'viem'
import { AllianceCreditAbi } from '../../contracts/generated.ts'
import { ApiConflictError } from '../../errors/api.ts'
import type { BourseClient } from '../../sdk/BourseClient.ts'
import { toJson } from '../json.ts'
import { PositiveUint96Schema, TxSchema } from '../schemas/common.ts'
import { errors, jsonBody, jsonResponse, signedErrors, signedSecurity } from '../schemas/openapi.ts'
import type { RegisterRoutes } from './context.ts'

export const BalancesSchema = z
  .object({
    address: z.string(),
    available: z.string().openapi({ description: 'Internal marketplace balance free to use or withdraw' }),
    locked: z.string().openapi({ description: 'Held as deposits and escrow of open trades' }),
    orders: z.string().openapi({ description: 'Orders this key placed' }),
    tokens: z.string().openapi({ description: 'AllianceCredit held by the key outside the marketplace' }),
  })
  .openapi('Balances')

const DepositSchema = z.object({ amount: PositiveUint96Schema }).strict().openapi('Deposit')
const WithdrawSchema = z
  .object({ amount: z.union([z.literal('all'), PositiveUint96Schema]).openapi({ description: "Base units, or 'all' of the available balance" }) })
  .strict()
  .openapi('Withdrawal')

const MovedSchema = z
  .object({ amount: z.string().openapi({ description: 'Base units moved' }), balances: BalancesSchema, txs: z.array(TxSchema) })
  .openapi('BalanceChange')

async function balancesOf(client: BourseClient, address: Address) {
  return { address, ...toJson(await client.balances(address)) }
}

const tx = (r: { hash: string; gasUsed: bigint }) => ({ hash: r.hash, gasUsed: r.gasUsed.toString() })

export const balanceRoutes: RegisterRoutes = (app, { deps, auth }) => {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/balances',
      tags: ['balances'],
      summary: "The signing key's own balances",
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      responses: { 200: jsonResponse(BalancesSchema, 'Balances of the signer'), ...errors(...signedErrors) },
    }),
    async (c) => c.json(await balancesOf(deps.client, c.get('auth').signer), 200),
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/balances/deposit',
      tags: ['balances'],
      summary: "Move credits from the key's token balance into its marketplace balance (any local key)",
      security: signedSecurity,
      middleware: [auth.signed({ local: true, serialize: true })] as const,
      request: { body: jsonBody(DepositSchema) },
      responses: { 200: jsonResponse(MovedSchema, 'Deposited'), ...errors(...signedErrors, 409) },
    }),
    async (c) => {
      const { amount } = c.req.valid('json')
      const { key, signer } = c.get('auth')
      const actor = deps.client.as(key!.account)
      const { marketplace, credit } = deps.client.deployment
      const [{ tokens }, allowance] = await Promise.all([
        deps.client.balances(signer),
        deps.client.read(credit, AllianceCreditAbi, 'allowance', [signer, marketplace]) as Promise<bigint>,
      ])
      // Checked before any transaction, so a refusal changes nothing.
      if (tokens < amount) throw new ApiConflictError({ message: `The key holds ${tokens} credit base units, less than the ${amount} to deposit.` })
      const txs = []
      if (allowance < amount) txs.push(tx(await actor.approve(amount)))
      txs.push(tx(await actor.deposit(amount)))
      return c.json({ amount: amount.toString(), balances: await balancesOf(deps.client, signer), txs }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/balances/withdraw',
      tags: ['balances'],
      summary: 'Pay out of the marketplace balance to the key (any local key)',
      security: signedSecurity,
      middleware: [auth.signed({ local: true, serialize: true })] as const,
      request: { body: jsonBody(WithdrawSchema) },
      responses: { 200: jsonResponse(MovedSchema, 'Withdrawn'), ...errors(...signedErrors, 409) },
    }),
    async (c) => {
      const { amount } = c.req.valid('json')
      const { key, signer } = c.get('auth')
      let value: bigint
      if (amount === 'all') {
        value = (await deps.client.balances(signer)).available
        if (value === 0n) throw new ApiConflictError({ message: 'The available balance is zero: nothing to withdraw.' })
      } else value = amount
      const r = await deps.client.as(key!.account).withdraw(value)
      return c.json({ amount: value.toString(), balances: await balancesOf(deps.client, signer), txs: [tx(r)] }, 200)
    },
  )
}
