import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import { InvalidShareParametersError, RecoveryShareMismatchError } from '../errors/identity.ts'
import { combineShares, gf256Inv, gf256Mul, splitSecret, type Share } from './shamir.ts'

/** Reference multiplication: shift-and-add with a branch, to check the branch-free one. */
function slowMul(a: number, b: number): number {
  let p = 0
  for (let i = 0; i < 8; i++) {
    if (b & (1 << i)) p ^= a
    a = a & 0x80 ? ((a << 1) ^ 0x11b) : a << 1
  }
  return p
}

test('GF(2^8) arithmetic matches FIPS-197 and a reference implementation', () => {
  assert.equal(gf256Mul(0x57, 0x83), 0xc1)
  assert.equal(gf256Mul(0x57, 0x13), 0xfe)
  assert.equal(gf256Inv(0x53), 0xca)
  assert.equal(gf256Inv(0), 0)
  for (let a = 0; a < 256; a++) {
    for (let b = 0; b < 256; b += 7) assert.equal(gf256Mul(a, b), slowMul(a, b))
    if (a > 0) assert.equal(gf256Mul(a, gf256Inv(a)), 1)
  }
})

test('known vector: fixed coefficients give the hand-computed shares', () => {
  // secret byte 0x2a, threshold 2, coefficient 0x07: f(x) = 0x2a ^ 7*x
  const shares = splitSecret(Uint8Array.of(0x2a), { threshold: 2, shares: 3, random: () => Uint8Array.of(0x07) })
  assert.deepEqual(shares.map((s) => [s.x, s.y[0]]), [[1, 0x2a ^ 0x07], [2, 0x2a ^ 0x0e], [3, 0x2a ^ 0x09]])
})

test('every threshold-sized subset reconstructs the secret (all subsets of 3-of-5)', () => {
  const secret = randomBytes(32)
  const shares = splitSecret(secret, { threshold: 3, shares: 5 })
  for (let a = 0; a < 5; a++) for (let b = a + 1; b < 5; b++) for (let c = b + 1; c < 5; c++) {
    assert.deepEqual(combineShares([shares[c]!, shares[a]!, shares[b]!]), new Uint8Array(secret))
  }
  assert.deepEqual(combineShares(shares), new Uint8Array(secret), 'more than threshold also works')
})

test('property: any threshold shares of a random k-of-n split reconstruct the secret', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 48 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 8 }),
      fc.integer(),
      (secret, threshold, extra, seed) => {
        const shares = splitSecret(secret, { threshold, shares: threshold + extra })
        const picked = shuffle(shares, seed).slice(0, threshold)
        assert.deepEqual(combineShares(picked), secret)
      },
    ),
    { numRuns: 200 },
  )
})

test('k-1 shares are consistent with every possible secret (perfect secrecy, one byte)', () => {
  // Fix 2 shares of a 3-of-5 split (deterministic coefficients). For every candidate secret
  // byte some third point completes a degree-2 polynomial through both shares and
  // (0, candidate), so the two shares rule nothing out; with uniformly random coefficients
  // every candidate is equally likely.
  const shares = splitSecret(Uint8Array.of(0x5c), { threshold: 3, shares: 5, random: () => Uint8Array.of(0x11, 0x22) })
  const known = shares.slice(0, 2)
  const candidates = new Set<number>()
  for (let candidate = 0; candidate < 256; candidate++) {
    for (let y = 0; y < 256; y++) {
      if (combineShares([...known, { x: 255, y: Uint8Array.of(y) }])[0] === candidate) {
        candidates.add(candidate)
        break
      }
    }
  }
  assert.equal(candidates.size, 256)
  assert.notDeepEqual(combineShares(known), Uint8Array.of(0x5c))
})

test('rejects bad parameters and inconsistent share sets', () => {
  const secret = randomBytes(16)
  for (const [threshold, shares] of [[0, 3], [4, 3], [2, 256], [1.5, 3]] as const) {
    assert.throws(() => splitSecret(secret, { threshold, shares }), InvalidShareParametersError)
  }
  assert.throws(() => splitSecret(new Uint8Array(), { threshold: 1, shares: 1 }), InvalidShareParametersError)
  const shares = splitSecret(secret, { threshold: 2, shares: 3 })
  const bad: Share[][] = [
    [],
    [shares[0]!, shares[0]!],
    [shares[0]!, { x: 0, y: shares[1]!.y }],
    [shares[0]!, { x: 2, y: shares[1]!.y.slice(1) }],
  ]
  for (const set of bad) assert.throws(() => combineShares(set), RecoveryShareMismatchError)
  assert.deepEqual(splitSecret(secret, { threshold: 1, shares: 1 })[0]!.y, new Uint8Array(secret), '1-of-1 share is the secret')
})

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items]
  let state = seed >>> 0 || 1
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0
    const j = state % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}
