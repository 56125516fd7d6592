/**
 * Seed 001's published convergence results and the runs that reproduce them, plus the
 * machine-readable summary that `bourse pricing simulate --json` prints.
 */
import { SEED_001_PARAMETERS, simulate, type SimulationParameters, type SimulationResult } from './simulator.ts'

/** What seed 001 (section 4.2, Fig. 10) reports for p_balance 150, p_vol 50, R(1) = 0.25. */
export const SEED_001_RESULTS = Object.freeze({
  exponents: [3, 5, 7, 9] as const,
  /** Rounds to reach p_balance +/- 1%. */
  rounds: Object.freeze({ 3: 13, 5: 10, 7: 6, 9: 5 }) as Readonly<Record<number, number>>,
  /** Convergence band: |log10 R| <= band. */
  bands: Object.freeze({ 3: 0.15, 5: 0.25, 7: 0.28, 9: 0.3 }) as Readonly<Record<number, number>>,
})

/** How many rounds a reproduced figure may differ from the seed's (issue 3). */
export const REPRODUCTION_TOLERANCE_ROUNDS = 1

/**
 * Runs the simulator once per k with everything else from `base`.
 * @example simulateExponents(SEED_001_PARAMETERS, [3, 9]).map((r) => r.seed.convergedAt) // [13, 5]
 */
export function simulateExponents(base: SimulationParameters, exponents: readonly number[]): SimulationResult[] {
  return exponents.map((k) => simulate({ ...base, price: { ...base.price, k } }))
}

export interface ReproductionRow {
  k: number
  rounds: number | null
  seedRounds: number
  band: number
  seedBand: number
  improvedRounds: number | null
  /** |rounds - seedRounds| <= REPRODUCTION_TOLERANCE_ROUNDS. */
  reproduced: boolean
}

/**
 * Compares simulation results with seed 001's figures, one row per k the seed reports.
 * @example reproductionRows(simulateExponents(SEED_001_PARAMETERS, [3, 5, 7, 9])).every((r) => r.reproduced) // true
 */
export function reproductionRows(results: readonly SimulationResult[]): ReproductionRow[] {
  return results
    .filter((r) => SEED_001_RESULTS.rounds[r.parameters.price.k] !== undefined)
    .map((r) => {
      const k = r.parameters.price.k
      const seedRounds = SEED_001_RESULTS.rounds[k]!
      const rounds = r.seed.convergedAt
      return {
        k,
        rounds,
        seedRounds,
        band: r.band,
        seedBand: SEED_001_RESULTS.bands[k]!,
        improvedRounds: r.improved.convergedAt,
        reproduced: rounds !== null && Math.abs(rounds - seedRounds) <= REPRODUCTION_TOLERANCE_ROUNDS,
      }
    })
}

/** The seed's own experiment: {@link SEED_001_PARAMETERS} for k = 3, 5, 7, 9. */
export function reproduceSeed001(): SimulationResult[] {
  return simulateExponents(SEED_001_PARAMETERS, SEED_001_RESULTS.exponents)
}

/** Keyed by k as a string, as in JSON. */
export type ByExponent<T> = Record<string, T>

/** The JSON line of `bourse pricing simulate --json`. */
export interface SimulationSummary {
  rounds: ByExponent<number | null>
  seedRounds?: ByExponent<number>
  improvedRounds: ByExponent<number | null>
  bands: ByExponent<number>
  seedBands?: ByExponent<number>
  log10RatioAtConvergence: { seed: ByExponent<number | null>; improved: ByExponent<number | null> }
  overshoot: { seed: ByExponent<number>; improved: ByExponent<number> }
  reproduced?: boolean
  parameters: Omit<SimulationParameters, 'price'> & { pBalance: number; pVol: number; logRatioBound: number; k: number[] }
}

/**
 * Builds the summary; with `compareWithSeed` it adds the seed's figures and whether every
 * k is reproduced within {@link REPRODUCTION_TOLERANCE_ROUNDS}.
 */
export function summarizeSimulations(results: readonly SimulationResult[], compareWithSeed: boolean): SimulationSummary {
  if (results.length === 0) throw new RangeError('summarizeSimulations: no results')
  const by = <T>(f: (r: SimulationResult) => T): ByExponent<T> => Object.fromEntries(results.map((r) => [String(r.parameters.price.k), f(r)]))
  const round6 = (x: number) => Math.round(x * 1e6) / 1e6
  const { price, ...rest } = results[0]!.parameters
  const summary: SimulationSummary = {
    rounds: by((r) => r.seed.convergedAt),
    improvedRounds: by((r) => r.improved.convergedAt),
    bands: by((r) => round6(r.band)),
    log10RatioAtConvergence: {
      seed: by((r) => (r.seed.log10RatioAtConvergence === null ? null : round6(r.seed.log10RatioAtConvergence))),
      improved: by((r) => (r.improved.log10RatioAtConvergence === null ? null : round6(r.improved.log10RatioAtConvergence))),
    },
    overshoot: { seed: by((r) => round6(r.seed.overshoot)), improved: by((r) => round6(r.improved.overshoot)) },
    parameters: { ...rest, pBalance: price.pBalance, pVol: price.pVol, logRatioBound: price.logRatioBound, k: results.map((r) => r.parameters.price.k) },
  }
  if (!compareWithSeed) return summary
  const rows = reproductionRows(results)
  return {
    rounds: summary.rounds,
    seedRounds: Object.fromEntries(rows.map((r) => [String(r.k), r.seedRounds])),
    improvedRounds: summary.improvedRounds,
    bands: summary.bands,
    seedBands: Object.fromEntries(rows.map((r) => [String(r.k), r.seedBand])),
    log10RatioAtConvergence: summary.log10RatioAtConvergence,
    overshoot: summary.overshoot,
    reproduced: rows.length > 0 && rows.every((r) => r.reproduced),
    parameters: summary.parameters,
  }
}
