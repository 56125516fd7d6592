/**
 * Market simulator for the dynamic price (SPEC.md section 3), implementing the
 * reconstructed willingness model of seed 001 (whose equations were lost; see
 * docs/pricing.md). Pure: no I/O; the CLI prints and writes pictures.
 *
 * Each round t: supply S(t) and demand De(t) follow from the participants' willingness;
 * the rule prices the round from R(t) = De(t)/S(t); participants then respond to p(t).
 *
 * Response models:
 * - `willingness` (SPEC's reconstruction): all sellers share the cumulative willingness
 *   phi(t) = clip(phi(t-1) + g * (p(t-1) - mean X) / (max X - min X), 0, 1), buyers the
 *   mirror psi; X, the private reserve prices, are uniform in [minReserve, maxReserve], so
 *   mean X = 150 and the range 100 with the seed's MinPrice 100 / MaxPrice 200. This is the
 *   mean-field of the `reserve` model and what reproduces the seed's figures.
 * - `reserve`: every seller i draws its own reserve X_i (every buyer j its own Y_j) from the
 *   seeded generator and updates phi_i by g * (p - X_i) / range (psi_j by g * (Y_j - p) /
 *   range). In the long run a seller offers its maximum only above its reserve.
 * A participant offers (requests) minQuantity + phi * (maxQuantity - minQuantity) per round.
 */
import { SimulationParameterError } from './errors.ts'
import { convergenceBand, type PriceFloatParams, validatePriceFloatParams } from './priceFloat.ts'
import { createRandom } from './random.ts'
import { createPriceRule, type PriceRuleName } from './rules.ts'

export type ResponseModel = 'willingness' | 'reserve'
export const RESPONSE_MODELS: readonly ResponseModel[] = ['willingness', 'reserve']

export interface SimulationParameters {
  /** Price function in tokens: p_balance, p_vol, k, L. */
  price: PriceFloatParams
  /** R in round 1. */
  startRatio: number
  sellers: number
  buyers: number
  responseModel: ResponseModel
  /** g: how far willingness moves per round for a price 100% of the reserve range away. */
  gain: number
  /** Quantity a participant offers (requests) per round at willingness 0 and 1. */
  minQuantity: number
  maxQuantity: number
  /** Range of the private reserve prices (seed: MinPrice 100, MaxPrice 200). */
  minReserve: number
  maxReserve: number
  /** Rounds simulated. */
  rounds: number
  /** Converged: |p - p_balance| <= tolerance * p_balance from that round to the last. */
  tolerance: number
  /** Fraction of the imbalance the improved rule closes per round, in (0, 1]. */
  damping: number
  /** Seed of the pseudo-random generator (used by the `reserve` model). */
  seed: number
}

/**
 * Seed 001's experiment (section 4.2) with the reconstruction's tuned constants:
 * g = 0.29 and L = 0.42 (SPEC.md section 3), quantities 25..100, reserves 100..200.
 */
export const SEED_001_PARAMETERS: Readonly<SimulationParameters> = Object.freeze({
  price: Object.freeze({ pBalance: 150, pVol: 50, k: 3, logRatioBound: 0.42 }),
  startRatio: 0.25,
  sellers: 1,
  buyers: 1,
  responseModel: 'willingness',
  gain: 0.29,
  minQuantity: 25,
  maxQuantity: 100,
  minReserve: 100,
  maxReserve: 200,
  rounds: 40,
  tolerance: 0.01,
  damping: 0.8,
  seed: 1,
})

/** One simulated round. */
export interface RoundRecord {
  round: number
  supply: number
  demand: number
  ratio: number
  log10Ratio: number
  price: number
}

/** One rule's trajectory and its convergence figures. */
export interface SimulationRun {
  rule: PriceRuleName
  rounds: RoundRecord[]
  /** First round from which the price stays within tolerance; null if it never settles. */
  convergedAt: number | null
  /** |log10 R| in that round. */
  log10RatioAtConvergence: number | null
  /** Largest price deviation on the far side of p_balance from where the market started (tokens). */
  overshoot: number
}

export interface SimulationResult {
  parameters: SimulationParameters
  /** Largest |log10 R| with the seed price within tolerance: L * (tolerance * pBalance / pVol)^(1/k). */
  band: number
  seed: SimulationRun
  improved: SimulationRun
}

/**
 * Simulates the seed rule and the improved rule on identical markets (same participants,
 * same reserve draws) and reports both.
 * @example simulate({ ...SEED_001_PARAMETERS, price: { ...SEED_001_PARAMETERS.price, k: 5 } }).seed.convergedAt // 10
 */
export function simulate(parameters: SimulationParameters): SimulationResult {
  validateSimulationParameters(parameters)
  return {
    parameters,
    band: convergenceBand(parameters.price, parameters.tolerance),
    seed: run(parameters, 'seed'),
    improved: run(parameters, 'improved'),
  }
}

/** Throws {@link SimulationParameterError} (or a price-parameter error) for the first bad option. */
export function validateSimulationParameters(p: SimulationParameters): void {
  validatePriceFloatParams(p.price)
  const fail = (option: string, reason: string): never => {
    throw new SimulationParameterError({ option, reason })
  }
  const isCount = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max
  if (!isCount(p.sellers, 100_000)) fail('sellers', `must be an integer from 1 to 100000, got ${p.sellers}`)
  if (!isCount(p.buyers, 100_000)) fail('buyers', `must be an integer from 1 to 100000, got ${p.buyers}`)
  if (!isCount(p.rounds, 10_000)) fail('rounds', `must be an integer from 1 to 10000, got ${p.rounds}`)
  if (!RESPONSE_MODELS.includes(p.responseModel)) fail('responseModel', `must be one of ${RESPONSE_MODELS.join(', ')}, got ${p.responseModel}`)
  if (!(p.gain > 0 && p.gain <= 10)) fail('gain', `must be in (0, 10], got ${p.gain}`)
  if (!(p.minQuantity > 0 && Number.isFinite(p.minQuantity))) fail('minQuantity', `must be positive, got ${p.minQuantity}`)
  if (!(p.maxQuantity > p.minQuantity && Number.isFinite(p.maxQuantity))) fail('maxQuantity', `must be finite and above minQuantity (${p.minQuantity}), got ${p.maxQuantity}`)
  if (!Number.isFinite(p.minReserve)) fail('minReserve', `must be a number, got ${p.minReserve}`)
  if (!(p.maxReserve > p.minReserve && Number.isFinite(p.maxReserve))) fail('maxReserve', `must be finite and above minReserve (${p.minReserve}), got ${p.maxReserve}`)
  if (!(p.tolerance > 0 && p.tolerance < 1)) fail('tolerance', `must be in (0, 1), got ${p.tolerance}`)
  if (!(p.damping > 0 && p.damping <= 1)) fail('damping', `must be in (0, 1], got ${p.damping}`)
  if (!Number.isInteger(p.seed) || p.seed < 0 || p.seed > 0xffffffff) fail('seed', `must be an integer from 0 to 4294967295, got ${p.seed}`)
  const [lo, hi] = feasibleRatios(p)
  if (!(p.startRatio >= lo && p.startRatio <= hi)) {
    fail('startRatio', `must be between ${round6(lo)} and ${round6(hi)} for these quantities and participant counts, got ${p.startRatio}`)
  }
}

/** Ratios the market can start at: every buyer at one quantity bound, every seller at the other. */
export function feasibleRatios(p: Pick<SimulationParameters, 'sellers' | 'buyers' | 'minQuantity' | 'maxQuantity'>): [number, number] {
  const r = p.buyers / p.sellers
  return [(r * p.minQuantity) / p.maxQuantity, (r * p.maxQuantity) / p.minQuantity]
}

function run(p: SimulationParameters, ruleName: PriceRuleName): SimulationRun {
  const { pBalance, pVol, k, logRatioBound } = p.price
  const rule = createPriceRule(ruleName, { k, logRatioBound, flatDeviation: (p.tolerance * pBalance) / pVol, damping: p.damping })
  const market = createMarket(p)
  const rounds: RoundRecord[] = []
  for (let round = 1; round <= p.rounds; round++) {
    const { supply, demand } = market.quantities()
    const ratio = demand / supply
    const price = pBalance + pVol * rule.deviation(ratio)
    rounds.push({ round, supply, demand, ratio, log10Ratio: Math.log10(ratio), price })
    market.respond(price)
  }
  const convergedAt = settledFrom(rounds, (r) => Math.abs(r.price - pBalance) <= p.tolerance * pBalance)
  const first = rounds.find((r) => r.price !== pBalance)
  const startSide = first ? Math.sign(first.price - pBalance) : 0
  const overshoot = Math.max(0, ...rounds.map((r) => -startSide * (r.price - pBalance)))
  return {
    rule: ruleName,
    rounds,
    convergedAt,
    log10RatioAtConvergence: convergedAt === null ? null : Math.abs(rounds[convergedAt - 1]!.log10Ratio),
    overshoot,
  }
}

function settledFrom(rounds: RoundRecord[], inside: (r: RoundRecord) => boolean): number | null {
  let from: number | null = null
  for (const r of rounds) from = inside(r) ? (from ?? r.round) : null
  return from
}

interface Market {
  quantities(): { supply: number; demand: number }
  respond(price: number): void
}

/** The participants, started at the willingness that gives `startRatio`. */
function createMarket(p: SimulationParameters): Market {
  const span = p.maxQuantity - p.minQuantity
  const range = p.maxReserve - p.minReserve
  // The side in excess starts at full willingness; the other side is solved for R(1).
  const even = p.buyers / p.sellers
  const sellerStart = p.startRatio <= even ? 1 : ((even * p.maxQuantity) / p.startRatio - p.minQuantity) / span
  const buyerStart = p.startRatio <= even ? ((p.startRatio * p.maxQuantity) / even - p.minQuantity) / span : 1
  const clip = (x: number) => Math.min(1, Math.max(0, x))

  if (p.responseModel === 'willingness') {
    const meanReserve = (p.minReserve + p.maxReserve) / 2
    let phi = clip(sellerStart)
    let psi = clip(buyerStart)
    return {
      quantities: () => ({
        supply: p.sellers * (p.minQuantity + span * phi),
        demand: p.buyers * (p.minQuantity + span * psi),
      }),
      respond(price) {
        const push = (p.gain * (price - meanReserve)) / range
        phi = clip(phi + push)
        psi = clip(psi - push)
      },
    }
  }

  const random = createRandom(p.seed)
  const draw = () => p.minReserve + range * random()
  const sellerReserves = Array.from({ length: p.sellers }, draw)
  const buyerReserves = Array.from({ length: p.buyers }, draw)
  const phi = sellerReserves.map(() => clip(sellerStart))
  const psi = buyerReserves.map(() => clip(buyerStart))
  const total = (w: number[]) => w.reduce((sum, x) => sum + p.minQuantity + span * x, 0)
  return {
    quantities: () => ({ supply: total(phi), demand: total(psi) }),
    respond(price) {
      sellerReserves.forEach((x, i) => (phi[i] = clip(phi[i]! + (p.gain * (price - x)) / range)))
      buyerReserves.forEach((y, j) => (psi[j] = clip(psi[j]! + (p.gain * (y - price)) / range)))
    },
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6
}
