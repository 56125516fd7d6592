/**
 * Pricing rounds and categories as indexed from the pricing contract (and, for a fixed price,
 * from the orders themselves).
 */
import type { Kysely, Selectable } from 'kysely'
import { decodeAmount, decodeOptionalAmount } from '../codec.ts'
import type { Database, PricingCategoriesTable, PricingRoundsTable } from '../schema.ts'
import { decodeCursor, encodeCursor, pageLimit, toPage, type Page } from './pagination.ts'
import { uint32Param } from './validate.ts'

export interface PricingRoundRecord {
  category: number
  round: number
  /** Unit price of every trade of the round, in base units. */
  price: bigint
  /** The previous round's demand and the standing supply at its end (what the price came from). */
  prevDemand: bigint | null
  prevSupply: bigint | null
  startedAt: number
  endsAt: number | null
  demand: bigint
  tradeCount: number
  source: string
}

export interface PricingCategoryRecord {
  category: number
  /** Null for a fixed-price deployment (nothing configured per category). */
  config: { pBalance: bigint; pVol: bigint; k: number; logRatioBound: bigint; roundLength: number } | null
  currentRound: number | null
  endsAt: number | null
  supply: bigint
  demand: bigint
}

function roundFromRow(r: Selectable<PricingRoundsTable>): PricingRoundRecord {
  return {
    category: r.category,
    round: r.round,
    price: decodeAmount(r.price),
    prevDemand: decodeOptionalAmount(r.prev_demand),
    prevSupply: decodeOptionalAmount(r.prev_supply),
    startedAt: r.started_at,
    endsAt: r.ends_at,
    demand: decodeAmount(r.demand),
    tradeCount: r.trade_count,
    source: r.source,
  }
}

function categoryFromRow(r: Selectable<PricingCategoriesTable>): PricingCategoryRecord {
  const configured = r.p_balance !== null && r.p_vol !== null && r.k !== null && r.log_ratio_bound !== null && r.round_length !== null
  return {
    category: r.category,
    config: configured
      ? { pBalance: decodeAmount(r.p_balance!), pVol: decodeAmount(r.p_vol!), k: r.k!, logRatioBound: decodeAmount(r.log_ratio_bound!), roundLength: r.round_length! }
      : null,
    currentRound: r.current_round,
    endsAt: r.ends_at,
    supply: decodeAmount(r.supply),
    demand: decodeAmount(r.demand),
  }
}

/**
 * Rounds of a category, latest first.
 *
 * @example
 * const { items } = await listPricingRounds(db, { category: 1 })
 * items[0]?.price
 */
export async function listPricingRounds(db: Kysely<Database>, p: { category: number; limit?: number | undefined; cursor?: string | undefined }): Promise<Page<PricingRoundRecord>> {
  const limit = pageLimit(p.limit)
  let q = db.selectFrom('pricing_rounds').selectAll().where('category', '=', uint32Param('category', p.category))
  if (p.cursor !== undefined) {
    const [round] = decodeCursor(p.cursor, 'rounds', ['int']) as [number]
    q = q.where('round', '<', round)
  }
  const rows = await q.orderBy('round', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, roundFromRow, (r) => encodeCursor('rounds', [r.round]))
}

/**
 * Every category the pricing contract has seen, by number.
 *
 * @example
 * const categories = await listPricingCategories(db)
 */
export async function listPricingCategories(db: Kysely<Database>): Promise<PricingCategoryRecord[]> {
  const rows = await db.selectFrom('pricing_categories').selectAll().orderBy('category').execute()
  return rows.map(categoryFromRow)
}
