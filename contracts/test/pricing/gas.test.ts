/**
 * The gas bench runs and stays within budgets: a regression here makes every trade or
 * every round dearer.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { measurePricingGas, type PricingGasOperation } from '../../../bench/pricing-gas.ts'

const budgets: Record<PricingGasOperation, number> = {
  deploy: 1_700_000,
  // Writes three new slots (price/round/end/demand, supply/shape, p_balance/p_vol), once per category.
  configureCategory: 130_000,
  recordSupply: 60_000,
  removeSupply: 40_000,
  // Every order pays this: one cold slot read and written (about 27,600 with the 21,000 base).
  recordDemand: 30_000,
  'recordDemand.sameRound': 30_000,
  advanceRound: 90_000,
  'advanceRound.k255': 90_000,
  'recordDemand.opensRound': 85_000,
}

test('measurePricingGas measures every operation within its budget', async () => {
  const figures = await measurePricingGas()
  assert.deepEqual(figures.map((f) => f.operation).sort(), Object.keys(budgets).sort())
  for (const f of figures) {
    assert.ok(f.executionGas > 0 && f.executionGas < f.gasUsed, f.operation)
    assert.ok(f.gasUsed <= budgets[f.operation], `${f.operation}: ${f.gasUsed} gas > ${budgets[f.operation]}`)
  }
})
