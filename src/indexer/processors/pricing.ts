/**
 * Pricing events -> `pricing_categories`, `pricing_rounds`, `pricing_events`.
 * DynamicPricing (SPEC.md section 3) emits its rounds and supply changes; FixedPricing only its
 * standing supply. Demand is counted from the Marketplace's TradeOpened (one unit per order,
 * see trades.ts): DynamicPricing emits no per-order event, to keep orders cheap.
 */
import { encodeAmount } from '../../db/codec.ts'
import type { PricingCategoriesTable } from '../../db/schema.ts'
import type { ChangeWriter } from '../ChangeWriter.ts'
import type { IndexedLog } from '../contracts.ts'
import { logColumns } from './logColumns.ts'
import type { Processor } from './types.ts'

/** Creates the category row (unconfigured) if needed and applies `patch`. */
async function patchCategory(store: ChangeWriter, category: number, patch: Partial<PricingCategoriesTable>): Promise<void> {
  const empty: PricingCategoriesTable = {
    category,
    p_balance: null,
    p_vol: null,
    k: null,
    log_ratio_bound: null,
    round_length: null,
    current_round: null,
    ends_at: null,
    supply: encodeAmount(0n),
    demand: encodeAmount(0n),
    configured_block: null,
    updated_block: store.blockNumber,
  }
  await store.upsert('pricing_categories', { ...empty, ...patch }, () => ({ ...patch, updated_block: store.blockNumber }))
}

type QuantityLog = IndexedLog<'Pricing', 'SupplyRecorded' | 'SupplyRemoved' | 'PricingSupplyUpdated'>

function quantityEvent(store: ChangeWriter, log: QuantityLog, e: { category: number; round: number | null; quantity: bigint | null; total: bigint; price: bigint | null }): void {
  store.append('pricing_events', {
    ...logColumns(log),
    category: e.category,
    round: e.round,
    event: log.eventName,
    quantity: e.quantity === null ? null : encodeAmount(e.quantity),
    total: encodeAmount(e.total),
    price: e.price === null ? null : encodeAmount(e.price),
  })
}

/** Governance fixed a category's price parameters. */
export const categoryConfigured: Processor<'Pricing', 'CategoryConfigured'> = async ({ store }, log) => {
  const { category, pBalance, pVol, k, logRatioBound, roundLength } = log.args
  await patchCategory(store, category, {
    p_balance: encodeAmount(pBalance),
    p_vol: encodeAmount(pVol),
    k,
    log_ratio_bound: encodeAmount(logRatioBound),
    round_length: Number(roundLength),
    configured_block: log.blockNumber,
  })
}

/** A round opened at a price computed from the previous round's demand and the standing supply. */
export const roundOpened: Processor<'Pricing', 'RoundOpened'> = async ({ store }, log) => {
  const { category, round, price, demand, supply, endsAt } = log.args
  await patchCategory(store, category, { current_round: round, ends_at: Number(endsAt), demand: encodeAmount(0n) })
  const row = {
    category,
    round,
    price: encodeAmount(price),
    prev_demand: encodeAmount(demand),
    prev_supply: encodeAmount(supply),
    started_at: log.blockTime,
    ends_at: Number(endsAt),
    demand: encodeAmount(0n),
    trade_count: 0,
    source: 'RoundOpened',
    opened_block: log.blockNumber,
  }
  await store.upsert('pricing_rounds', row, () => row)
}

/** A listing added its quantity to the standing supply. */
export const supplyRecorded: Processor<'Pricing', 'SupplyRecorded'> = async ({ store }, log) => {
  const { category, round, quantity, supply } = log.args
  await patchCategory(store, category, { supply: encodeAmount(supply) })
  quantityEvent(store, log, { category, round, quantity, total: supply, price: null })
}

/** A closed listing took its quantity out of the standing supply. */
export const supplyRemoved: Processor<'Pricing', 'SupplyRemoved'> = async ({ store }, log) => {
  const { category, round, quantity, supply } = log.args
  await patchCategory(store, category, { supply: encodeAmount(supply) })
  quantityEvent(store, log, { category, round, quantity, total: supply, price: null })
}

/** FixedPricing: the standing supply of a category changed. */
export const pricingSupplyUpdated: Processor<'Pricing', 'PricingSupplyUpdated'> = async ({ store }, log) => {
  const { category, supply } = log.args
  await patchCategory(store, category, { supply: encodeAmount(supply) })
  quantityEvent(store, log, { category, round: null, quantity: null, total: supply, price: null })
}
