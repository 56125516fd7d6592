/**
 * A small deterministic pseudo-random generator for the market simulator: the same seed
 * gives the same sequence on every platform. Not for anything secret.
 */

/** Returns numbers uniform in [0, 1). */
export type Random = () => number

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator; period 2^32), seeded with any integer.
 * @example const rand = createRandom(1); rand() // 0.6270739405881613
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
