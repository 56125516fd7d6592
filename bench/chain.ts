/**
 * `npm run bench:chain [-- --json] [-- --quick]`: throughput and latency of the embedded,
 * journaled chain, beside baselines without journal measured in the same run, and restart time
 * against history length.
 *
 * Node figure: 16 clients each send already signed order transactions one after another
 * (waiting for each receipt), all concurrently — what a chain's TPS figure measures. Baselines:
 * the same EDR engine driven directly with automine and no journal, and EDR behind Hardhat 3's
 * network provider (what tests use, and what the node ran on before). The three are measured in
 * alternating rounds so that load from other processes falls on all of them alike.
 *
 * SDK figure: 16 buyer organisations each run complete trades back to back (order -> storage
 * provider confirms the download -> buyer confirms OK, settled), all concurrently; each
 * transaction's latency is the time from signing to its receipt. Baseline: Hardhat's network.
 *
 * EDR prints one "Failed to set global tracing subscriber" line on stderr here: this process
 * holds two EDR contexts (Hardhat's and the node's), which only the benchmark does.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, createWalletClient, custom, encodeFunctionData, keccak256, parseEther, type Account, type Hex, type PublicClient, type WalletClient } from 'viem'
import { allianceChain } from '../src/chain/chains.ts'
import { createEngine } from '../src/chain/embedded/engine.ts'
import { newGenesis } from '../src/chain/embedded/genesis.ts'
import { MarketplaceAbi } from '../src/contracts/generated.ts'
import { openEmbeddedChain } from '../src/node/connection.ts'
import type { Actor } from '../src/sdk/BourseClient.ts'
import { createWorld, newKeyAccount, newToken, type World, type WorldChain } from '../src/testing/world.ts'
import { measureOneTxBlockRestart, measureRestart } from './chain-restart.ts'
import { addBuyers } from './lib/buyers.ts'
import { emit, jsonMode, say, table } from './lib/report.ts'
import { percentile, round } from './lib/stats.ts'

const quick = process.argv.includes('--quick')
const WORKERS = 16
const TRADES = quick ? 300 : 1200
/** Measurement rounds of signed orders per chain, alternating between chains. */
const ROUNDS = quick ? 1 : 3

interface Throughput {
  txPerSec: number
  tradesPerSec: number
  p50Ms: number
  p99Ms: number
  transactions: number
}

/**
 * The node's own transaction rate on `chain`: a world with W buyers, and `rounds` x W x
 * `perWorker` order transactions signed beforehand (signing is not measured). Returns a
 * function that runs the next round: W clients, each sending its transactions one after
 * another and waiting for each receipt, all W concurrently.
 */
async function prepareSignedOrders(chain: WorldChain | undefined, perWorker: number, rounds: number): Promise<() => Promise<Sample>> {
  const w = await createWorld({ chain, fixedGas: 1_000_000n, mint: parseEther('10000000') })
  const listingId = await w.list({ standingDeposit: parseEther('100000'), quantity: 1_000_000 })
  const buyers = await addBuyers(w, WORKERS)
  const chainId = await w.net.publicClient.getChainId()
  const signed = await Promise.all(
    buyers.map(async (buyer) => {
      let nonce = await w.net.publicClient.getTransactionCount({ address: buyer.address })
      const raws: Hex[] = []
      for (let i = 0; i < perWorker * rounds; i++) {
        const data = encodeFunctionData({ abi: MarketplaceAbi, functionName: 'order', args: [listingId, parseEther('200'), keccak256(newToken())] })
        raws.push(await buyer.account.signTransaction!({ chainId, type: 'eip1559', nonce: nonce++, to: w.deployment.marketplace, data, gas: 1_000_000n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }))
      }
      return raws
    }),
  )
  let round = 0
  return async () => {
    const r = round++
    const latencies: number[] = []
    let failed = 0
    const started = performance.now()
    await Promise.all(
      signed.map(async (raws) => {
        for (const raw of raws.slice(r * perWorker, (r + 1) * perWorker)) {
          const t0 = performance.now()
          const hash = await w.net.publicClient.request({ method: 'eth_sendRawTransaction', params: [raw] })
          const receipt = await w.net.publicClient.getTransactionReceipt({ hash })
          latencies.push(performance.now() - t0)
          if (receipt.status !== 'success') failed++
        }
      }),
    )
    if (failed) throw new Error(`${failed} benchmark transactions reverted`)
    return { latencies, seconds: (performance.now() - started) / 1000 }
  }
}

/** One measured round: every transaction's latency (ms), and the round's wall time. */
type Sample = { latencies: number[]; seconds: number }

/** Pools rounds: transactions over total time, percentiles over every latency. */
function pooled(samples: Sample[]): Throughput {
  const latencies = samples.flatMap((s) => s.latencies)
  const seconds = samples.reduce((t, s) => t + s.seconds, 0)
  return { txPerSec: round(latencies.length / seconds), tradesPerSec: 0, p50Ms: round(percentile(latencies, 50), 2), p99Ms: round(percentile(latencies, 99), 2), transactions: latencies.length }
}

/** The node's EDR engine driven directly (automine, as Hardhat's network), with no journal. */
async function plainEngine(): Promise<{ chain: WorldChain; close(): Promise<void> }> {
  const engine = await createEngine(newGenesis({ initialDate: new Date() }))
  const viemChain = allianceChain({ id: 31337, rpcUrl: 'http://127.0.0.1:8545' })
  const transport = custom(engine.provider as never, { retryCount: 0 })
  const publicClient = createPublicClient({ chain: viemChain, transport, pollingInterval: 100, cacheTime: 0 }) as PublicClient
  const walletFor = (account: Account) => createWalletClient({ account, chain: viemChain, transport }) as WalletClient
  return { chain: { publicClient, walletFor, increaseTime: () => Promise.reject(new Error('not needed here')) }, close: () => engine.close() }
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
    say(
      `node: ${ROUNDS} x ${perWorker * WORKERS} signed order transactions from ${WORKERS} concurrent clients; ` +
        `SDK: ${TRADES} complete trades by ${WORKERS} concurrent buyers…`,
    )
    await runTrades(undefined, Math.round(TRADES / 4)) // warm-up: JIT and caches, not measured
    const engine = await plainEngine()
    const runs = {
      node: await prepareSignedOrders(embeddedChain, perWorker, ROUNDS),
      engine: await prepareSignedOrders(engine.chain, perWorker, ROUNDS),
      hardhat: await prepareSignedOrders(undefined, perWorker, ROUNDS),
    }
    const samples: Record<keyof typeof runs, Sample[]> = { node: [], engine: [], hardhat: [] }
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of Object.keys(runs) as (keyof typeof runs)[]) samples[name].push(await runs[name]())
    }
    await engine.close()
    const node = pooled(samples.node)
    const plainEdr = pooled(samples.engine)
    const plainNode = pooled(samples.hardhat)
    const plain = await runTrades(undefined)
    const journaled = await runTrades(embeddedChain)
    await conn.close()
    const row = (name: string, t: Throughput, trades: boolean) => [name, t.txPerSec, trades ? t.tradesPerSec : '-', t.p50Ms, t.p99Ms]
    const ratio = (name: string, a: Throughput, b: Throughput, trades: boolean) => [name, round(a.txPerSec / b.txPerSec, 3), trades ? round(a.tradesPerSec / b.tradesPerSec, 3) : '-', round(a.p50Ms / b.p50Ms, 2), round(a.p99Ms / b.p99Ms, 2)]
    say(
      table(
        [
          row('node: signed orders, journaled embedded chain', node, false),
          row('  baseline: the same EDR engine, no journal', plainEdr, false),
          ratio('  ratio journaled / same engine', node, plainEdr, false),
          row("  baseline: EDR behind Hardhat 3's network, no journal", plainNode, false),
          ratio('  ratio journaled / Hardhat network', node, plainNode, false),
          row('SDK: complete trades, journaled embedded chain', journaled, true),
          row("  baseline: EDR behind Hardhat 3's network, no journal", plain, true),
          ratio('  ratio journaled / Hardhat network', journaled, plain, true),
        ],
        ['', 'tx/s', 'trades/s', 'p50 ms', 'p99 ms'],
      ),
    )
    say(`targets (node): >= 1,000 tx/s: ${node.txPerSec >= 1000 ? 'met' : 'NOT met'}; p99 < 50 ms: ${node.p99Ms < 50 ? 'met' : 'NOT met'}`)
    say('SDK figures include signing each transaction in process (JavaScript secp256k1) and decoding each receipt.')

    const sizes = quick ? [10_000] : [10_000, 100_000]
    say(`\nrestart time against history length (${sizes.join(', ')} journaled transactions from 32 concurrent senders; then 10,000 one-transaction blocks)…`)
    const restart = await measureRestart(sizes, { log: () => {} })
    const worst = await measureOneTxBlockRestart(10_000)
    say(
      table(
        [...restart.samples, worst].map((s) => [s.transactions, s.blocks, round(s.journalBytes / 1e6, 1), s.restartMs, s.replayMs, round(s.buildTxPerSec)]),
        ['transactions', 'blocks', 'journal MB', 'restart ms', 'replay ms', 'build tx/s'],
      ),
    )
    const worstPer10k = Math.round((worst.restartMs / worst.transactions) * 10_000)
    say(`restart per 10,000 transactions: ${restart.restartMsPer10kTx} ms as mined from concurrent senders, ${worstPer10k} ms as one-transaction blocks (worst case)`)
    say(`one append + fdatasync: ${restart.fdatasyncUs} µs`)
    emit({
      txPerSec: node.txPerSec,
      p50Ms: node.p50Ms,
      p99Ms: node.p99Ms,
      tradesPerSec: journaled.tradesPerSec,
      sdk: { txPerSec: journaled.txPerSec, p50Ms: journaled.p50Ms, p99Ms: journaled.p99Ms },
      baselineNode: { name: "EDR behind Hardhat 3's network, without journal", ...plainNode },
      baselineEngine: { name: 'the same EDR engine driven directly, without journal', ...plainEdr },
      restartMsPer10kTx: restart.restartMsPer10kTx,
      restartMsPer10kOneTxBlocks: worstPer10k,
      restartMs: restart.restartMs,
      baselineSdk: { name: "EDR behind Hardhat 3's network, without journal", ...plain },
      ratioToBaseline: node.txPerSec / plainNode.txPerSec,
      ratioToEngine: node.txPerSec / plainEdr.txPerSec,
      workers: WORKERS,
      rounds: ROUNDS,
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
