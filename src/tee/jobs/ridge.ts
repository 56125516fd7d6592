/**
 * The small linear algebra the forecast needs, written here so the enclave image carries no
 * numeric library: accumulate normal equations and solve them by Cholesky decomposition
 * (XᵀX + λI is symmetric positive definite for λ > 0, and Cholesky is the stable, half-cost
 * solver for exactly that case).
 */
import { SingularSystemError } from './errors.ts'

/**
 * Solves A x = b for a symmetric positive definite A (n × n, row-major), A = L Lᵀ.
 *
 * @throws {SingularSystemError} A is not positive definite (a pivot <= 0)
 * @example
 * choleskySolve(new Float64Array([4, 2, 2, 3]), new Float64Array([2, 1]), 2) // [0.5, 0]
 */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!
      if (i === j) {
        if (!(s > 0)) throw new SingularSystemError({ pivot: s })
        l[i * n + i] = Math.sqrt(s)
      } else l[i * n + j] = s / l[j * n + j]!
    }
  }
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let s = b[i]!
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!
    y[i] = s / l[i * n + i]!
  }
  const x = new Float64Array(n)
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!
    x[i] = s / l[i * n + i]!
  }
  return x
}

/**
 * Ridge regression by normal equations: rows are added one at a time (no design matrix is
 * kept), then w = (XᵀX + λI)⁻¹ Xᵀy.
 *
 * @example
 * const r = new RidgeAccumulator(2); r.add([1, 0], 3); r.add([0, 1], 4); r.solve(0.01)
 */
export class RidgeAccumulator {
  readonly xtx: Float64Array
  readonly xty: Float64Array
  samples = 0
  constructor(readonly features: number) {
    this.xtx = new Float64Array(features * features)
    this.xty = new Float64Array(features)
  }
  add(x: ArrayLike<number>, y: number): void {
    const n = this.features
    for (let i = 0; i < n; i++) {
      const xi = x[i]!
      if (xi === 0) continue
      this.xty[i]! += xi * y
      for (let j = 0; j < n; j++) this.xtx[i * n + j]! += xi * x[j]!
    }
    this.samples++
  }
  solve(lambda: number): Float64Array {
    const n = this.features
    const a = this.xtx.slice()
    for (let i = 0; i < n; i++) a[i * n + i]! += lambda
    return choleskySolve(a, this.xty, n)
  }
}
