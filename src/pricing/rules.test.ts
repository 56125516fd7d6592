import assert from 'node:assert/strict'
import { test } from 'node:test'
import { priceDeviation } from './priceFloat.ts'
import { createPriceRule } from './rules.ts'

const params = { k: 3, logRatioBound: 0.42, flatDeviation: 0.03, damping: 0.8 }

test('the seed rule is the price curve', () => {
  const rule = createPriceRule('seed', params)
  for (const r of [0.1, 0.5, 0.9, 1, 1.2, 3]) assert.equal(rule.deviation(r), priceDeviation(r, 3, 0.42))
})

test('the improved rule boosts only after measuring a response, by at most p_vol', () => {
  const rule = createPriceRule('improved', params)
  const first = rule.deviation(0.5) // nothing measured yet: the seed rule
  assert.equal(first, priceDeviation(0.5, 3, 0.42))
  // The market answers u = first with log10 R rising by 0.2 * |u|: a response of 0.2.
  const logR = Math.log10(0.5) + 0.2 * Math.abs(first)
  const u = rule.deviation(10 ** logR)
  assert.ok(Math.abs(u - -Math.min(1, (0.8 * Math.abs(logR)) / 0.2)) < 1e-9, `u = ${u}`)
  assert.ok(u < priceDeviation(10 ** logR, 3, 0.42), 'stronger than the seed rule')
  assert.equal(rule.deviation(0.05), -1) // far out: capped at p_vol
})

test('the improved rule is the seed rule inside the flat zone and never pushes the wrong way', () => {
  const rule = createPriceRule('improved', params)
  rule.deviation(0.3)
  rule.deviation(0.45) // a response is now known
  for (const r of [0.9, 0.97, 1, 1.05]) assert.equal(rule.deviation(r), priceDeviation(r, 3, 0.42)) // |u_seed| <= 0.03
  const fresh = createPriceRule('improved', params)
  fresh.deviation(0.3)
  fresh.deviation(0.45)
  assert.ok(fresh.deviation(2) > 0) // demand above supply: price above p_balance
})

test('a market moving away from balance gives no response estimate', () => {
  const rule = createPriceRule('improved', params)
  rule.deviation(0.5) // u < 0 should raise R ...
  const u = rule.deviation(0.4) // ... but R fell: no boost
  assert.equal(u, priceDeviation(0.4, 3, 0.42))
})
