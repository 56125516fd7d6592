/**
 * `npm run bench:gas [-- --json]`: gas of every step of a trade's lifecycle, from receipts,
 * beside seed 001's Table 4 (create order 53,099; update/price 34,284; confirm receipt +
 * settle 79,653; total 167,036), with the default DynamicPricing and with FixedPricing side
 * by side, the pricing contract's own operations (bench/pricing-gas.ts) and the Supervision
 * contract's (bench/supervision-gas.ts).
 *
 * Steady state: the parties have traded before (their balance slots are non-zero), the
 * buyer pays from its marketplace balance, and the orders fall in an open pricing round
 * (opening a round is the platform's `advanceRound`, once per category and round, shown in
 * the pricing table). The very first trade of fresh accounts is shown too, because storage
 * that goes from zero to non-zero costs 20,000 gas more per slot.
 */
import { parseEther } from 'viem'
import { createWorld, newToken, type World } from '../src/testing/world.ts'
import { emit, say, table } from './lib/report.ts'
import { median } from './lib/stats.ts'
import { measurePricingGas } from './pricing-gas.ts'
import { measureSupervisionGas } from './supervision-gas.ts'

const SEED = { createOrder: 53_099, updatePrice: 34_284, confirmSettle: 79_653, total: 167_036 }
const RUNS = 7

async function autoAcceptLifecycle(w: World, listingId: bigint) {
  const o = await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
  const c = await w.storage.confirmDownload(o.trade)
  const s = await w.buyer.confirm(c.trade, 'Ok')
  return { order: o.gasUsed, confirmDownload: c.gasUsed, confirmSettle: s.gasUsed }
}

async function manualAcceptLifecycle(w: World, listingId: bigint) {
  const o = await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
  const a = await w.seller.accept(o.trade)
  const c = await w.storage.confirmDownload(a.trade)
  const s = await w.buyer.confirm(c.trade, 'Ok')
  return { order: o.gasUsed, accept: a.gasUsed, confirmDownload: c.gasUsed, confirmSettle: s.gasUsed }
}

function medians<T extends Record<string, bigint>>(runs: T[]): Record<keyof T, number> {
  const keys = Object.keys(runs[0]!) as (keyof T)[]
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => Number(r[k])))])) as Record<keyof T, number>
}

/** A world with `pricing`, two funded traders and the default listing (id 1). */
async function tradingWorld(pricing: 'dynamic' | 'fixed'): Promise<{ w: World; listGas: bigint }> {
  const w = await createWorld({ pricing })
  for (const a of [w.buyer, w.seller]) await a.deposit(parseEther('20000'))
  const listGas = (await w.seller.list(w.listingDefaults)).gasUsed
  return { w, listGas }
}

async function main() {
  // FixedPricing: the steady-state lifecycle only, for comparison.
  const fixedWorld = (await tradingWorld('fixed')).w
  await autoAcceptLifecycle(fixedWorld, 1n)
  const fixed = medians(await sequential(RUNS, () => autoAcceptLifecycle(fixedWorld, 1n)))

  // DynamicPricing (the default): the lifecycle, its variants and every other step.
  const { w, listGas } = await tradingWorld('dynamic')
  const listingId = 1n
  const manualListing = await w.list({ requiresAcceptance: true })

  const first = await autoAcceptLifecycle(w, listingId)
  const auto = medians(await sequential(RUNS, () => autoAcceptLifecycle(w, listingId)))
  const manual = medians(await sequential(RUNS, () => manualAcceptLifecycle(w, manualListing)))

  // Batched storage confirmations: one transaction confirms many downloads.
  const trades = []
  for (let i = 0; i < 20; i++) trades.push((await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })).trade)
  const batched = await w.storage.confirmDownloads(trades)
  for (const t of batched.trades) await w.buyer.confirm(t, 'Ok')
  const perTradeBatchedConfirm = Math.round(Number(batched.gasUsed) / trades.length)

  // Other protocol steps.
  const d = await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
  const dc = await w.storage.confirmDownload(d.trade)
  const disputeOpen = await w.buyer.confirm(dc.trade, 'NotAsDescribed')
  const decide = await w.arbitrator.decideDispute(disputeOpen.trade, true)
  const p = await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
  const priceDispute = await w.buyer.confirm(p.trade, 'PriceAbnormal')
  const t = await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
  await w.net.increaseTime(w.deployment.windows.download + 1)
  const timeout = await w.buyer.resolveTimeout(t.trade)
  const deposit = await w.buyer.deposit(parseEther('1'))
  const withdraw = await w.seller.withdraw(parseEther('1'))

  const pricingGas = await measurePricingGas()
  const supervisionGas = await measureSupervisionGas()

  const lifecycleGas = auto.order + auto.confirmDownload + auto.confirmSettle
  const fixedLifecycleGas = fixed.order + fixed.confirmDownload + fixed.confirmSettle
  const batchedLifecycle = auto.order + perTradeBatchedConfirm + auto.confirmSettle
  const manualTotal = manual.order + manual.accept + manual.confirmDownload + manual.confirmSettle
  const firstTotal = Number(first.order + first.confirmDownload + first.confirmSettle)
  const ratio = (x: number) => (x / SEED.total).toFixed(3)

  say(`Trade lifecycle gas (median of ${RUNS} trades, steady state)`)
  say(
    table(
      [
        ['order (price + both deposits + token commitment)', auto.order, fixed.order, `create order ${SEED.createOrder}`],
        ['storage provider confirms download', auto.confirmDownload, fixed.confirmDownload, `update/price ${SEED.updatePrice}`],
        ['buyer confirms OK + settle', auto.confirmSettle, fixed.confirmSettle, `confirm + settle ${SEED.confirmSettle}`],
        ['total', lifecycleGas, fixedLifecycleGas, String(SEED.total)],
        ['ratio to seed 001', ratio(lifecycleGas), ratio(fixedLifecycleGas), '1.000'],
      ],
      ['step', 'DynamicPricing', 'FixedPricing', 'seed 001 Table 4'],
    ),
  )
  say('')
  say(
    table(
      [
        ['same, download confirmed in a batch of 20', batchedLifecycle, ratio(batchedLifecycle)],
        ['seller accepts each order by hand (+accept)', manualTotal, ratio(manualTotal)],
        ['first trade of fresh accounts (zero->non-zero slots)', firstTotal, ratio(firstTotal)],
      ],
      ['variant (DynamicPricing)', 'lifecycle gas', 'ratio to 167,036'],
    ),
  )
  say('')
  say(
    table(
      [
        ['list (with standing deposit)', Number(listGas)],
        ['accept (locks seller deposit)', manual.accept],
        ['confirm download, per trade in a batch of 20', perTradeBatchedConfirm],
        ['open a dispute (not as described)', Number(disputeOpen.gasUsed)],
        ['arbitrator decides (seller deposit forfeited)', Number(decide.gasUsed)],
        ['price-abnormal dispute decided by the contract', Number(priceDispute.gasUsed)],
        ['resolve a time-out (download)', Number(timeout.gasUsed)],
        ['deposit credits', Number(deposit.gasUsed)],
        ['withdraw credits', Number(withdraw.gasUsed)],
      ],
      ['other step (DynamicPricing)', 'gas'],
    ),
  )
  say('')
  say(
    table(
      pricingGas.map((f) => [`${f.operation}: ${f.description}`, f.gasUsed, f.executionGas]),
      ['DynamicPricing operation (each its own transaction)', 'gas used', 'execution'],
    ),
  )
  say('')
  say(
    table(
      supervisionGas.map((f) => [`${f.operation}: ${f.description}`, f.gasUsed]),
      ['supervision operation (Supervision contract)', 'gas used'],
    ),
  )
  say(`\ntarget: complete lifecycle (DynamicPricing) below ${SEED.total}: ${lifecycleGas < SEED.total ? 'met' : 'NOT met'} (${lifecycleGas}; FixedPricing ${fixedLifecycleGas})`)
  emit({
    lifecycleGas,
    seedLifecycleGas: SEED.total,
    ratioToSeed: lifecycleGas / SEED.total,
    steps: { order: auto.order, confirmDownload: auto.confirmDownload, confirmSettle: auto.confirmSettle },
    fixedPricingLifecycleGas: fixedLifecycleGas,
    fixedPricingSteps: { order: fixed.order, confirmDownload: fixed.confirmDownload, confirmSettle: fixed.confirmSettle },
    pricing: Object.fromEntries(pricingGas.map((f) => [f.operation, { gasUsed: f.gasUsed, executionGas: f.executionGas }])),
    supervisionGas: Object.fromEntries(supervisionGas.map((f) => [f.operation, f.gasUsed])),
    variants: { batchedConfirm20: batchedLifecycle, manualAccept: manualTotal, firstTrade: firstTotal },
    other: {
      list: listGas,
      accept: manual.accept,
      confirmDownloadBatchedPerTrade: perTradeBatchedConfirm,
      disputeOpen: disputeOpen.gasUsed,
      decideDispute: decide.gasUsed,
      priceDispute: priceDispute.gasUsed,
      resolveTimeout: timeout.gasUsed,
      deposit: deposit.gasUsed,
      withdraw: withdraw.gasUsed,
    },
  })
}

async function sequential<T>(n: number, f: () => Promise<T>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < n; i++) out.push(await f())
  return out
}

await main()
