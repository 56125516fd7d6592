import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  PricingInvalidBalancePriceError,
  PricingInvalidExponentError,
  PricingInvalidLogRatioBoundError,
  PricingInvalidQuantityError,
  PricingVolatilityExceedsBalanceError,
  PricingZeroSupplyError,
} from './errors.ts'
import { convergenceBand, priceFloat } from './priceFloat.ts'
import { curveWad, log2Wad, LOG2_10, MAX_BALANCE_PRICE, priceFixed, validatePriceParams, WAD, type PriceParams } from './priceMath.ts'
import { marketArb, priceParamsArb, quantityArb, spreadBigInt } from './testing/arbitraries.ts'
import { log2Reference, priceErrorBoundScaled, priceReferenceScaled, REFERENCE_SCALE_BITS } from './testing/reference.ts'

const seed: PriceParams = { pBalance: 150n * WAD, pVol: 50n * WAD, k: 3, logRatioBound: 42n * 10n ** 16n }
const abs = (x: bigint) => (x < 0n ? -x : x)
const MAX_UINT256 = (1n << 256n) - 1n

describe('log2Wad', () => {
  test('is exact at powers of two', () => {
    for (let i = 0n; i < 256n; i++) assert.equal(log2Wad(1n << i), i * WAD)
  })

  test('is within 2e-18 below the exact value', () => {
    fc.assert(
      fc.property(spreadBigInt(256), (n) => {
        // exact * 1e18 - computed, in units of 1e-18 scaled by 2^192
        const gap = log2Reference(n) * WAD - (log2Wad(n) << 192n)
        return gap >= 0n && gap < 2n << 192n
      }),
      { numRuns: 2000 },
    )
  })

  test('is non-decreasing, also between neighbours', () => {
    fc.assert(
      fc.property(spreadBigInt(255), fc.bigInt({ min: 0n, max: 3n }), (n, step) => log2Wad(n) <= log2Wad(n + step)),
      { numRuns: 2000 },
    )
  })

  test('agrees with Math.log2 to double precision', () => {
    for (const n of [3n, 10n, 1000n, 123456789n, 10n ** 30n]) {
      assert.ok(Math.abs(Number(log2Wad(n)) / 1e18 - Math.log2(Number(n))) < 1e-12)
    }
  })
})

describe('priceFixed', () => {
  test('reproduces the landmarks of the seed curve', () => {
    assert.equal(priceFixed(25n, 100n, seed), 100n * WAD) // R = 0.25: saturated floor
    assert.equal(priceFixed(100n, 25n, seed), 200n * WAD) // R = 4: saturated ceiling
    assert.equal(priceFixed(7n, 7n, seed), 150n * WAD)
    assert.equal(priceFixed(0n, 7n, seed), 100n * WAD) // R = 0: the limit
    assert.equal(priceFixed(10n, 1n, { ...seed, k: 1, logRatioBound: WAD }), 200n * WAD) // |log10 R| = L exactly
    assert.equal(curveWad(2n * WAD, 1, WAD), (2n * WAD * WAD * WAD) / (WAD * LOG2_10)) // log10(4), one division
  })

  test('stays within the documented error bound of the exact price', () => {
    fc.assert(
      fc.property(marketArb, priceParamsArb, ([demand, supply], params) => {
        const scaled = priceFixed(demand, supply, params) << REFERENCE_SCALE_BITS
        return abs(scaled - priceReferenceScaled(demand, supply, params)) <= priceErrorBoundScaled(params)
      }),
      { numRuns: 1500 },
    )
  })

  test('always lies in [p_balance - p_vol, p_balance + p_vol]', () => {
    fc.assert(
      fc.property(marketArb, priceParamsArb, ([demand, supply], params) => {
        const p = priceFixed(demand, supply, params)
        return p >= params.pBalance - params.pVol && p <= params.pBalance + params.pVol
      }),
      { numRuns: 1500 },
    )
  })

  test('is exactly symmetric in log R', () => {
    fc.assert(
      fc.property(quantityArb, quantityArb, priceParamsArb, (a, b, params) => {
        return priceFixed(a, b, params) - params.pBalance === params.pBalance - priceFixed(b, a, params)
      }),
      { numRuns: 1500 },
    )
  })

  test('is non-decreasing in demand and non-increasing in supply', () => {
    fc.assert(
      fc.property(marketArb, fc.bigInt({ min: 0n, max: 1n << 64n }), priceParamsArb, ([demand, supply], step, params) => {
        const room = MAX_UINT256 - (demand > supply ? demand : supply)
        if (step > room) step = room
        const p = priceFixed(demand, supply, params)
        return priceFixed(demand + step, supply, params) >= p && priceFixed(demand, supply + step, params) <= p
      }),
      { numRuns: 1500 },
    )
  })

  test('is monotonic in R across different markets, up to the error bound', () => {
    fc.assert(
      fc.property(marketArb, marketArb, priceParamsArb, ([d1, s1], [d2, s2], params) => {
        if (d1 * s2 > d2 * s1) [d1, s1, d2, s2] = [d2, s2, d1, s1] // now R1 <= R2
        const slack = (2n * priceErrorBoundScaled(params)) >> REFERENCE_SCALE_BITS
        return priceFixed(d1, s1, params) <= priceFixed(d2, s2, params) + slack + 1n
      }),
      { numRuns: 1500 },
    )
  })

  test('matches the float version', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 1e9 }), fc.constantFrom(1, 3, 5, 7, 9, 11), (d, s, k) => {
        const fixed = Number(priceFixed(BigInt(d), BigInt(s), { ...seed, k })) / 1e18
        return Math.abs(fixed - priceFloat(d / s, { pBalance: 150, pVol: 50, k, logRatioBound: 0.42 })) < 1e-9
      }),
      { numRuns: 1000 },
    )
  })
})

describe('parameter validation', () => {
  const cases: Array<[string, Partial<PriceParams>, new (...args: never[]) => Error, string]> = [
    ['k even', { k: 4 }, PricingInvalidExponentError, 'PricingInvalidExponent'],
    ['k zero', { k: 0 }, PricingInvalidExponentError, 'PricingInvalidExponent'],
    ['k negative', { k: -3 }, PricingInvalidExponentError, 'PricingInvalidExponent'],
    ['k fractional', { k: 2.5 }, PricingInvalidExponentError, 'PricingInvalidExponent'],
    ['k above 255', { k: 257 }, PricingInvalidExponentError, 'PricingInvalidExponent'],
    ['p_balance zero', { pBalance: 0n, pVol: 0n }, PricingInvalidBalancePriceError, 'PricingInvalidBalancePrice'],
    ['p_balance too large', { pBalance: MAX_BALANCE_PRICE + 1n }, PricingInvalidBalancePriceError, 'PricingInvalidBalancePrice'],
    ['p_vol above p_balance', { pVol: 150n * WAD + 1n }, PricingVolatilityExceedsBalanceError, 'PricingVolatilityExceedsBalance'],
    ['L zero', { logRatioBound: 0n }, PricingInvalidLogRatioBoundError, 'PricingInvalidLogRatioBound'],
    ['L above 77', { logRatioBound: 77n * WAD + 1n }, PricingInvalidLogRatioBoundError, 'PricingInvalidLogRatioBound'],
  ]
  for (const [name, change, ErrorClass, contractErrorName] of cases) {
    test(`rejects ${name} with ${ErrorClass.name}`, () => {
      assert.throws(() => priceFixed(1n, 2n, { ...seed, ...change }), (e: unknown) => {
        return e instanceof ErrorClass && (e as { contractErrorName?: string }).contractErrorName === contractErrorName
      })
    })
  }

  test('rejects zero supply with a named error and a clear message', () => {
    assert.throws(() => priceFixed(5n, 0n, seed), (e: unknown) => {
      assert.ok(e instanceof PricingZeroSupplyError)
      assert.equal(e.contractErrorName, 'PricingZeroSupply')
      assert.equal(e.parameter, 'supply')
      assert.equal(e.shortMessage, 'supply must be positive: R = demand / supply is undefined for zero supply (demand 5).')
      assert.equal(e.message, `${e.shortMessage}\n\nDocs: docs/pricing.md`)
      return true
    })
  })

  test('rejects quantities outside uint256', () => {
    assert.throws(() => priceFixed(-1n, 2n, seed), PricingInvalidQuantityError)
    assert.throws(() => priceFixed(1n, 1n << 256n, seed), PricingInvalidQuantityError)
  })

  test('checks the parameters in the contract order', () => {
    // k is checked first, then p_balance, p_vol, L: all four are bad here.
    assert.throws(() => validatePriceParams({ k: 2, pBalance: 0n, pVol: 1n, logRatioBound: 0n }), PricingInvalidExponentError)
    assert.throws(() => validatePriceParams({ k: 3, pBalance: 0n, pVol: 1n, logRatioBound: 0n }), PricingInvalidBalancePriceError)
    assert.throws(() => validatePriceParams({ k: 3, pBalance: 1n, pVol: 2n, logRatioBound: 0n }), PricingVolatilityExceedsBalanceError)
  })
})

describe('convergenceBand', () => {
  test('is where the float price leaves the tolerance', () => {
    for (const k of [1, 3, 5, 7, 9]) {
      const params = { pBalance: 150, pVol: 50, k, logRatioBound: 0.42 }
      const band = convergenceBand(params, 0.01)
      assert.ok(Math.abs(priceFloat(10 ** (band * 0.999), params) - 150) < 1.5)
      assert.ok(Math.abs(priceFloat(10 ** (band * 1.001), params) - 150) > 1.5)
      assert.ok(Math.abs(priceFloat(10 ** -(band * 1.001), params) - 150) > 1.5)
    }
    assert.equal(convergenceBand({ pBalance: 150, pVol: 1, k: 3, logRatioBound: 0.42 }, 0.01), Infinity)
  })
})
