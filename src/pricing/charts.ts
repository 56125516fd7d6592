/**
 * The pricing figures as SVG strings (the CLI writes them; the web API can serve them):
 *  - price against R for several k (seed 001 Figs. 2 and 3),
 *  - price per round for each simulated k (Fig. 10),
 *  - seed rule against the improved rule, one panel per k.
 */
import { priceFloat, type PriceFloatParams } from './priceFloat.ts'
import type { SimulationResult } from './simulator.ts'
import { grid, lineChart, PALETTE, type LineChartOptions, type Series } from './svg.ts'

/** A figure: its file name and SVG text. */
export interface Figure {
  name: 'price-vs-ratio.svg' | 'price-per-round.svg' | 'seed-vs-improved.svg'
  svg: string
}

const priceTicks = (p: PriceFloatParams) => [0, 0.25, 0.5, 0.75, 1].map((f) => p.pBalance - p.pVol + 2 * p.pVol * f)
const fmt = (v: number) => String(Math.round(v * 100) / 100)

/**
 * Price against R (log axis, 0.1 to 10) for each k, with the other parameters from `params`.
 * @example priceVersusRatioFigure({ pBalance: 150, pVol: 50, k: 3, logRatioBound: 0.42 }, [1, 3, 9]).name // 'price-vs-ratio.svg'
 */
export function priceVersusRatioFigure(params: PriceFloatParams, exponents: readonly number[]): Figure {
  const samples = 301
  const series: Series[] = exponents.map((k) => ({
    label: `k = ${k}`,
    points: Array.from({ length: samples }, (_, i) => {
      const ratio = 10 ** (-1 + (2 * i) / (samples - 1))
      return [ratio, priceFloat(ratio, { ...params, k })] as const
    }),
  }))
  const svg = lineChart({
    title: `Price against R = De/S (p_balance ${params.pBalance}, p_vol ${params.pVol}, L ${params.logRatioBound})`,
    x: { label: 'R = total demand / total supply (log scale)', min: 0.1, max: 10, ticks: [0.1, 0.2, 0.5, 1, 2, 5, 10], log: true },
    y: { label: 'price', min: params.pBalance - params.pVol, max: params.pBalance + params.pVol, ticks: priceTicks(params), format: fmt },
    series,
  })
  return { name: 'price-vs-ratio.svg', svg }
}

/**
 * Price and log10 R per round under the seed rule, one line per k (Fig. 10).
 * @example pricePerRoundFigure(results).name // 'price-per-round.svg'
 */
export function pricePerRoundFigure(results: readonly SimulationResult[]): Figure {
  const p = first(results).parameters
  const lastRound = roundsShown(results)
  const shown = (r: SimulationResult) => r.seed.rounds.filter((x) => x.round <= lastRound)
  const x = { label: 'round', min: 1, max: lastRound, ticks: roundTicks(lastRound) }
  const priceChart: LineChartOptions = {
    title: 'Price',
    x,
    y: { label: 'price', min: p.price.pBalance - p.price.pVol, max: p.price.pBalance + p.price.pVol, ticks: priceTicks(p.price), format: fmt },
    bands: [convergenceZone(p.price.pBalance, p.tolerance)],
    series: results.map((r) => ({ label: `k = ${r.parameters.price.k}: ${describe(r.seed.convergedAt)}`, points: shown(r).map((q) => [q.round, q.price] as const), dots: true })),
  }
  const extent = Math.max(0.1, Math.ceil(Math.max(...results.flatMap((r) => shown(r).map((q) => Math.abs(q.log10Ratio)).filter(Number.isFinite))) * 10) / 10)
  const ratioChart: LineChartOptions = {
    title: 'Imbalance log10 R',
    x,
    y: { label: 'log10 R', min: -extent, max: extent, ticks: [-extent, -extent / 2, 0, extent / 2, extent], format: fmt },
    series: results.map((r) => ({ label: `k = ${r.parameters.price.k}`, points: shown(r).map((q) => [q.round, q.log10Ratio] as const), dots: true })),
  }
  const svg = grid(`Seed rule per round (R(1) = ${p.startRatio}, ${p.responseModel} model)`, [priceChart, ratioChart], 2, 480, 360)
  return { name: 'price-per-round.svg', svg }
}

/**
 * Seed rule (solid) against the improved rule (dashed), one panel per k.
 * @example seedVersusImprovedFigure(results).name // 'seed-vs-improved.svg'
 */
export function seedVersusImprovedFigure(results: readonly SimulationResult[]): Figure {
  const p = first(results).parameters
  const lastRound = roundsShown(results)
  const panels: LineChartOptions[] = results.map((r, i) => ({
    title: `k = ${r.parameters.price.k}`,
    x: { label: 'round', min: 1, max: lastRound, ticks: roundTicks(lastRound) },
    y: { label: 'price', min: p.price.pBalance - p.price.pVol, max: p.price.pBalance + p.price.pVol, ticks: priceTicks(p.price), format: fmt },
    bands: [convergenceZone(p.price.pBalance, p.tolerance)],
    series: [
      { label: `seed rule: ${describe(r.seed.convergedAt)}`, color: PALETTE[i % PALETTE.length], points: r.seed.rounds.filter((x) => x.round <= lastRound).map((x) => [x.round, x.price] as const), dots: true },
      { label: `improved: ${describe(r.improved.convergedAt)}`, color: '#000000', dashed: true, points: r.improved.rounds.filter((x) => x.round <= lastRound).map((x) => [x.round, x.price] as const), dots: true },
    ],
  }))
  const columns = results.length > 1 ? 2 : 1
  const svg = grid(`Seed rule vs improved rule (damping ${p.damping}), price per round`, panels, columns, 420, 300)
  return { name: 'seed-vs-improved.svg', svg }
}

/** All three figures for one simulator run. */
export function pricingFigures(results: readonly SimulationResult[]): Figure[] {
  const p = first(results).parameters.price
  const exponents = [...new Set([1, ...results.map((r) => r.parameters.price.k)])].sort((a, b) => a - b)
  return [priceVersusRatioFigure(p, exponents), pricePerRoundFigure(results), seedVersusImprovedFigure(results)]
}

function first(results: readonly SimulationResult[]): SimulationResult {
  if (results.length === 0) throw new RangeError('no simulation results to draw')
  return results[0]!
}

/** Enough rounds to show every convergence plus a few settled rounds. */
function roundsShown(results: readonly SimulationResult[]): number {
  const total = first(results).parameters.rounds
  const converged = results.flatMap((r) => [r.seed.convergedAt ?? total, r.improved.convergedAt ?? total])
  return Math.max(2, Math.min(total, Math.max(...converged) + 5))
}

function roundTicks(lastRound: number): number[] {
  const step = Math.max(1, Math.ceil(lastRound / 10))
  const ticks = [1]
  for (let t = step; t <= lastRound; t += step) if (t > 1) ticks.push(t)
  return ticks
}

function convergenceZone(pBalance: number, tolerance: number) {
  return { from: pBalance * (1 - tolerance), to: pBalance * (1 + tolerance), label: `p_balance ± ${tolerance * 100}%` }
}

function describe(convergedAt: number | null): string {
  return convergedAt === null ? 'not converged' : `converged in round ${convergedAt}`
}
