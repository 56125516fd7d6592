/**
 * Trades: read one (database, else rebuilt from chain events), its timeline, and the actions
 * of the protocol, each sent with the one local key that signed the request:
 * accept (Seller), download-confirmation (Storage), confirmation (Buyer, with a verdict),
 * decision (Arbitrator), timeout (any local key). The record an action needs is rebuilt from
 * the chain, never taken from the client.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { getTrade, getTradeTimeline } from '../../db/index.ts'
import { verdicts, type Trade } from '../../sdk/trade.ts'
import type { Actor, WriteResult } from '../../sdk/BourseClient.ts'
import { summarizeTradeEvent } from '../../sdk/timeline.ts'
import { toJson } from '../json.ts'
import { TradeIdSchema } from '../schemas/common.ts'
import { errors, jsonBody, jsonResponse, signedErrors, signedSecurity } from '../schemas/openapi.ts'
import type { AuthPolicy } from '../auth/ApiAuth.ts'
import type { RegisterRoutes } from './context.ts'
import { TradeActionSchema, TradeSchema, tradeActionJson, tradeJson } from './tradeJson.ts'

const TradeParams = z.object({ tradeId: TradeIdSchema.openapi({ param: { name: 'tradeId', in: 'path' }, type: 'string' }) })

const TradeDetailsSchema = z
  .object({
    trade: TradeSchema,
    open: z.boolean(),
    source: z.enum(['database', 'chain']),
    maxPrice: z.string().optional(),
    resolution: z.string().nullable().optional(),
    sellerPayout: z.string().nullable().optional(),
    platformFee: z.string().nullable().optional(),
    buyerRefund: z.string().nullable().optional(),
    openedAt: z.number().optional(),
    closedAt: z.number().nullable().optional(),
    dispute: z.record(z.string(), z.unknown()).nullable().optional(),
    forfeitures: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .openapi('TradeDetails')

const TimelineSchema = z
  .object({
    tradeId: z.string(),
    source: z.enum(['database', 'chain']),
    entries: z.array(
      z.object({
        blockNumber: z.number(),
        timestamp: z.number(),
        transactionHash: z.string(),
        event: z.string(),
        stateName: z.string().optional(),
        summary: z.string().optional(),
        args: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .openapi('TradeTimeline')

const ConfirmSchema = z.object({ verdict: z.enum(verdicts).openapi({ description: 'Ok settles; the others open a dispute (PriceAbnormal is decided at once)' }) }).strict().openapi('Confirmation')
const DecisionSchema = z.object({ buyerRight: z.boolean().openapi({ description: "true: the buyer's complaint is upheld" }) }).strict().openapi('Decision')

type ActionResult = WriteResult & { trade: Trade; closed: boolean }

export const tradeRoutes: RegisterRoutes = (app, { deps, auth }) => {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/trades/{tradeId}',
      tags: ['trades'],
      summary: 'One trade with its outcome, dispute and forfeitures',
      request: { params: TradeParams },
      responses: { 200: jsonResponse(TradeDetailsSchema, 'The trade'), ...errors(400, 404) },
    }),
    async (c) => {
      const { tradeId } = c.req.valid('param')
      const indexed = deps.database ? await getTrade(deps.database.db, tradeId) : undefined
      if (indexed) {
        const { trade, ...rest } = indexed
        return c.json({ ...toJson(rest), trade: tradeJson(trade), source: 'database' as const }, 200)
      }
      const view = await deps.client.trade(tradeId)
      return c.json({ trade: tradeJson(view.trade), open: view.open, source: 'chain' as const }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/trades/{tradeId}/timeline',
      tags: ['trades'],
      summary: "A trade's history, event by event",
      request: { params: TradeParams },
      responses: { 200: jsonResponse(TimelineSchema, 'Events in chain order'), ...errors(400, 404) },
    }),
    async (c) => {
      const { tradeId } = c.req.valid('param')
      const indexed = deps.database ? await getTradeTimeline(deps.database.db, tradeId) : []
      if (indexed.length > 0) {
        const entries = indexed.map((e) => ({ ...toJson(e), summary: summarizeTradeEvent(e.event, e.args) }))
        return c.json({ tradeId: tradeId.toString(), source: 'database' as const, entries }, 200)
      }
      const view = await deps.client.trade(tradeId)
      const entries = view.timeline.map((e) => ({ ...toJson(e), blockNumber: Number(e.blockNumber) }))
      return c.json({ tradeId: tradeId.toString(), source: 'chain' as const, entries }, 200)
    },
  )

  /** One trade action route. */
  const action = <B extends z.ZodType | undefined>(p: {
    path: string
    summary: string
    policy: AuthPolicy
    body?: B
    run: (actor: Actor, trade: Trade, body: B extends z.ZodType ? z.output<B> : undefined) => Promise<ActionResult>
  }) => {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/trades/{tradeId}/${p.path}`,
        tags: ['trades'],
        summary: p.summary,
        security: signedSecurity,
        middleware: [auth.signed({ ...p.policy, serialize: true })] as const,
        request: { params: TradeParams, ...(p.body && { body: jsonBody(p.body) }) },
        responses: { 200: jsonResponse(TradeActionSchema, 'The trade after the action'), ...errors(...signedErrors, 404, 409) },
      }),
      async (c) => {
        const { tradeId } = c.req.valid('param')
        const body = (p.body ? (c.req.valid as (t: 'json') => unknown)('json') : undefined) as B extends z.ZodType ? z.output<B> : undefined
        const { trade } = await deps.client.trade(tradeId)
        const r = await p.run(deps.client.as(c.get('auth').key!.account), trade, body)
        return c.json(tradeActionJson(r), 200)
      },
    )
  }

  action({ path: 'accept', summary: "The seller accepts the order, locking its deposit (the listing's Seller key)", policy: { role: 'Seller' }, run: (a, t) => a.accept(t) })
  action({
    path: 'download-confirmation',
    summary: "The storage provider confirms the download on chain (the trade's Storage key; the provider does this itself after a served download)",
    policy: { role: 'Storage' },
    run: (a, t) => a.confirmDownload(t),
  })
  action({ path: 'confirmation', summary: "The buyer's verdict (the trade's Buyer key)", policy: { role: 'Buyer' }, body: ConfirmSchema, run: (a, t, b) => a.confirm(t, b.verdict) })
  action({ path: 'decision', summary: "The arbitrator decides a dispute (the trade's Arbitrator key)", policy: { role: 'Arbitrator' }, body: DecisionSchema, run: (a, t, b) => a.decideDispute(t, b.buyerRight) })
  action({ path: 'timeout', summary: 'Resolve a trade whose deadline passed (any local key)', policy: { local: true }, run: (a, t) => a.resolveTimeout(t) })
}
