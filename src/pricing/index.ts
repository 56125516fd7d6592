/**
 * Dynamic pricing (SPEC.md section 3): the contract's price in exact fixed point, the float
 * version, the market simulator with the seed and improved rules, seed 001's reproduction
 * and the figures. See README.md in this folder and docs/pricing.md.
 *
 * @example
 * import { priceFixed, reproduceSeed001 } from '../pricing/index.ts'
 */
export * from './priceMath.ts'
export * from './priceFloat.ts'
export * from './errors.ts'
export * from './rules.ts'
export * from './simulator.ts'
export * from './reproduction.ts'
export * from './charts.ts'
export { createRandom, type Random } from './random.ts'
