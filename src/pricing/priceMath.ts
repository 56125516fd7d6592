/**
 * The dynamic price of SPEC.md section 3,
 *
 *     p = pBalance + sgn(De - S) * pVol * min(1, |log10(De / S)| / L)^k
 *
 * in 18-decimal fixed point, mirroring contracts/src/pricing/PriceMath.sol operation for
 * operation: same constants, same truncations, same order. Any party can therefore
 * recompute any round's on-chain price exactly. See docs/pricing.md for the error bound.
 */
import {
  PricingInvalidBalancePriceError,
  PricingInvalidExponentError,
  PricingInvalidLogRatioBoundError,
  PricingInvalidQuantityError,
  PricingVolatilityExceedsBalanceError,
  PricingZeroSupplyError,
} from './errors.ts'

/** One in 18-decimal fixed point; also the scale of token amounts (18 decimals). */
export const WAD = 10n ** 18n
/** floor(log2(10) * 1e18), as in PriceMath.sol. */
export const LOG2_10 = 3_321_928_094_887_362_347n
/** Largest p_balance: 2^127 - 1 base units, so p_balance + p_vol fits in 128 bits. */
export const MAX_BALANCE_PRICE = (1n << 127n) - 1n
/** Largest L in WAD: log10(2^256) = 77.06, so no larger |log10 R| exists. */
export const MAX_LOG_RATIO_BOUND = 77n * WAD
/** Largest k (the contract takes k as uint8). */
export const MAX_EXPONENT = 255
const MAX_UINT256 = (1n << 256n) - 1n

/**
 * Parameters of the price function, as the contract's `PriceParams`.
 * `pBalance`/`pVol` in token base units, `logRatioBound` (L) in WAD.
 */
export interface PriceParams {
  pBalance: bigint
  pVol: bigint
  k: number
  logRatioBound: bigint
}

/**
 * Throws the error the contract would revert with for the first invalid parameter.
 * @example validatePriceParams({ pBalance: 150n * WAD, pVol: 50n * WAD, k: 4, logRatioBound: 42n * 10n ** 16n }) // throws PricingInvalidExponentError
 */
export function validatePriceParams(p: PriceParams): void {
  if (!Number.isInteger(p.k) || p.k < 1 || p.k > MAX_EXPONENT || p.k % 2 === 0) throw new PricingInvalidExponentError({ k: p.k })
  if (p.pBalance <= 0n || p.pBalance > MAX_BALANCE_PRICE) throw new PricingInvalidBalancePriceError({ pBalance: p.pBalance })
  if (p.pVol < 0n || p.pVol > p.pBalance) throw new PricingVolatilityExceedsBalanceError({ pVol: p.pVol, pBalance: p.pBalance })
  if (p.logRatioBound <= 0n || p.logRatioBound > MAX_LOG_RATIO_BOUND) throw new PricingInvalidLogRatioBoundError({ logRatioBound: p.logRatioBound })
}

/**
 * Unit price in base units for `demand` against `supply`, exactly as the contract's
 * `computePrice` (which validates the parameters first, then requires supply > 0).
 * @example priceFixed(25n, 100n, { pBalance: 150n * WAD, pVol: 50n * WAD, k: 3, logRatioBound: 42n * 10n ** 16n }) // 100n * WAD
 */
export function priceFixed(demand: bigint, supply: bigint, params: PriceParams): bigint {
  validatePriceParams(params)
  if (demand < 0n || demand > MAX_UINT256) throw new PricingInvalidQuantityError({ parameter: 'demand', value: demand })
  if (supply < 0n || supply > MAX_UINT256) throw new PricingInvalidQuantityError({ parameter: 'supply', value: supply })
  if (supply === 0n) throw new PricingZeroSupplyError({ demand })
  if (demand === supply) return params.pBalance
  if (demand === 0n) return params.pBalance - params.pVol
  const up = demand > supply
  const absLog2Ratio = up ? log2Wad(demand) - log2Wad(supply) : log2Wad(supply) - log2Wad(demand)
  const delta = (params.pVol * curveWad(absLog2Ratio, params.k, params.logRatioBound)) / WAD
  return up ? params.pBalance + delta : params.pBalance - delta
}

/**
 * min(1, |log10 R| / L)^k in WAD from |log2 R| in WAD (PriceMath.curve): one division,
 * then x^k by squaring with each product truncated.
 * @example curveWad(2n * WAD, 1, WAD) // 602059991327962390n = log10(4)
 */
export function curveWad(absLog2Ratio: bigint, k: number, logRatioBound: bigint): bigint {
  let x = (absLog2Ratio * WAD * WAD) / (logRatioBound * LOG2_10)
  if (x >= WAD) return WAD
  let y = (k & 1) === 1 ? x : WAD
  for (let e = k >> 1; e !== 0; e >>= 1) {
    x = (x * x) / WAD
    if ((e & 1) === 1) y = (y * x) / WAD
  }
  return y
}

/**
 * Binary logarithm of a positive integer in WAD, rounded down, within 2e-18 of the exact
 * value (PriceMath.log2): integer part from the top bit, 64 fraction bits by squaring the
 * mantissa in Q1.127, one conversion to WAD.
 * @example log2Wad(8n) // 3n * WAD
 */
export function log2Wad(n: bigint): bigint {
  if (n <= 0n || n > MAX_UINT256) throw new RangeError(`log2Wad: ${n} is not in [1, 2^256 - 1]`)
  const m = BigInt(n.toString(2).length - 1)
  let y = m >= 127n ? n >> (m - 127n) : n << (127n - m)
  let frac = 0n
  for (let bit = 1n << 63n; bit !== 0n; bit >>= 1n) {
    y = (y * y) >> 127n
    if (y >= 1n << 128n) {
      frac |= bit
      y >>= 1n
    }
  }
  return (((m << 64n) | frac) * WAD) >> 64n
}
