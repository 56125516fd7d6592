/** The JSON form of trade records shared by the order and trade routes. */
import { z } from '@hono/zod-openapi'
import { depositSources, tradeStates, type Trade } from '../../sdk/trade.ts'
import type { WriteResult } from '../../sdk/BourseClient.ts'
import { toJson, tradeIdHex } from '../json.ts'
import { TxSchema } from '../schemas/common.ts'

export const TradeSchema = z
  .object({
    id: z.string().openapi({ description: 'decimal' }),
    idHex: z.string().openapi({ description: 'the same id in 0x hex, as the CLI prints it' }),
    listingId: z.string(),
    buyer: z.string(),
    seller: z.string(),
    storageProvider: z.string(),
    arbitrator: z.string(),
    price: z.string(),
    buyerDeposit: z.string(),
    sellerDeposit: z.string(),
    category: z.number(),
    round: z.number(),
    state: z.number(),
    stateName: z.string(),
    sellerDepositSource: z.number(),
    sellerDepositSourceName: z.string(),
    deadline: z.number(),
    tokenCommitment: z.string(),
  })
  .openapi('Trade')

/** A trade record on the wire. */
export function tradeJson(t: Trade) {
  return {
    ...toJson(t),
    idHex: tradeIdHex(t.id),
    stateName: tradeStates[t.state] ?? String(t.state),
    sellerDepositSourceName: depositSources[t.sellerDepositSource] ?? String(t.sellerDepositSource),
  }
}

export const TradeActionSchema = z.object({ trade: TradeSchema, closed: z.boolean(), tx: TxSchema }).openapi('TradeAction')

/** The result of a trade action on the wire. */
export function tradeActionJson(r: WriteResult & { trade: Trade; closed: boolean }) {
  return { trade: tradeJson(r.trade), closed: r.closed, tx: { hash: r.hash, gasUsed: r.gasUsed.toString() } }
}
