/**
 * Shamir secret sharing over GF(2^8) (the AES field, reduction polynomial x^8+x^4+x^3+x+1),
 * byte-wise: each secret byte is the constant term of its own random polynomial of degree
 * threshold-1, and share i is every polynomial evaluated at x = i (1..255).
 *
 * Any `threshold` shares reconstruct the secret by Lagrange interpolation at 0; fewer reveal
 * nothing about it (information-theoretically). Field arithmetic is branch-free and
 * table-free, so timing does not depend on secret bytes.
 *
 * Shares carry no integrity protection: a corrupted share silently yields a wrong secret.
 * recovery.ts adds a checksum per share and checks the result against a public key.
 */
import { randomBytes } from 'node:crypto'
import { InvalidShareParametersError, RecoveryShareMismatchError } from '../errors/identity.ts'

/** One share: its x coordinate (1..255) and one y byte per secret byte. */
export type Share = { x: number; y: Uint8Array }

export type SplitSecretParameters = {
  /** Shares needed to reconstruct (1..shares). */
  threshold: number
  /** Shares to produce (threshold..255). */
  shares: number
  /** Randomness source; tests only. Default: node:crypto randomBytes. */
  random?: ((length: number) => Uint8Array) | undefined
}

/**
 * Multiplies in GF(2^8) (constant time).
 *
 * @example
 * gf256Mul(0x57, 0x83) // 0xc1 (FIPS-197 section 4.2)
 */
export function gf256Mul(a: number, b: number): number {
  let product = 0
  for (let i = 0; i < 8; i++) {
    product ^= -(b & 1) & a
    const carry = -((a >> 7) & 1)
    a = ((a << 1) ^ (carry & 0x1b)) & 0xff
    b >>= 1
  }
  return product & 0xff
}

/**
 * Inverts in GF(2^8) as a^254 (constant time); 0 maps to 0.
 *
 * @example
 * gf256Inv(0x53) // 0xca
 */
export function gf256Inv(a: number): number {
  // a^254 = a^(11111110b): square-and-multiply over a fixed exponent.
  let result = 1
  let power = a
  for (let bit = 1; bit < 8; bit++) {
    power = gf256Mul(power, power) // a^(2^bit)
    result = gf256Mul(result, power)
  }
  return result
}

/**
 * Splits a secret into `shares` shares, any `threshold` of which reconstruct it.
 *
 * @example
 * const parts = splitSecret(secret, { threshold: 3, shares: 5 })
 * combineShares([parts[0], parts[2], parts[4]]) // equals secret
 */
export function splitSecret(secret: Uint8Array, { threshold, shares, random = randomBytes }: SplitSecretParameters): Share[] {
  if (!Number.isInteger(threshold) || !Number.isInteger(shares) || threshold < 1 || threshold > shares || shares > 255 || secret.length === 0) {
    throw new InvalidShareParametersError({ threshold, shares, secretLength: secret.length })
  }
  // coefficients[j * (threshold - 1) + t] is the coefficient of x^(t+1) for byte j.
  const coefficients = random(secret.length * (threshold - 1))
  const result: Share[] = []
  for (let x = 1; x <= shares; x++) {
    const y = new Uint8Array(secret.length)
    for (let j = 0; j < secret.length; j++) {
      // Horner: (((c_{k-1} x + c_{k-2}) x + ...) x + c_0
      let acc = 0
      for (let t = threshold - 2; t >= 0; t--) acc = gf256Mul(acc, x) ^ coefficients[j * (threshold - 1) + t]
      y[j] = gf256Mul(acc, x) ^ secret[j]
    }
    result.push({ x, y })
  }
  coefficients.fill(0)
  return result
}

/**
 * Reconstructs the secret from shares by interpolating at x = 0. Give it at least the
 * threshold: with fewer it returns an unrelated value (it cannot know the threshold).
 * Throws `RecoveryShareMismatchError` for duplicate or invalid x, or unequal lengths.
 *
 * @example
 * combineShares(parts.slice(0, 3))
 */
export function combineShares(shares: readonly Share[]): Uint8Array {
  const length = shares[0]?.y.length ?? 0
  const xs = new Set<number>()
  for (const { x, y } of shares) {
    if (!Number.isInteger(x) || x < 1 || x > 255) throw new RecoveryShareMismatchError({ reason: `share index ${x} is outside 1..255` })
    if (xs.has(x)) throw new RecoveryShareMismatchError({ reason: `share #${x} was given twice` })
    if (y.length !== length) throw new RecoveryShareMismatchError({ reason: 'shares have different lengths' })
    xs.add(x)
  }
  if (shares.length === 0 || length === 0) throw new RecoveryShareMismatchError({ reason: 'no share data' })
  const secret = new Uint8Array(length)
  shares.forEach((share, i) => {
    // Lagrange basis at 0: prod_{m != i} x_m / (x_m - x_i); subtraction is XOR in GF(2^8).
    let basis = 1
    shares.forEach((other, m) => {
      if (m !== i) basis = gf256Mul(basis, gf256Mul(other.x, gf256Inv(other.x ^ share.x)))
    })
    for (let j = 0; j < length; j++) secret[j] ^= gf256Mul(basis, share.y[j])
  })
  return secret
}
