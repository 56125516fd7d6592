import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { CommanderError } from 'commander'
import { BaseError } from '../../errors/base.ts'
import { priceFixed, WAD } from '../../pricing/priceMath.ts'
import { pricingCommand } from './pricing.ts'

interface Run {
  code: number
  out: string
  err: string
}

/** Runs the command in process; errors end as an exit code, as on the command line. */
async function run(...args: string[]): Promise<Run> {
  const out: string[] = []
  const err: string[] = []
  const command = pricingCommand({ out: (s) => void out.push(s), err: (s) => void err.push(s) })
  for (const c of [command, ...command.commands]) c.configureOutput({ writeOut: (s) => void out.push(s), writeErr: (s) => void err.push(s) })
  try {
    await command.parseAsync(args, { from: 'user' })
    return { code: 0, out: out.join(''), err: err.join('') }
  } catch (e) {
    // As src/cli/main.ts: commander's errors are usage errors (2), domain errors 1.
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, out: out.join(''), err: err.join('') }
    if (e instanceof BaseError) return { code: 1, out: out.join(''), err: `${err.join('')}error: ${e.shortMessage}\n` }
    throw e
  }
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!

describe('bourse pricing simulate', () => {
  test('--reproduce-seed --json ends with the reproduction summary', async () => {
    const r = await run('simulate', '--reproduce-seed', '--json')
    assert.equal(r.code, 0)
    const summary = JSON.parse(lastLine(r.out))
    assert.deepEqual(summary.seedRounds, { 3: 13, 5: 10, 7: 6, 9: 5 })
    assert.deepEqual(summary.seedBands, { 3: 0.15, 5: 0.25, 7: 0.28, 9: 0.3 })
    for (const k of ['3', '5', '7', '9']) {
      assert.ok(Math.abs(summary.rounds[k] - summary.seedRounds[k]) <= 1, `k=${k}: ${summary.rounds[k]} rounds`)
      assert.ok(summary.improvedRounds[k] < summary.rounds[k], `k=${k}: improved ${summary.improvedRounds[k]}`)
      assert.equal(summary.overshoot.improved[k], 0)
    }
    assert.equal(summary.reproduced, true)
  })

  test('prints a table beside the seed figures by default', async () => {
    const r = await run('simulate', '--reproduce-seed')
    assert.equal(r.code, 0)
    assert.match(r.out, /^k +rounds +seed 001 +band +seed band +improved/m)
    assert.match(r.out, /^3 +13 +13 +0\.131 +0\.15 +4 /m)
    assert.match(r.out, /reproduced within ±1 round for every k: yes/)
  })

  test('a failed reproduction prints its results, then fails with status 1', async () => {
    const r = await run('simulate', '--reproduce-seed', '--rounds', '8', '--json')
    assert.equal(r.code, 1)
    const summary = JSON.parse(lastLine(r.out))
    assert.equal(summary.reproduced, false)
    assert.equal(summary.rounds['3'], null)
    assert.match(r.err, /seed 001 not reproduced within ±1 round for k = 3, 5\./)
  })

  test('takes the model options', async () => {
    const r = await run('simulate', '--k', '5', '--model', 'reserve', '--sellers', '50', '--buyers', '60', '--seed', '3', '--start-ratio', '2', '--rounds', '30', '--json')
    assert.equal(r.code, 0)
    const summary = JSON.parse(lastLine(r.out))
    assert.deepEqual(Object.keys(summary.rounds), ['5'])
    assert.equal(summary.parameters.responseModel, 'reserve')
    assert.equal(summary.parameters.buyers, 60)
    assert.equal(summary.seedRounds, undefined)
  })

  test('--out writes the figures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pricing-'))
    try {
      const r = await run('simulate', '--out', dir)
      assert.equal(r.code, 0)
      assert.deepEqual(readdirSync(dir).sort(), ['price-per-round.svg', 'price-vs-ratio.svg', 'seed-vs-improved.svg'])
      for (const f of readdirSync(dir)) assert.match(readFileSync(join(dir, f), 'utf8'), /^<svg [^>]+>.*<\/svg>\n$/s)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  const bad: Array<[string[], RegExp]> = [
    [['--k', '4'], /option '--k <list>' argument '4' is invalid/],
    [['--p-vol', '200'], /option '--p-vol': p_vol must be between 0 and p_balance/],
    [['--start-ratio', '0.1'], /option '--start-ratio': must be between 0.25 and 4/],
    [['--model', 'herd'], /option '--model <name>' argument 'herd' is invalid/],
    [['--gain', 'x'], /option '--gain <g>' argument 'x' is invalid/],
    [['--damping', '1.5'], /option '--damping': must be in \(0, 1\]/],
    [['--reproduce-seed', '--k', '3'], /'--reproduce-seed' cannot be used with option '--k <list>'/],
  ]
  for (const [args, message] of bad) {
    test(`rejects ${args.join(' ')} naming the option`, async () => {
      const r = await run('simulate', ...args)
      assert.equal(r.code, 2)
      assert.match(r.err, message)
      assert.equal(r.out, '')
    })
  }
})

describe('bourse pricing price', () => {
  test('computes the contract price off chain', async () => {
    const r = await run('price', '--demand', '70', '--supply', '100', '--k', '5', '--p-balance', '150', '--p-vol', '50', '-L', '0.42', '--json')
    assert.equal(r.code, 0)
    const result = JSON.parse(lastLine(r.out))
    const expected = priceFixed(70n, 100n, { pBalance: 150n * WAD, pVol: 50n * WAD, k: 5, logRatioBound: 42n * 10n ** 16n })
    assert.equal(result.price, expected.toString())
    assert.ok(Math.abs(result.floatPrice - Number(expected) / 1e18) < 1e-9)
  })

  test('rejects zero supply and even k naming the option', async () => {
    const zero = await run('price', '--demand', '3', '--supply', '0')
    assert.equal(zero.code, 2)
    assert.match(zero.err, /option '--supply': supply must be positive/)
    const even = await run('price', '--demand', '3', '--supply', '4', '--k', '2')
    assert.equal(even.code, 2)
    assert.match(even.err, /option '--k': k must be an odd integer/)
  })
})

describe('standalone', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'pricing.ts'), ...args], { encoding: 'utf8' })

  test('runs from the command line and exits non-zero on a bad option', () => {
    const ok = cli('simulate', '--reproduce-seed', '--json')
    assert.equal(ok.status, 0, ok.stderr)
    assert.deepEqual(Object.keys(JSON.parse(lastLine(ok.stdout))).slice(0, 3), ['rounds', 'seedRounds', 'improvedRounds'])
    const bad = cli('simulate', '--tolerance', '2')
    assert.equal(bad.status, 2)
    assert.match(bad.stderr, /option '--tolerance'/)
  })
})
