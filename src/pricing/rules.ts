/**
 * Price-update rules compared by the simulator. A rule sees one demand/supply ratio per
 * round and returns the normalised price deviation u in [-1, 1]; the price is
 * p_balance + p_vol * u.
 *
 * - `seed`: seed 001's rule (SPEC.md section 3), u = sgn(log R) * min(1, |log10 R| / L)^k.
 *   Stateless; it is what DynamicPricing computes on chain.
 * - `improved`: the seed rule plus a response-aware boost (docs/pricing.md, "Improved
 *   rule"). Outside the seed curve's flat zone it prices at least the deviation that, by
 *   the market response measured in the previous round, closes a fraction `damping` of the
 *   remaining imbalance log10 R in one round. Inside the flat zone it is the seed rule, so
 *   both rules share the same equilibrium and convergence band.
 */
import { priceDeviation } from './priceFloat.ts'

/** Names of the rules, for options and output. */
export type PriceRuleName = 'seed' | 'improved'
export const PRICE_RULES: readonly PriceRuleName[] = ['seed', 'improved']

/** A rule instance: call once per round, in order. */
export interface PriceRule {
  readonly name: PriceRuleName
  deviation(ratio: number): number
}

export interface PriceRuleParameters {
  k: number
  logRatioBound: number
  /**
   * Largest |u| the seed curve may have inside its flat zone (the convergence tolerance in
   * units of p_vol: tolerance * pBalance / pVol).
   */
  flatDeviation: number
  /** Fraction of the imbalance the improved rule aims to close per round, in (0, 1]. */
  damping: number
}

/**
 * A previous round whose |u| is below this is too weak a probe to measure the market's
 * response from (the measured change would be mostly noise).
 */
const MIN_PROBE = 0.05

/**
 * Creates a fresh rule (rules with memory must not be shared between simulations).
 * @example createPriceRule('seed', { k: 3, logRatioBound: 0.42, flatDeviation: 0.03, damping: 0.8 }).deviation(0.25) // -1
 */
export function createPriceRule(name: PriceRuleName, p: PriceRuleParameters): PriceRule {
  if (name === 'seed') return { name, deviation: (ratio) => priceDeviation(ratio, p.k, p.logRatioBound) }
  let previous: { logRatio: number; u: number } | undefined
  // The strongest response measured so far, -d(log10 R)/du: a market that has moved this
  // fast can move this fast again, so dividing by it never asks for more than needed.
  let response: number | undefined
  return {
    name,
    deviation(ratio) {
      const seedU = priceDeviation(ratio, p.k, p.logRatioBound)
      const logRatio = Math.log10(ratio)
      if (previous && Math.abs(previous.u) >= MIN_PROBE && Number.isFinite(logRatio) && Number.isFinite(previous.logRatio)) {
        const measured = (previous.logRatio - logRatio) / previous.u
        if (measured > 0 && (response === undefined || measured > response)) response = measured
      }
      let u = seedU
      if (response !== undefined && Math.abs(seedU) > p.flatDeviation && Number.isFinite(logRatio)) {
        const boost = Math.min(1, (p.damping * Math.abs(logRatio)) / response)
        if (boost > Math.abs(seedU)) u = Math.sign(logRatio) * boost
      }
      previous = { logRatio, u }
      return u
    },
  }
}
