/**
 * Restart cost of the embedded chain: builds journals of the given sizes (ERC-20-like transfers
 * from 32 concurrent senders through the journaling provider, which mines each batch of them as
 * one block) and measures how long `EmbeddedChain.open` takes to replay them and check the head
 * hash. The worst case is measured too: a journal of one-transaction blocks (what one sender
 * waiting for every acknowledgement produces, and what journals written before batches were
 * mined together hold), written by mining each transaction alone on a bare engine.
 *
 *   node --import tsx bench/chain-restart.ts [--json] [--sizes 10000,100000] [--one-tx-blocks 10000]
 *
 * With --json the last line is `{"restartMs":{"10000":n,...},"restartMsPer10kTx":n,...}`.
 * `measureRestart(sizes)` and `measureOneTxBlockRestart(count)` are exported for bench/chain.ts.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Address, Hex } from 'viem'
import { EmbeddedChain } from '../src/chain/embedded/EmbeddedChain.ts'
import { createEngine } from '../src/chain/embedded/engine.ts'
import { readGenesis } from '../src/chain/embedded/genesis.ts'
import { Journal } from '../src/chain/embedded/Journal.ts'
import { decodeJournal, type BlockRecord } from '../src/chain/embedded/journalFormat.ts'
import { getBlockSummary } from '../src/chain/embedded/request.ts'
import { signTokenDeploy, signTransfer, testAccount } from '../src/chain/embedded/testing/signer.ts'

/** One measured journal size. */
export type RestartSample = {
  transactions: number
  blocks: number
  journalBytes: number
  /** Journaled transactions per second while building (32 concurrent senders, group commit). */
  buildTxPerSec: number
  /** Wall time of `EmbeddedChain.open` (engine start, journal read, replay, hash check). */
  restartMs: number
  /** Of which replay. */
  replayMs: number
}

/** Result of {@link measureRestart}. */
export type MeasureRestartReturnType = {
  samples: RestartSample[]
  restartMs: Record<string, number>
  /** Restart time per 10,000 transactions at the largest size. */
  restartMsPer10kTx: number
  /** One sender waiting for each acknowledgement (one block + one synchronous append per transaction). */
  sequentialTxPerSec: number
  /** Cost of one 250-byte append + fdatasync on the data directory's disk, microseconds. */
  fdatasyncUs: number
}

const SENDERS = 32
const RECIPIENTS = 1000

/**
 * Builds journals of `sizes` transactions (ascending, sharing one data directory) and measures
 * the restart time of each.
 *
 * @example
 * const { restartMs } = await measureRestart([10_000, 100_000])
 */
export async function measureRestart(
  sizes: readonly number[],
  { log = () => {} }: { log?: ((line: string) => void) | undefined } = {},
): Promise<MeasureRestartReturnType> {
  const sorted = [...new Set(sizes)].sort((a, b) => a - b)
  const dataDir = await mkdtemp(join(tmpdir(), 'bourse-restart-bench-'))
  try {
    const fdatasyncUs = measureFdatasync(dataDir)
    let chain = await EmbeddedChain.open({ dataDir })
    const owner = testAccount(0)
    const { raw, address: token } = await signTokenDeploy(owner, 0, chain.chainId, 0n)
    await send(chain, raw)
    let sent = 1
    const nonces = new Array<number>(SENDERS).fill(0)
    const sequentialTxPerSec = await sequentialRate(chain, token, nonces, 1000)
    sent += 1000

    const samples: RestartSample[] = []
    for (const size of sorted) {
      const count = Math.max(0, size - sent)
      const buildTxPerSec = await concurrentSends(chain, token, nonces, count, (done) => log(`  building ${size}: ${sent + done}/${size}`))
      sent += count
      await chain.close()

      const opening = performance.now()
      chain = await EmbeddedChain.open({ dataDir })
      const restartMs = Math.round(performance.now() - opening)
      const sample: RestartSample = {
        transactions: chain.startup.replayedTransactions,
        blocks: chain.startup.replayedBlocks,
        journalBytes: await journalBytes(dataDir),
        buildTxPerSec: Math.round(buildTxPerSec),
        restartMs,
        replayMs: chain.startup.replayMs,
      }
      samples.push(sample)
      log(`  ${size}: restart ${restartMs} ms`)
    }
    await chain.close()
    const largest = samples[samples.length - 1]!
    return {
      samples,
      restartMs: Object.fromEntries(sorted.map((size, i) => [String(size), samples[i]!.restartMs])),
      restartMsPer10kTx: Math.round((largest.restartMs / largest.transactions) * 10_000),
      sequentialTxPerSec: Math.round(sequentialTxPerSec),
      fdatasyncUs: Math.round(fdatasyncUs),
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

/**
 * Restart time of a journal of `count` one-transaction blocks (the worst case: replay costs
 * mostly per block). The journal is written as the node would have written it, from blocks
 * mined one transaction at a time on a bare engine of the same genesis.
 *
 * @example
 * const sample = await measureOneTxBlockRestart(10_000)
 */
export async function measureOneTxBlockRestart(count: number): Promise<RestartSample> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bourse-restart-bench-'))
  try {
    await (await EmbeddedChain.open({ dataDir })).close() // genesis.json and the journal header
    const chainDir = join(dataDir, 'chain')
    const genesis = (await readGenesis(chainDir))!
    const engine = await createEngine(genesis) // automine: one block per transaction
    const { journal } = await Journal.open({ path: join(chainDir, 'journal.bin'), header: { chainId: BigInt(genesis.chainId), genesisHash: genesis.genesisHash! } })
    const started = performance.now()
    try {
      const request = engine.provider.request
      const owner = testAccount(0)
      const { raw, address: token } = await signTokenDeploy(owner, 0, genesis.chainId, 0n)
      const raws = [raw]
      for (let i = 1; i < count; i++) raws.push(await signTransfer(owner, i, genesis.chainId, token, recipient(i), 0n))
      for (let from = 0; from < count; from += 1000) {
        const chunk = raws.slice(from, from + 1000)
        await Promise.all(chunk.map((r) => request({ method: 'eth_sendRawTransaction', params: [r] })))
        const blocks = await Promise.all(chunk.map((_, i) => getBlockSummary(request, BigInt(from + i + 1))))
        await journal.append(
          blocks.map((b, i): BlockRecord => ({ kind: 'block', number: BigInt(b.number), timestamp: BigInt(b.timestamp), hash: b.hash, txs: [chunk[i]!] })),
        )
      }
    } finally {
      await journal.close()
      await engine.close()
    }
    const buildTxPerSec = count / ((performance.now() - started) / 1000)
    const opening = performance.now()
    const chain = await EmbeddedChain.open({ dataDir })
    const restartMs = Math.round(performance.now() - opening)
    const sample: RestartSample = {
      transactions: chain.startup.replayedTransactions,
      blocks: chain.startup.replayedBlocks,
      journalBytes: await journalBytes(dataDir),
      buildTxPerSec: Math.round(buildTxPerSec),
      restartMs,
      replayMs: chain.startup.replayMs,
    }
    await chain.close()
    return sample
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** Bytes of the journal's frames (the file also holds zero-filled space written ahead). */
async function journalBytes(dataDir: string): Promise<number> {
  return decodeJournal(await readFile(join(dataDir, 'chain', 'journal.bin'))).validEnd
}

function send(chain: EmbeddedChain, raw: Hex): Promise<unknown> {
  return chain.provider.request({ method: 'eth_sendRawTransaction', params: [raw] })
}

const recipient = (i: number) => `0x${(0xb0000 + (i % RECIPIENTS)).toString(16).padStart(40, '0')}` as Address

/** Sender 0 alone, waiting for each acknowledgement. Transfers of 0 need no balance. */
async function sequentialRate(chain: EmbeddedChain, token: Address, nonces: number[], count: number): Promise<number> {
  const account = testAccount(1)
  const raws: Hex[] = []
  for (let i = 0; i < count; i++) raws.push(await signTransfer(account, nonces[0]!++, chain.chainId, token, recipient(i), 0n))
  const started = performance.now()
  for (const raw of raws) await send(chain, raw)
  return count / ((performance.now() - started) / 1000)
}

/**
 * `count` transfers from SENDERS accounts at once, signed beforehand (clients sign, not the
 * node); returns journaled transactions per second while sending.
 */
async function concurrentSends(
  chain: EmbeddedChain,
  token: Address,
  nonces: number[],
  count: number,
  progress: (done: number) => void,
): Promise<number> {
  const perSender: Hex[][] = Array.from({ length: SENDERS }, () => [])
  for (let i = 0; i < count; i++) {
    const w = i % SENDERS
    perSender[w]!.push(await signTransfer(testAccount(1 + w), nonces[w]!++, chain.chainId, token, recipient(i), 0n))
    if (i > 0 && i % 20_000 === 0) progress(i)
  }
  let done = 0
  const started = performance.now()
  await Promise.all(
    perSender.map(async (raws) => {
      for (const raw of raws) {
        await send(chain, raw)
        if (++done % 20_000 === 0) progress(done)
      }
    }),
  )
  return count / ((performance.now() - started) / 1000)
}

function measureFdatasync(dir: string): number {
  const fd = openSync(join(dir, 'fdatasync-probe'), 'a')
  try {
    const buf = Buffer.alloc(250, 1)
    const rounds = 200
    const started = performance.now()
    for (let i = 0; i < rounds; i++) {
      writeSync(fd, buf)
      fdatasyncSync(fd)
    }
    return ((performance.now() - started) * 1000) / rounds
  } finally {
    closeSync(fd)
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const json = args.includes('--json')
  const at = args.indexOf('--sizes')
  const sizes = (at >= 0 ? args[at + 1] ?? '' : '10000,100000').split(',').map((s) => Number.parseInt(s, 10))
  if (sizes.some((n) => !Number.isInteger(n) || n < 2000)) throw new Error('--sizes takes integers >= 2000, e.g. 10000,100000')
  const oneAt = args.indexOf('--one-tx-blocks')
  const oneTxBlocks = oneAt >= 0 ? Number.parseInt(args[oneAt + 1] ?? '', 10) : 10_000
  if (!Number.isInteger(oneTxBlocks) || oneTxBlocks < 2) throw new Error('--one-tx-blocks takes an integer >= 2, e.g. 10000')
  const result = await measureRestart(sizes, { log: (line) => console.error(line) })
  const worst = await measureOneTxBlockRestart(oneTxBlocks)
  console.log('transactions  blocks   journal MB  build tx/s  restart ms  replay ms  replay tx/s')
  for (const s of [...result.samples, worst]) {
    console.log(
      [
        String(s.transactions).padStart(12),
        String(s.blocks).padStart(7),
        (s.journalBytes / 1e6).toFixed(1).padStart(12),
        String(s.buildTxPerSec).padStart(11),
        String(s.restartMs).padStart(11),
        String(s.replayMs).padStart(10),
        String(Math.round(s.transactions / (s.replayMs / 1000))).padStart(12),
      ].join(' '),
    )
  }
  const worstPer10k = Math.round((worst.restartMs / worst.transactions) * 10_000)
  console.log(`(last row: one transaction per block, the worst case: ${worstPer10k} ms per 10,000 transactions)`)
  console.log(`one sender, one block + synchronous append per tx: ${result.sequentialTxPerSec} tx/s; write + fdatasync ${result.fdatasyncUs} µs`)
  if (json) {
    const { restartMs, restartMsPer10kTx, sequentialTxPerSec, fdatasyncUs, samples } = result
    console.log(JSON.stringify({ restartMs, restartMsPer10kTx, restartMsPer10kOneTxBlocks: worstPer10k, sequentialTxPerSec, fdatasyncUs, buildTxPerSec: samples.at(-1)!.buildTxPerSec }))
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
