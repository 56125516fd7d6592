/**
 * `npm run bench:chain [-- --json] [-- --quick]`: throughput and latency of the embedded,
 * journaled chain through the SDK, beside the same workload on the plain in-memory EDR
 * engine (no journal) measured in the same run, and restart time against history length.
 *
 * Workload: W buyer organisations each run complete trades back to back (order -> storage
 * provider confirms the download -> buyer confirms OK, settled), all concurrently; each
 * transaction's latency is the time from signing to its receipt.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeFunctionData, keccak256, parseEther, type Hex } from 'viem'
import { MarketplaceAbi } from '../src/contracts/generated.ts'
import { openEmbeddedChain } from '../src/node/connection.ts'
import { joinAlliance } from '../src/sdk/bootstrap.ts'
import type { Actor } from '../src/sdk/BourseClient.ts'
import { createWorld, newKeyAccount, newToken, type World, type WorldChain } from '../src/testing/world.ts'
import { measureRestart } from './chain-restart.ts'
import { emit, jsonMode, say, table } from './lib/report.ts'
import { percentile, round } from './lib/stats.ts'

const quick = process.argv.includes('--quick')
const WORKERS = 16
const TRADES = quick ? 300 : 1200

interface Throughput {
  txPerSec: number
  tradesPerSec: number
  p50Ms: number
  p99Ms: number
  transactions: number
}

async function addBuyers(w: World, n: number): Promise<Actor[]> {
  const buyers: Actor[] = []
  for (let i = 0; i < n; i++) {
    const admin = newKeyAccount()
    const key = newKeyAccount()
    await joinAlliance(w.client, w.supervisor, { name: `Bench Buyer ${i}`, admin, keys: { Buyer: key } })
    const buyer = w.client.as(key)
    await w.governance.mint(key.address, parseEther('1000000'))
    await buyer.approve(parseEther('1000000'))
    await buyer.deposit(parseEther('1000000'))
    buyers.push(buyer)
  }
  return buyers
}

/**
 * The node's own transaction rate: W clients each submit real, already signed order
 * transactions one after another (waiting for each receipt), all W concurrently — what a
 * chain's TPS figure measures. Signing happens before the clock starts.
 */
async function runSignedOrders(chain: WorldChain | undefined, perWorker: number): Promise<Throughput> {
  const w = await createWorld({ chain, fixedGas: 1_000_000n, mint: parseEther('10000000') })
  const listingId = await w.list({ standingDeposit: parseEther('100000'), quantity: 1_000_000 })
  const buyers = await addBuyers(w, WORKERS)
  const chainId = await w.net.publicClient.getChainId()
  const signed = await Promise.all(
    buyers.map(async (buyer) => {
      let nonce = await w.net.publicClient.getTransactionCount({ address: buyer.address })
      const raws: Hex[] = []
      for (let i = 0; i < perWorker; i++) {
        const data = encodeFunctionData({ abi: MarketplaceAbi, functionName: 'order', args: [listingId, parseEther('200'), keccak256(newToken())] })
        raws.push(await buyer.account.signTransaction!({ chainId, type: 'eip1559', nonce: nonce++, to: w.deployment.marketplace, data, gas: 1_000_000n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }))
      }
      return raws
    }),
  )
  const latencies: number[] = []
  let failed = 0
  const started = performance.now()
  await Promise.all(
    signed.map(async (raws) => {
      for (const raw of raws) {
        const t0 = performance.now()
        const hash = await w.net.publicClient.request({ method: 'eth_sendRawTransaction', params: [raw] })
        const receipt = await w.net.publicClient.getTransactionReceipt({ hash })
        latencies.push(performance.now() - t0)
        if (receipt.status !== 'success') failed++
      }
    }),
  )
  if (failed) throw new Error(`${failed} benchmark transactions reverted`)
  const seconds = (performance.now() - started) / 1000
  return { txPerSec: round(latencies.length / seconds), tradesPerSec: 0, p50Ms: round(percentile(latencies, 50), 2), p99Ms: round(percentile(latencies, 99), 2), transactions: latencies.length }
}

/** Runs `trades` complete trades over `WORKERS` concurrent buyers. */
async function runTrades(chain: WorldChain | undefined, trades = TRADES): Promise<Throughput> {
  const w = await createWorld({ chain, fixedGas: 1_000_000n, mint: parseEther('10000000') })
  const listingId = await w.list({ standingDeposit: parseEther('100000'), quantity: 1_000_000 })
  const terms = await w.client.listing(listingId)
  const buyers = await addBuyers(w, WORKERS)
  const latencies: number[] = []
  const timed = async <T>(f: () => Promise<T>) => {
    const t0 = performance.now()
    const r = await f()
    latencies.push(performance.now() - t0)
    return r
  }
  let remaining = trades
  let settled = 0
  const started = performance.now()
  await Promise.all(
    buyers.map(async (buyer) => {
      while (remaining > 0) {
        remaining--
        const o = await timed(() => buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken(), terms }))
        const c = await timed(() => w.storage.confirmDownload(o.trade))
        const s = await timed(() => buyer.confirm(c.trade, 'Ok'))
        if (s.closed) settled++
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  return {
    txPerSec: round(latencies.length / seconds),
    tradesPerSec: round(settled / seconds),
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    transactions: latencies.length,
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-chain-bench-'))
  try {
    const conn = await openEmbeddedChain({ dataDir: dir, chainId: 31337, allowDevMethods: true })
    const embeddedChain: WorldChain = {
      publicClient: conn.publicClient,
      walletFor: conn.walletFor,
      increaseTime: (s) => conn.embedded!.increaseTime(s),
    }
    const perWorker = Math.round((TRADES * 3) / WORKERS)
    say(`node: ${perWorker * WORKERS} signed order transactions from ${WORKERS} concurrent clients; SDK: ${TRADES} complete trades by ${WORKERS} concurrent buyers…`)
    await runTrades(undefined, Math.round(TRADES / 4)) // warm-up: JIT and caches, not measured
    const plainNode = await runSignedOrders(undefined, perWorker)
    const node = await runSignedOrders(embeddedChain, perWorker)
    const plain = await runTrades(undefined)
    const journaled = await runTrades(embeddedChain)
    await conn.close()
    const row = (name: string, t: Throughput, trades: boolean) => [name, t.txPerSec, trades ? t.tradesPerSec : '-', t.p50Ms, t.p99Ms]
    const ratio = (name: string, a: Throughput, b: Throughput, trades: boolean) => [name, round(a.txPerSec / b.txPerSec, 3), trades ? round(a.tradesPerSec / b.tradesPerSec, 3) : '-', round(a.p50Ms / b.p50Ms, 2), round(a.p99Ms / b.p99Ms, 2)]
    say(
      table(
        [
          row('node: signed orders, journaled embedded chain', node, false),
          row('  baseline: plain in-memory EDR, no journal', plainNode, false),
          ratio('  ratio journaled / plain', node, plainNode, false),
          row('SDK: complete trades, journaled embedded chain', journaled, true),
          row('  baseline: plain in-memory EDR, no journal', plain, true),
          ratio('  ratio journaled / plain', journaled, plain, true),
        ],
        ['', 'tx/s', 'trades/s', 'p50 ms', 'p99 ms'],
      ),
    )
    say(`targets (node): >= 1,000 tx/s: ${node.txPerSec >= 1000 ? 'met' : 'NOT met'}; p99 < 50 ms: ${node.p99Ms < 50 ? 'met' : 'NOT met'}`)
    say('SDK figures include signing each transaction in process (JavaScript secp256k1) and decoding each receipt.')

    const sizes = quick ? [10_000] : [10_000, 100_000]
    say(`\nrestart time against history length (${sizes.join(', ')} journaled transactions)…`)
    const restart = await measureRestart(sizes, { log: jsonMode ? () => {} : () => {} })
    say(
      table(
        restart.samples.map((s) => [s.transactions, s.blocks, round(s.journalBytes / 1e6, 1), s.restartMs, s.replayMs, round(s.buildTxPerSec)]),
        ['transactions', 'blocks', 'journal MB', 'restart ms', 'replay ms', 'build tx/s'],
      ),
    )
    say(`restart per 10,000 transactions: ${restart.restartMsPer10kTx} ms; one append + fdatasync: ${restart.fdatasyncUs} µs`)
    emit({
      txPerSec: node.txPerSec,
      p50Ms: node.p50Ms,
      p99Ms: node.p99Ms,
      tradesPerSec: journaled.tradesPerSec,
      sdk: { txPerSec: journaled.txPerSec, p50Ms: journaled.p50Ms, p99Ms: journaled.p99Ms },
      baselineNode: { name: 'plain in-memory EDR without journal', ...plainNode },
      restartMsPer10kTx: restart.restartMsPer10kTx,
      restartMs: restart.restartMs,
      baselineSdk: { name: 'plain in-memory EDR without journal', ...plain },
      ratioToBaseline: node.txPerSec / plainNode.txPerSec,
      workers: WORKERS,
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
