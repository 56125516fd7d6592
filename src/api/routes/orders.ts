/**
 * POST /v1/orders — a buyer orders one licence of a listing. The node generates the secret
 * download token, commits keccak256(token) in the order, keeps the token in its vault and
 * returns it in this response only. Funds come from the buyer key's available balance, any
 * shortfall from its token allowance (see POST /v1/balances/deposit).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { toHex } from 'viem'
import { ListingIdSchema, Uint256Schema } from '../schemas/common.ts'
import { errors, jsonBody, jsonResponse, signedErrors, signedSecurity } from '../schemas/openapi.ts'
import type { RegisterRoutes } from './context.ts'
import { TradeSchema, tradeJson } from './tradeJson.ts'

const OrderSchema = z
  .object({
    listingId: ListingIdSchema,
    maxPrice: Uint256Schema.openapi({ description: 'The most the buyer pays (base units); the trade is priced at the current round price' }),
  })
  .strict()
  .openapi('Order')

const OrderedSchema = z
  .object({
    trade: TradeSchema,
    token: z.string().openapi({ description: 'The secret download token: shown once, kept by the node; needed to download the asset' }),
    tx: z.object({ hash: z.string(), gasUsed: z.string() }),
  })
  .openapi('Ordered')

export const orderRoutes: RegisterRoutes = (app, { deps, auth }) => {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orders',
      tags: ['trades'],
      summary: 'Order one licence of a listing (active Buyer key); returns the download token once',
      security: signedSecurity,
      middleware: [auth.signed({ role: 'Buyer', serialize: true })] as const,
      request: { body: jsonBody(OrderSchema) },
      responses: { 201: jsonResponse(OrderedSchema, 'Ordered'), ...errors(...signedErrors, 404, 409) },
    }),
    async (c) => {
      const { listingId, maxPrice } = c.req.valid('json')
      const buyer = deps.client.as(c.get('auth').key!.account)
      const token = toHex(crypto.getRandomValues(new Uint8Array(32)))
      const r = await buyer.order({ listingId, maxPrice, token })
      try {
        await deps.tokens.save(r.trade.id, token)
      } catch (err) {
        // The order is on chain; the response still carries the token.
        c.get('log').error({ err, tradeId: r.trade.id.toString() }, 'could not keep the download token in the vault')
      }
      c.header('cache-control', 'no-store')
      return c.json({ trade: tradeJson(r.trade), token, tx: { hash: r.hash, gasUsed: r.gasUsed.toString() } }, 201)
    },
  )
}
