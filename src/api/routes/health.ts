/**
 * GET /health (what the node's components report, always 200 while the API answers) and
 * GET /ready (200 when the node can serve: chain reachable, database answering, indexer
 * within `readyMaxLagBlocks` of the head; 503 with the reasons otherwise).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import { getIndexerStatus } from '../../db/index.ts'
import type { RegisterRoutes, RouteContext } from './context.ts'
import { jsonResponse } from '../schemas/openapi.ts'

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    chain: z.object({ ok: z.boolean(), chainId: z.number(), head: z.number().optional() }),
    database: z.object({ ok: z.boolean(), dialect: z.string() }).nullable().openapi({ description: 'null when the node runs without the database' }),
    indexer: z
      .object({ lastBlock: z.number(), lag: z.number().optional().openapi({ description: 'blocks still to index (confirmations included)' }), running: z.boolean().optional() })
      .nullable()
      .openapi({ description: 'null before the first indexed block or without a database' }),
    storage: z.object({ address: z.string() }).nullable(),
  })
  .openapi('Health')

const ReadySchema = z.object({ ready: z.boolean(), reasons: z.array(z.string()) }).openapi('Readiness')

type Health = z.infer<typeof HealthSchema>

/** Probes every component; never throws. */
export async function probeHealth(ctx: RouteContext): Promise<Health> {
  const { client, database, storage } = ctx.deps
  const [head, dbOk, indexer] = await Promise.all([
    client.publicClient.getBlockNumber({ cacheTime: 0 }).then(Number, () => undefined),
    database ? sql`select 1`.execute(database.db).then(() => true, () => false) : Promise.resolve(undefined),
    indexerHealth(ctx),
  ])
  const chain = { ok: head !== undefined, chainId: client.deployment.chainId, ...(head !== undefined && { head }) }
  const ok = chain.ok && dbOk !== false
  return {
    status: ok ? 'ok' : 'degraded',
    chain,
    database: database ? { ok: dbOk === true, dialect: database.dialect } : null,
    indexer,
    storage: storage ? { address: storage.address } : null,
  }
}

/** The indexer's position: from the running indexer, else from the database's state row. */
async function indexerHealth(ctx: RouteContext): Promise<Health['indexer']> {
  const { indexer, database, client } = ctx.deps
  try {
    if (indexer) {
      const s = await indexer.status()
      return s.lastBlock === null ? null : { lastBlock: s.lastBlock, lag: s.behind, running: s.running }
    }
    if (!database) return null
    const [status, head] = await Promise.all([getIndexerStatus(database.db), client.publicClient.getBlockNumber({ cacheTime: 0 }).then(Number)])
    return status ? { lastBlock: status.lastBlock, lag: Math.max(0, head - status.lastBlock) } : null
  } catch {
    return null
  }
}

export const healthRoutes: RegisterRoutes = (app, ctx) => {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['operations'],
      summary: 'Component status: chain head, database, indexer lag, storage provider',
      responses: { 200: jsonResponse(HealthSchema, 'Status of each component') },
    }),
    async (c) => c.json(await probeHealth(ctx), 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/ready',
      tags: ['operations'],
      summary: 'Readiness: 200 when the node can serve requests, 503 with the reasons otherwise',
      responses: { 200: jsonResponse(ReadySchema, 'Ready'), 503: jsonResponse(ReadySchema, 'Not ready, with the reasons') },
    }),
    async (c) => {
      const h = await probeHealth(ctx)
      const reasons: string[] = []
      if (!h.chain.ok) reasons.push('chain unreachable')
      if (h.database && !h.database.ok) reasons.push('database not answering')
      if (h.database && !h.indexer) reasons.push('indexer has not indexed any block yet')
      if (h.indexer?.lag !== undefined && h.indexer.lag > ctx.options.readyMaxLagBlocks) reasons.push(`indexer ${h.indexer.lag} blocks behind the head`)
      return reasons.length ? c.json({ ready: false, reasons }, 503) : c.json({ ready: true, reasons }, 200)
    },
  )
}
