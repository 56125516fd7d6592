/**
 * The same price function in floating point, for the market simulator and for pictures.
 * It agrees with {@link priceFixed} to about 1e-12 relative; use `priceFixed` whenever a
 * value must match the chain.
 */
import {
  PricingInvalidBalancePriceError,
  PricingInvalidExponentError,
  PricingInvalidLogRatioBoundError,
  PricingVolatilityExceedsBalanceError,
} from './errors.ts'
import { MAX_EXPONENT } from './priceMath.ts'

/** Price parameters in tokens (not base units); `logRatioBound` is L. */
export interface PriceFloatParams {
  pBalance: number
  pVol: number
  k: number
  logRatioBound: number
}

/**
 * Throws the same named errors as {@link validatePriceParams} for float parameters.
 * @example validatePriceFloatParams({ pBalance: 150, pVol: 200, k: 3, logRatioBound: 0.42 }) // throws PricingVolatilityExceedsBalanceError
 */
export function validatePriceFloatParams(p: PriceFloatParams): void {
  if (!Number.isInteger(p.k) || p.k < 1 || p.k > MAX_EXPONENT || p.k % 2 === 0) throw new PricingInvalidExponentError({ k: p.k })
  if (!Number.isFinite(p.pBalance) || p.pBalance <= 0) throw new PricingInvalidBalancePriceError({ pBalance: p.pBalance })
  if (!Number.isFinite(p.pVol) || p.pVol < 0 || p.pVol > p.pBalance) throw new PricingVolatilityExceedsBalanceError({ pVol: p.pVol, pBalance: p.pBalance })
  if (!Number.isFinite(p.logRatioBound) || p.logRatioBound <= 0 || p.logRatioBound > 77) throw new PricingInvalidLogRatioBoundError({ logRatioBound: p.logRatioBound })
}

/**
 * Normalised price deviation sgn(log R) * min(1, |log10 R| / L)^k in [-1, 1], for a ratio
 * R in [0, Infinity]: R = 0 gives -1, R = Infinity gives 1 (the formula's limits).
 * @example priceDeviation(1, 3, 0.42) // 0
 */
export function priceDeviation(ratio: number, k: number, logRatioBound: number): number {
  if (Number.isNaN(ratio) || ratio < 0) throw new RangeError(`ratio must be in [0, Infinity], got ${ratio}`)
  if (ratio === 1) return 0
  const logRatio = Math.log10(ratio)
  return Math.sign(logRatio) * Math.min(1, Math.abs(logRatio) / logRatioBound) ** k
}

/**
 * Unit price in tokens at demand/supply ratio `ratio`.
 * @example priceFloat(0.25, { pBalance: 150, pVol: 50, k: 3, logRatioBound: 0.42 }) // 100
 */
export function priceFloat(ratio: number, params: PriceFloatParams): number {
  validatePriceFloatParams(params)
  return params.pBalance + params.pVol * priceDeviation(ratio, params.k, params.logRatioBound)
}

/**
 * The convergence band: the largest |log10 R| at which the price is still within
 * `tolerance` (a fraction of p_balance) of p_balance, i.e. L * (tolerance * pBalance / pVol)^(1/k).
 * Infinity when the whole price range lies inside the tolerance.
 * @example convergenceBand({ pBalance: 150, pVol: 50, k: 3, logRatioBound: 0.42 }, 0.01) // 0.1305...
 */
export function convergenceBand(params: PriceFloatParams, tolerance: number): number {
  validatePriceFloatParams(params)
  const allowed = (tolerance * params.pBalance) / params.pVol
  if (allowed >= 1) return Infinity
  return params.logRatioBound * allowed ** (1 / params.k)
}
