/**
 * Test support: the price function evaluated to about 2^-190 with bigint arithmetic, to
 * check the documented error bound of the 18-decimal implementation (priceMath.ts and
 * PriceMath.sol). Not for production use: it is slow and has no validation.
 */
import { LOG2_10, WAD, type PriceParams } from '../priceMath.ts'

const FRACTION_BITS = 192n
const SCALE_BITS = 512n
const ONE = 1n << SCALE_BITS

/**
 * floor(log2(n) * 2^192) for n >= 1, by squaring a 256-bit mantissa.
 * @example log2Reference(8n) === 3n << 192n // true
 */
export function log2Reference(n: bigint): bigint {
  const m = BigInt(n.toString(2).length - 1)
  let y = n << (255n - m) // Q1.255, in [2^255, 2^256)
  let frac = 0n
  for (let i = FRACTION_BITS - 1n; i >= 0n; i--) {
    y = (y * y) >> 255n
    if (y >= 1n << 256n) {
      frac |= 1n << i
      y >>= 1n
    }
  }
  return (m << FRACTION_BITS) | frac
}

const LOG2_10_REFERENCE = log2Reference(10n)

/** The exact price times 2^512 (to within 2^-180 of a base unit), for supply > 0. */
export function priceReferenceScaled(demand: bigint, supply: bigint, p: PriceParams): bigint {
  const base = p.pBalance << SCALE_BITS
  if (demand === supply) return base
  if (demand === 0n) return (p.pBalance - p.pVol) << SCALE_BITS
  const diff = log2Reference(demand) - log2Reference(supply)
  const absDiff = diff < 0n ? -diff : diff
  // |log10 R| / L = |log2 R| / (log2(10) * L): the 2^192 scales cancel.
  let x = ((absDiff * WAD) << SCALE_BITS) / (p.logRatioBound * LOG2_10_REFERENCE)
  if (x > ONE) x = ONE
  let y = x
  for (let i = 1; i < p.k; i++) y = (y * x) >> SCALE_BITS
  return diff > 0n ? base + p.pVol * y : base - p.pVol * y
}

/**
 * The documented bound on |priceFixed - exact| times 2^512:
 * pVol * k * (2 / (L * log2 10) + 3) / 1e18 + 1 base unit (LOG2_10 rounds log2 10 down, so
 * the bound computed here is if anything larger than the real-valued one).
 */
export function priceErrorBoundScaled(p: PriceParams): bigint {
  const lLog = p.logRatioBound * LOG2_10 // L * log2(10) * 1e36
  const k = BigInt(p.k)
  return ((p.pVol * k * (2n * WAD * WAD + 3n * lLog)) << SCALE_BITS) / (lLog * WAD) + ONE
}

export { SCALE_BITS as REFERENCE_SCALE_BITS }
