/**
 * The on-chain price function (PriceMath.sol, DynamicPricing.computePrice) against its
 * TypeScript mirror (src/pricing/priceMath.ts): equal to the base unit on random inputs,
 * and rejecting the same bad inputs with the same named errors.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import fc from 'fast-check'
import type { Address } from 'viem'
import { DynamicPricingAbi, DynamicPricingBytecode, PriceMathHarnessAbi, PriceMathHarnessBytecode } from '../../../src/contracts/generated.ts'
import { PricingParameterError } from '../../../src/pricing/errors.ts'
import { log2Wad, priceFixed, WAD, type PriceParams } from '../../../src/pricing/priceMath.ts'
import { marketArb, priceParamsArb, spreadBigInt } from '../../../src/pricing/testing/arbitraries.ts'
import { createPricingDevnet, revertName, type PricingDevnet } from './setup.ts'

let net: PricingDevnet
let harness: Address
let pricing: Address

before(async () => {
  net = await createPricingDevnet()
  harness = await net.deploy({ abi: PriceMathHarnessAbi, bytecode: PriceMathHarnessBytecode })
  // computePrice is pure: any alliance and governance address will do.
  pricing = await net.deploy({ abi: DynamicPricingAbi, bytecode: DynamicPricingBytecode, args: [net.accounts[9]!.address, net.accounts[0]!.address, net.accounts[8]!.address] })
})

/** The outcome of a call: the value, or the name of the custom error it reverted with. */
type Outcome = { value: bigint } | { error: string }

async function onChainPrice(demand: bigint, supply: bigint, params: PriceParams): Promise<Outcome> {
  try {
    return { value: await net.client.readContract({ address: pricing, abi: DynamicPricingAbi, functionName: 'computePrice', args: [demand, supply, params] }) }
  } catch (e) {
    return { error: revertName(e) }
  }
}

function offChainPrice(demand: bigint, supply: bigint, params: PriceParams): Outcome {
  try {
    return { value: priceFixed(demand, supply, params) }
  } catch (e) {
    if (e instanceof PricingParameterError && e.contractErrorName) return { error: e.contractErrorName }
    throw e
  }
}

describe('PriceMath on chain equals priceFixed off chain', () => {
  test('log2, bit for bit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spreadBigInt(256), { minLength: 100, maxLength: 100 }), async (ns) => {
        const onChain = await net.client.readContract({ address: harness, abi: PriceMathHarnessAbi, functionName: 'log2Batch', args: [ns] })
        assert.deepEqual(onChain, ns.map(log2Wad))
      }),
      { numRuns: 20 },
    )
  })

  test('price, bit for bit, over random R, D, k, p_balance, p_vol and L', async () => {
    const caseArb = fc.tuple(marketArb, priceParamsArb)
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: 100, maxLength: 100 }), async (cases) => {
        const onChain = await net.client.readContract({
          address: harness,
          abi: PriceMathHarnessAbi,
          functionName: 'priceBatch',
          args: [cases.map(([[d]]) => d), cases.map(([[, s]]) => s), cases.map(([, p]) => p)],
        })
        assert.deepEqual(onChain, cases.map(([[d, s], p]) => priceFixed(d, s, p)))
      }),
      { numRuns: 25 },
    )
  })

  test('DynamicPricing.computePrice agrees, including which inputs it rejects and how', async () => {
    // Parameters drawn without regard to validity: about half are rejected.
    const anyParamsArb = fc.record({
      k: fc.integer({ min: 0, max: 255 }),
      pBalance: fc.oneof(fc.constant(150n * WAD), fc.constant(0n), spreadBigInt(128)),
      pVol: fc.oneof(fc.constant(50n * WAD), spreadBigInt(128)),
      logRatioBound: fc.oneof(fc.constant(42n * 10n ** 16n), fc.constant(0n), spreadBigInt(67)),
    })
    const marketOrEmptyArb = fc.oneof(marketArb, fc.tuple(fc.bigInt({ min: 0n, max: 100n }), fc.constant(0n)))
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(marketOrEmptyArb, anyParamsArb), { minLength: 50, maxLength: 50 }), async (cases) => {
        const onChain = await Promise.all(cases.map(([[d, s], p]) => onChainPrice(d, s, p)))
        assert.deepEqual(onChain, cases.map(([[d, s], p]) => offChainPrice(d, s, p)))
      }),
      { numRuns: 30 },
    )
  })

  test('bad parameters are rejected with the named errors', async () => {
    const seed: PriceParams = { pBalance: 150n * WAD, pVol: 50n * WAD, k: 3, logRatioBound: 42n * 10n ** 16n }
    const cases: Array<[Partial<PriceParams>, bigint, string]> = [
      [{ k: 4 }, 10n, 'PricingInvalidExponent'],
      [{ k: 0 }, 10n, 'PricingInvalidExponent'],
      [{ pVol: 151n * WAD }, 10n, 'PricingVolatilityExceedsBalance'],
      [{ pBalance: 0n, pVol: 0n }, 10n, 'PricingInvalidBalancePrice'],
      [{ logRatioBound: 0n }, 10n, 'PricingInvalidLogRatioBound'],
      [{}, 0n, 'PricingZeroSupply'],
    ]
    for (const [change, supply, expected] of cases) {
      const params = { ...seed, ...change }
      assert.deepEqual(await onChainPrice(5n, supply, params), { error: expected })
      assert.deepEqual(offChainPrice(5n, supply, params), { error: expected })
    }
  })
})
