/**
 * Test support: fast-check generators for the price function's inputs, shared by the
 * off-chain tests (src/pricing) and the on-chain agreement tests (contracts/test/pricing).
 * Quantities are spread over every magnitude up to 2^256 - 1, with extra weight on the
 * cases that matter: small counts, near-balanced markets, zero demand.
 */
import fc from 'fast-check'
import { MAX_BALANCE_PRICE, MAX_LOG_RATIO_BOUND, WAD, type PriceParams } from '../priceMath.ts'

/** An integer with a uniformly chosen bit length in [1, maxBits]. */
export function spreadBigInt(maxBits: number): fc.Arbitrary<bigint> {
  return fc.integer({ min: 1, max: maxBits }).chain((bits) => fc.bigInt({ min: 1n << BigInt(bits - 1), max: (1n << BigInt(bits)) - 1n }))
}

export const quantityArb: fc.Arbitrary<bigint> = fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), spreadBigInt(256))

/** [demand, supply] with supply > 0. */
export const marketArb: fc.Arbitrary<[bigint, bigint]> = fc.oneof(
  fc.tuple(quantityArb, quantityArb),
  // near balance: demand within about 1/8 of supply
  quantityArb.chain((s) => {
    const spread = s / 8n + 1n
    const lo = s > spread ? s - spread : 0n
    const hi = s + spread > (1n << 256n) - 1n ? (1n << 256n) - 1n : s + spread
    return fc.tuple(fc.bigInt({ min: lo, max: hi }), fc.constant(s))
  }),
  fc.tuple(fc.constant(0n), quantityArb),
)

/** Odd k, mostly the seed's values. */
export const exponentArb: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(1, 3, 5, 7, 9), fc.integer({ min: 0, max: 127 }).map((i) => 2 * i + 1))

/** Valid price parameters. */
export const priceParamsArb: fc.Arbitrary<PriceParams> = fc
  .record({
    k: exponentArb,
    pBalance: fc.oneof(fc.constant(150n * WAD), spreadBigInt(127).filter((x) => x <= MAX_BALANCE_PRICE)),
    logRatioBound: fc.oneof(
      fc.constantFrom(42n * 10n ** 16n, 477_121_254_719_662_437n), // 0.42 and log10(3)
      fc.bigInt({ min: 10n ** 16n, max: 3n * WAD }),
      fc.bigInt({ min: 1n, max: MAX_LOG_RATIO_BOUND }),
    ),
  })
  .chain((p) => fc.oneof(fc.constant(p.pBalance / 3n), fc.bigInt({ min: 0n, max: p.pBalance })).map((pVol) => ({ ...p, pVol })))
