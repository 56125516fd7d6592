/**
 * `bourse pricing simulate` and `bourse pricing price`: the dynamic-pricing simulator
 * (seed 001 reproduction, seed rule vs improved rule, SVG figures) and one off-chain price
 * computed exactly as DynamicPricing computes it.
 *
 * Mounted in the `bourse` CLI (src/cli/program.ts); also runs standalone:
 *   node --import tsx src/cli/commands/pricing.ts simulate --reproduce-seed
 * Exit status: 2 for a bad option (the message names it), 1 when a seed reproduction fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { formatUnits, parseUnits } from 'viem'
import { pricingFigures } from '../../pricing/charts.ts'
import { BaseError } from '../../errors/base.ts'
import { PricingParameterError, SeedNotReproducedError, SimulationParameterError, type PriceParameterName } from '../../pricing/errors.ts'
import { priceFloat, type PriceFloatParams } from '../../pricing/priceFloat.ts'
import { priceFixed, WAD, type PriceParams } from '../../pricing/priceMath.ts'
import { REPRODUCTION_TOLERANCE_ROUNDS, reproductionRows, simulateExponents, summarizeSimulations } from '../../pricing/reproduction.ts'
import { RESPONSE_MODELS, SEED_001_PARAMETERS, type ResponseModel, type SimulationParameters, type SimulationResult } from '../../pricing/simulator.ts'

/** Where the command writes its results (stdout by default; tests capture it). */
export interface PricingCommandIO {
  out(text: string): void
  err(text: string): void
}

const processIO: PricingCommandIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}

/** The CLI flag of each simulator option, for error messages. */
const SIMULATION_FLAGS: Record<string, string> = {
  k: '--k',
  pBalance: '--p-balance',
  pVol: '--p-vol',
  logRatioBound: '--log-ratio-bound',
  startRatio: '--start-ratio',
  sellers: '--sellers',
  buyers: '--buyers',
  responseModel: '--model',
  gain: '--gain',
  minQuantity: '--min-quantity',
  maxQuantity: '--max-quantity',
  minReserve: '--min-reserve',
  maxReserve: '--max-reserve',
  rounds: '--rounds',
  tolerance: '--tolerance',
  damping: '--damping',
  seed: '--seed',
}

const PRICE_FLAGS: Record<PriceParameterName, string> = {
  k: '--k',
  pBalance: '--p-balance',
  pVol: '--p-vol',
  logRatioBound: '--log-ratio-bound',
  demand: '--demand',
  supply: '--supply',
}

/** Options of the simulator's model that `--reproduce-seed` fixes to the seed's values. */
const MODEL_OPTIONS = ['k', 'pBalance', 'pVol', 'logRatioBound', 'startRatio', 'sellers', 'buyers', 'model', 'gain', 'minQuantity', 'maxQuantity', 'minReserve', 'maxReserve', 'tolerance']

/** What commander hands the simulate action: the simulator's options, flattened. */
type SimulateOptions = Omit<SimulationParameters, 'price' | 'responseModel'> &
  Omit<PriceFloatParams, 'k'> & {
    k: number[]
    model: ResponseModel
    reproduceSeed?: boolean
    json?: boolean
    out?: string
  }

interface PriceOptions {
  demand: bigint
  supply: bigint
  k: number
  pBalance: bigint
  pVol: bigint
  logRatioBound: bigint
  json?: boolean
}

/**
 * The `pricing` command with its `simulate` and `price` subcommands.
 * @example await pricingCommand().parseAsync(['simulate', '--reproduce-seed', '--json'], { from: 'user' })
 */
export function pricingCommand(io: PricingCommandIO = processIO): Command {
  const pricing = new Command('pricing').description('dynamic pricing from aggregate supply and demand (SPEC.md section 3)')
  const seed = SEED_001_PARAMETERS
  const number = (name: string) => (value: string) => parseNumber(value, name)
  const integer = (name: string) => (value: string) => parseInteger(value, name)

  pricing
    .command('simulate')
    .description('simulate the market round by round under the seed rule and the improved rule')
    .option('--k <list>', 'odd exponents k, comma-separated', parseExponents, [3, 5, 7, 9])
    .option('--p-balance <price>', 'price at balance (R = 1), tokens', number('--p-balance'), seed.price.pBalance)
    .option('--p-vol <price>', 'largest move away from p_balance, tokens', number('--p-vol'), seed.price.pVol)
    .option('-L, --log-ratio-bound <L>', 'log10 of the largest ratio the market expects', number('--log-ratio-bound'), seed.price.logRatioBound)
    .option('--start-ratio <R>', 'demand/supply ratio in round 1', number('--start-ratio'), seed.startRatio)
    .option('--sellers <n>', 'number of sellers', integer('--sellers'), seed.sellers)
    .option('--buyers <n>', 'number of buyers', integer('--buyers'), seed.buyers)
    .addOption(new Option('--model <name>', 'response model').choices(RESPONSE_MODELS).default(seed.responseModel))
    .option('--gain <g>', 'willingness gain g per round', number('--gain'), seed.gain)
    .option('--min-quantity <q>', 'quantity per participant at willingness 0', number('--min-quantity'), seed.minQuantity)
    .option('--max-quantity <q>', 'quantity per participant at willingness 1', number('--max-quantity'), seed.maxQuantity)
    .option('--min-reserve <price>', 'lowest private reserve price', number('--min-reserve'), seed.minReserve)
    .option('--max-reserve <price>', 'highest private reserve price', number('--max-reserve'), seed.maxReserve)
    .option('--rounds <n>', 'rounds to simulate', integer('--rounds'), seed.rounds)
    .option('--tolerance <fraction>', 'converged: price within this fraction of p_balance', number('--tolerance'), seed.tolerance)
    .option('--damping <fraction>', 'share of the imbalance the improved rule closes per round', number('--damping'), seed.damping)
    .option('--seed <n>', 'seed of the random generator (reserve model)', integer('--seed'), seed.seed)
    .addOption(new Option('--reproduce-seed', "run seed 001's experiment and compare with its published rounds").conflicts(MODEL_OPTIONS))
    .option('--json', 'print the summary as one JSON line (last line of output)')
    .option('--out <dir>', 'write the SVG figures to this directory')
    .action((options: SimulateOptions, command: Command) => {
      const base = simulationParameters(options)
      let results: SimulationResult[]
      try {
        results = simulateExponents(base, options.k)
      } catch (e) {
        throw usageError(command, e)
      }
      const written = options.out ? writeFigures(options.out, results) : []
      for (const file of written) (options.json ? io.err : io.out)(`wrote ${file}\n`)
      const compare = options.reproduceSeed === true
      const summary = summarizeSimulations(results, compare)
      io.out(options.json ? `${JSON.stringify(summary)}\n` : renderSimulation(results, compare))
      const missed = compare ? reproductionRows(results).filter((r) => !r.reproduced) : []
      if (missed.length > 0) throw new SeedNotReproducedError({ exponents: missed.map((r) => r.k), tolerance: REPRODUCTION_TOLERANCE_ROUNDS })
    })

  pricing
    .command('price')
    .description('compute one unit price off chain, exactly as DynamicPricing does')
    .requiredOption('--demand <n>', 'demand De (units ordered in the round)', (v) => parseQuantity(v, '--demand'))
    .requiredOption('--supply <n>', 'standing supply S (units offered)', (v) => parseQuantity(v, '--supply'))
    .option('--k <k>', 'odd exponent k', integer('--k'), seed.price.k)
    .option('--p-balance <price>', 'price at balance, tokens (18 decimals)', (v) => parseFixed(v, '--p-balance'), BigInt(seed.price.pBalance) * WAD)
    .option('--p-vol <price>', 'largest move away from p_balance, tokens', (v) => parseFixed(v, '--p-vol'), BigInt(seed.price.pVol) * WAD)
    .option('-L, --log-ratio-bound <L>', 'log10 of the largest expected ratio', (v) => parseFixed(v, '--log-ratio-bound'), parseUnits(String(seed.price.logRatioBound), 18))
    .option('--json', 'print the result as JSON')
    .action((o: PriceOptions, command: Command) => {
      const params: PriceParams = { pBalance: o.pBalance, pVol: o.pVol, k: o.k, logRatioBound: o.logRatioBound }
      let price: bigint
      try {
        price = priceFixed(o.demand, o.supply, params)
      } catch (e) {
        throw usageError(command, e)
      }
      const ratio = Number(o.demand) / Number(o.supply)
      const check = priceFloat(ratio, { pBalance: Number(formatUnits(o.pBalance, 18)), pVol: Number(formatUnits(o.pVol, 18)), k: o.k, logRatioBound: Number(formatUnits(o.logRatioBound, 18)) })
      const result = {
        demand: o.demand.toString(),
        supply: o.supply.toString(),
        ratio,
        log10Ratio: Math.log10(ratio),
        price: price.toString(),
        priceTokens: formatUnits(price, 18),
        floatPrice: check,
        params: { k: o.k, pBalance: o.pBalance.toString(), pVol: o.pVol.toString(), logRatioBound: o.logRatioBound.toString() },
      }
      io.out(
        o.json
          ? `${JSON.stringify(result)}\n`
          : [
              `R = ${o.demand}/${o.supply} = ${fmt(ratio, 6)} (log10 R = ${fmt(result.log10Ratio, 6)})`,
              `price = ${result.priceTokens} tokens = ${result.price} base units (fixed point, as DynamicPricing computes it)`,
              `float check: ${fmt(check, 12)}`,
              '',
            ].join('\n'),
      )
    })
  // Errors reach the caller (the bourse CLI maps them to exit codes) instead of exiting here.
  for (const command of [pricing, ...pricing.commands]) command.exitOverride()
  return pricing
}

function simulationParameters(o: SimulateOptions): SimulationParameters {
  const { k, pBalance, pVol, logRatioBound, model, reproduceSeed: _r, json: _j, out: _o, ...rest } = o
  return { ...rest, price: { pBalance, pVol, k: k[0]!, logRatioBound }, responseModel: model }
}

/** Reports a bad simulator or price option under its flag (a usage error: exit status 2). */
function usageError(command: Command, e: unknown): never {
  if (e instanceof SimulationParameterError) {
    command.error(`error: option '${SIMULATION_FLAGS[e.option] ?? e.option}': ${e.reason}`, { exitCode: 2, code: 'pricing.invalidOption' })
  }
  if (e instanceof PricingParameterError) {
    command.error(`error: option '${PRICE_FLAGS[e.parameter]}': ${e.shortMessage}`, { exitCode: 2, code: 'pricing.invalidOption' })
  }
  throw e
}

function writeFigures(dir: string, results: readonly SimulationResult[]): string[] {
  mkdirSync(dir, { recursive: true })
  return pricingFigures(results).map((figure) => {
    const file = join(resolve(dir), figure.name)
    writeFileSync(file, figure.svg)
    return file
  })
}

function renderSimulation(results: readonly SimulationResult[], compare: boolean): string {
  const p = results[0]!.parameters
  const lines = [
    `Dynamic pricing, ${p.responseModel} model: p_balance ${p.price.pBalance}, p_vol ${p.price.pVol}, L ${p.price.logRatioBound}, ` +
      `g ${p.gain}, R(1) ${p.startRatio}, ${p.sellers} seller(s) / ${p.buyers} buyer(s), quantities ${p.minQuantity}..${p.maxQuantity}, ` +
      `reserves ${p.minReserve}..${p.maxReserve}${p.responseModel === 'reserve' ? `, seed ${p.seed}` : ''}`,
    `Converged: price within ±${p.tolerance * 100}% of p_balance from that round on (of ${p.rounds} simulated). ` +
      `Band: largest |log10 R| inside that tolerance.`,
    '',
  ]
  const rows = compare ? reproductionRows(results) : []
  const header = compare
    ? ['k', 'rounds', 'seed 001', 'band', 'seed band', 'improved', 'overshoot seed/improved']
    : ['k', 'rounds', 'band', '|log10 R| at conv.', 'improved', 'overshoot seed/improved']
  const body = results.map((r, i) => {
    const overshoot = `${fmt(r.seed.overshoot, 2)} / ${fmt(r.improved.overshoot, 2)}`
    return compare
      ? [r.parameters.price.k, rounds(r.seed.convergedAt), rows[i]?.seedRounds ?? '-', fmt(r.band, 3), rows[i]?.seedBand ?? '-', rounds(r.improved.convergedAt), overshoot]
      : [r.parameters.price.k, rounds(r.seed.convergedAt), fmt(r.band, 3), r.seed.log10RatioAtConvergence === null ? '-' : fmt(r.seed.log10RatioAtConvergence, 3), rounds(r.improved.convergedAt), overshoot]
  })
  lines.push(...table([header, ...body.map((row) => row.map(String))]))
  lines.push('')
  if (compare) {
    const ok = rows.every((r) => r.reproduced)
    lines.push(`Seed 001 reproduced within ±${REPRODUCTION_TOLERANCE_ROUNDS} round for every k: ${ok ? 'yes' : 'NO'}`)
  }
  lines.push(`Improved rule: seed curve inside its flat zone; outside it, at least the move that closes ${p.damping * 100}% of log10 R per round by the response measured last round (docs/pricing.md).`)
  lines.push('')
  return lines.join('\n')
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
}

const rounds = (n: number | null) => (n === null ? 'never' : String(n))
const fmt = (x: number, digits: number) => String(Number(x.toFixed(digits)))

function parseNumber(value: string, flag: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number.`)
  return n
}

function parseInteger(value: string, flag: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} must be an integer.`)
  return Number(value)
}

function parseExponents(value: string): number[] {
  const list = value.split(',').map((s) => s.trim())
  if (list.some((s) => !/^\d+$/.test(s) || Number(s) % 2 === 0 || Number(s) > 255)) {
    throw new InvalidArgumentError('--k takes odd integers from 1 to 255, comma-separated (e.g. 3,5,7,9).')
  }
  return [...new Set(list.map(Number))]
}

function parseQuantity(value: string, flag: string): bigint {
  if (!/^\d{1,78}$/.test(value.trim())) throw new InvalidArgumentError(`${flag} must be a non-negative integer.`)
  return BigInt(value.trim())
}

/** A decimal with up to 18 fraction digits, to 18-decimal fixed point. */
function parseFixed(value: string, flag: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value.trim())) throw new InvalidArgumentError(`${flag} must be a decimal number with at most 18 fraction digits.`)
  return parseUnits(value.trim(), 18)
}

/** Standalone use, with the exit codes of the bourse CLI: 2 for usage errors, 1 otherwise. */
async function runStandalone(argv: string[]): Promise<number> {
  try {
    await pricingCommand().parseAsync(argv)
    return 0
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2
    process.stderr.write(`error: ${e instanceof BaseError ? e.shortMessage : String(e)}\n`)
    return 1
  }
}

// Only as this source file: inlined in the CLI bundle, `import.meta.url` is the bundle's, and
// running the bundle directly must run `bourse`, not this command alone.
if (process.argv[1] && import.meta.url.endsWith('/pricing.ts') && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runStandalone(process.argv)
}
