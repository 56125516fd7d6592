import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SimulationParameterError } from './errors.ts'
import { convergenceBand } from './priceFloat.ts'
import { reproduceSeed001, reproductionRows, SEED_001_RESULTS, simulateExponents } from './reproduction.ts'
import { feasibleRatios, SEED_001_PARAMETERS, simulate, type SimulationParameters } from './simulator.ts'

const withK = (k: number, p: Partial<SimulationParameters> = {}): SimulationParameters => ({
  ...SEED_001_PARAMETERS,
  ...p,
  price: { ...SEED_001_PARAMETERS.price, ...p.price, k },
})

describe('seed 001 reproduction', () => {
  const results = reproduceSeed001()

  test('rounds to converge are within ±1 of the seed for k = 3, 5, 7, 9', () => {
    const rows = reproductionRows(results)
    assert.deepEqual(rows.map((r) => r.k), [3, 5, 7, 9])
    for (const row of rows) {
      assert.ok(row.rounds !== null && Math.abs(row.rounds - row.seedRounds) <= 1, `k=${row.k}: ${row.rounds} vs ${row.seedRounds}`)
      assert.ok(row.reproduced)
    }
  })

  test('convergence is reached from below and the price stays there', () => {
    for (const r of results) {
      const prices = r.seed.rounds.map((x) => x.price)
      assert.equal(prices[0], 100) // R = 0.25 saturates the floor
      for (let i = 1; i < prices.length; i++) assert.ok(prices[i]! >= prices[i - 1]!, 'monotone approach')
      assert.ok(prices.every((p) => p <= 150))
      assert.equal(r.seed.overshoot, 0)
    }
  })

  test('the convergence band is the analytic band, and the seed rule converges inside it', () => {
    for (const r of results) {
      assert.equal(r.band, convergenceBand(r.parameters.price, 0.01))
      assert.ok(r.seed.log10RatioAtConvergence! <= r.band)
      const before = r.seed.rounds[r.seed.convergedAt! - 2]!
      assert.ok(Math.abs(before.log10Ratio) > r.band, 'one round earlier it was outside')
    }
    // Bands widen with k, as in the seed (0.15 < 0.25 < 0.28 < 0.30).
    const bands = results.map((r) => r.band)
    assert.deepEqual([...bands].sort((a, b) => a - b), bands)
    for (const r of results) assert.ok(Math.abs(r.band - SEED_001_RESULTS.bands[r.parameters.price.k]!) < 0.05)
  })

  test('the improved rule converges in fewer rounds, without overshoot, to a better balanced market', () => {
    for (const r of results) {
      assert.ok(r.improved.convergedAt! < r.seed.convergedAt!, `k=${r.parameters.price.k}`)
      assert.equal(r.improved.overshoot, 0)
      assert.ok(r.improved.log10RatioAtConvergence! <= r.band)
      assert.ok(Math.abs(r.improved.rounds.at(-1)!.log10Ratio) <= Math.abs(r.seed.rounds.at(-1)!.log10Ratio))
    }
  })
})

describe('response models', () => {
  test('round 1 is at the requested ratio for any participant counts', () => {
    for (const [sellers, buyers] of [[1, 1], [3, 7], [40, 10]] as const) {
      const [lo, hi] = feasibleRatios({ sellers, buyers, minQuantity: 25, maxQuantity: 100 })
      for (const startRatio of [lo, (lo + 1) / 2, 1, hi / 2, hi]) {
        for (const responseModel of ['willingness', 'reserve'] as const) {
          const r = simulate(withK(3, { sellers, buyers, startRatio, responseModel, rounds: 2 }))
          assert.ok(Math.abs(r.seed.rounds[0]!.ratio / startRatio - 1) < 1e-12)
        }
      }
    }
  })

  test('the willingness model is symmetric: R(1) = 4 mirrors R(1) = 0.25', () => {
    for (const k of [3, 5, 7, 9]) {
      const low = simulate(withK(k))
      const high = simulate(withK(k, { startRatio: 4 }))
      assert.equal(high.seed.convergedAt, low.seed.convergedAt)
      assert.equal(high.improved.convergedAt, low.improved.convergedAt)
      high.seed.rounds.forEach((x, i) => assert.ok(Math.abs(x.price - 150 + (low.seed.rounds[i]!.price - 150)) < 1e-9))
    }
  })

  test('the market settles where price meets the mean reserve price, not at p_balance', () => {
    const r = simulate(withK(1, { minReserve: 110, maxReserve: 210, rounds: 400 }))
    assert.ok(Math.abs(r.seed.rounds.at(-1)!.price - 160) < 0.1)
    assert.equal(r.seed.convergedAt, null) // 160 is outside 150 ± 1%
  })

  test('the reserve model is deterministic per seed', () => {
    const a = simulate(withK(5, { responseModel: 'reserve', sellers: 30, buyers: 30, seed: 11 }))
    const b = simulate(withK(5, { responseModel: 'reserve', sellers: 30, buyers: 30, seed: 11 }))
    const c = simulate(withK(5, { responseModel: 'reserve', sellers: 30, buyers: 30, seed: 12 }))
    assert.deepEqual(a, b)
    assert.notDeepEqual(a.seed.rounds, c.seed.rounds)
  })

  test('with many reserve-price agents the improved rule is never slower and does not overshoot', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      for (const r of simulateExponents(withK(3, { responseModel: 'reserve', sellers: 200, buyers: 200, seed, rounds: 60 }), [3, 5, 7, 9])) {
        assert.ok(r.improved.convergedAt !== null && r.improved.convergedAt <= r.seed.convergedAt!, `seed ${seed}, k=${r.parameters.price.k}`)
        assert.ok(r.improved.overshoot <= 1.5, `overshoot ${r.improved.overshoot}`)
      }
    }
  })
})

describe('simulation parameters', () => {
  const bad: Array<[string, Partial<SimulationParameters>]> = [
    ['sellers', { sellers: 0 }],
    ['buyers', { buyers: 1.5 }],
    ['rounds', { rounds: 0 }],
    ['gain', { gain: 0 }],
    ['minQuantity', { minQuantity: 0 }],
    ['maxQuantity', { maxQuantity: 25 }],
    ['maxReserve', { maxReserve: 100 }],
    ['tolerance', { tolerance: 1 }],
    ['damping', { damping: 0 }],
    ['seed', { seed: -1 }],
    ['startRatio', { startRatio: 0.2 }],
    ['startRatio', { startRatio: Number.NaN }],
    ['responseModel', { responseModel: 'herd' as never }],
  ]
  for (const [option, change] of bad) {
    test(`rejects ${option} = ${String(Object.values(change)[0])} naming the option`, () => {
      assert.throws(() => simulate(withK(3, change)), (e: unknown) => e instanceof SimulationParameterError && e.option === option)
    })
  }
})
