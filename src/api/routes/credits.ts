/**
 * The alliance credit (AllianceCredit, ERC-20): POST /v1/credits/mint issues credits to any
 * address — governance only: the signer must be a key this node holds that has the token's
 * MINTER_ROLE on chain (the operator organisation's identity key after deployment), the same
 * rule the contract enforces.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { keccak256, toHex } from 'viem'
import { AllianceCreditAbi } from '../../contracts/generated.ts'
import { ApiForbiddenError } from '../../errors/api.ts'
import { AddressSchema, PositiveUint256Schema, TxSchema } from '../schemas/common.ts'
import { errors, jsonBody, jsonResponse, signedErrors, signedSecurity } from '../schemas/openapi.ts'
import type { RegisterRoutes } from './context.ts'

/** `AccessControl` role id of AllianceCredit's minters. */
export const MINTER_ROLE = keccak256(toHex('MINTER_ROLE'))

const MintSchema = z
  .object({
    to: AddressSchema.openapi({ description: 'Who receives the credits (usually a Buyer or Seller key)' }),
    amount: PositiveUint256Schema.openapi({ description: 'Base units (18 decimals)' }),
  })
  .strict()
  .openapi('Mint')

const MintedSchema = z.object({ to: z.string(), amount: z.string(), tx: TxSchema }).openapi('Minted')

export const creditRoutes: RegisterRoutes = (app, { deps, auth }) => {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/credits/mint',
      tags: ['balances'],
      summary: 'Issue credits (a local key holding AllianceCredit MINTER_ROLE: governance)',
      security: signedSecurity,
      middleware: [auth.signed({ local: true, serialize: true })] as const,
      request: { body: jsonBody(MintSchema) },
      responses: { 200: jsonResponse(MintedSchema, 'Minted'), ...errors(...signedErrors, 409) },
    }),
    async (c) => {
      const { to, amount } = c.req.valid('json')
      const { key, signer } = c.get('auth')
      const minter = (await deps.client.read(deps.client.deployment.credit, AllianceCreditAbi, 'hasRole', [MINTER_ROLE, signer])) as boolean
      if (!minter) throw new ApiForbiddenError({ reason: 'wrong-role', signer, role: 'Minter', details: 'only a key with the AllianceCredit MINTER_ROLE (governance) issues credits' })
      const r = await deps.client.as(key!.account).mint(to, amount)
      return c.json({ to, amount: amount.toString(), tx: { hash: r.hash, gasUsed: r.gasUsed.toString() } }, 200)
    },
  )
}
