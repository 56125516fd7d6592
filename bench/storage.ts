/**
 * `npm run bench:storage [-- --json] [-- --size-mb N] [-- --runs N] [-- --no-warm]`: encrypted
 * upload and download throughput of the storage provider beside a plain copy of the same
 * file, measured in the same run (median of 5 runs each).
 *
 * - plain copy: `fs.copyFile` (the kernel's copy, the strictest baseline) and a stream
 *   pipeline copy (read stream -> write stream, what a naive server does), both followed by
 *   an fsync of the copy so that durability matches the store's;
 * - upload: file read stream -> `StorageProvider.upload` (SHA-256, AES-256-GCM chunks,
 *   fsync, atomic publish);
 * - download: a buyer-signed request on a real in-memory chain -> `StorageProvider.download`
 *   (checks, verified chunks, key wrapped to the buyer) -> `receiveAsset` (unwrap, decrypt,
 *   SHA-256 against the on-chain hash, fsync, rename). The on-chain confirmation that follows
 *   is not timed.
 *
 * Every timed step writes a new file of the full size, and each starts right after a file
 * of that size written earlier in the run is deleted (untimed): the previous run's download
 * output before the copyFile, the copyFile's copy before the pipeline copy, the previous
 * blob before the upload, the pipeline's copy before the download (for the first run, that
 * output and blob are made untimed first, which also warms up the provider). So every step,
 * baselines included, writes into memory the kernel freed a moment ago. Without that, which step gets
 * "cold" memory depends on the order of the steps: on a VM that hands memory free for a few
 * seconds back to the hypervisor (free page reporting, as on this machine), writing 512 MB
 * into such memory costs about ten times the CPU (measured: 1.1 s instead of 0.1 s), and the
 * old order gave every copy just-freed memory (the previous step's file had just been
 * deleted) and every download cold memory. `--no-warm` measures in that old way.
 *
 * The file (default 512 MB, pseudo-random) is generated in a temporary directory and
 * removed at the end. Ratios are the median of per-run ratios (robust to load changing
 * between runs on a shared machine); the load average is reported beside them. With
 * `--json` the last stdout line is `{"uploadMBps", "downloadMBps", "plainCopyMBps",
 * "pipelineCopyMBps", "uploadRatio", "downloadRatio", ...}` (ratios against fs.copyFile,
 * and `...VsPipeline` against the stream copy).
 */
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { copyFile, mkdtemp, open, rm } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { nonceManager, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { joinAlliance } from '../src/sdk/bootstrap.ts'
import { StorageProvider } from '../src/storage/StorageProvider.ts'
import { downloadAsset } from '../src/storage/downloadAsset.ts'
import { createWorld, newKeyAccount, newToken } from '../src/testing/world.ts'
import { emit, jsonMode, say, table } from './lib/report.ts'
import { median, round } from './lib/stats.ts'

const intArg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name)
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a positive integer`)
    process.exit(2)
  }
  return value
}
const sizeMb = intArg('--size-mb', 512)
const RUNS = intArg('--runs', 5)
const warm = !process.argv.includes('--no-warm')
const MB = 1_000_000
const bytes = sizeMb * MB
const log = (text: string) => (jsonMode ? process.stderr.write(`${text}\n`) : say(text))

async function generate(path: string): Promise<void> {
  const handle = await open(path, 'w')
  const block = randomBytes(1 << 20)
  for (let written = 0, i = 0; written < bytes; i++) {
    block.writeUInt32BE(i, 0)
    const n = Math.min(block.length, bytes - written)
    await handle.write(block, 0, n)
    written += n
  }
  await handle.close()
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+')
  await handle.sync()
  await handle.close()
}

/** Seconds taken by `fn`. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return (performance.now() - start) / 1000
}

async function main(): Promise<void> {
  const loadStart = loadavg()[0]!
  const dir = await mkdtemp(join(tmpdir(), 'bench-storage-'))
  try {
    const source = join(dir, 'source.bin')
    log(`generating ${sizeMb} MB in ${dir}`)
    await generate(source)

    const world = await createWorld()
    const buyerKey = generatePrivateKey()
    const buyerAccount = privateKeyToAccount(buyerKey, { nonceManager })
    await joinAlliance(world.client, world.supervisor, { name: 'Bench Buyer', admin: newKeyAccount(), keys: { Buyer: buyerAccount } })
    await world.governance.mint(buyerAccount.address, parseEther('10000'))
    const buyer = world.client.as(buyerAccount)
    await buyer.approve(parseEther('10000'))
    const provider = await StorageProvider.open({ dataDir: join(dir, 'node'), masterKey: randomBytes(32), client: world.client, actor: world.storage })

    const samples = { copyFile: [] as number[], pipeline: [] as number[], upload: [] as number[], download: [] as number[] }
    const copy = join(dir, 'copy.bin')
    const copy2 = join(dir, 'copy2.bin')
    const out = join(dir, 'downloaded.bin')
    const upload = async () => (await provider.upload(createReadStream(source, { highWaterMark: 1 << 20 }))).id
    // Each timed step writes a new file of the full size. With the page cache warmed (the
    // default), each starts right after a file of that size written earlier is deleted, so
    // every step writes into just-freed memory: the "previous" download output and blob for
    // the first run are made here, untimed.
    let contentHash = warm ? await upload() : undefined
    if (warm) await copyFile(source, out)
    for (let run = 1; run <= RUNS; run++) {
      if (warm) await rm(out)
      samples.copyFile.push(await timed(async () => {
        await copyFile(source, copy)
        await fsyncFile(copy)
      }))
      await rm(copy)
      samples.pipeline.push(await timed(async () => {
        await pipeline(createReadStream(source, { highWaterMark: 1 << 20 }), createWriteStream(copy2))
        await fsyncFile(copy2)
      }))
      if (!warm) await rm(copy2)

      if (warm) await provider.store.delete(contentHash!)
      samples.upload.push(await timed(async () => {
        contentHash = await upload()
      }))
      const listingId = await world.list({ contentHash: contentHash! })
      const token = newToken()
      const { trade } = await buyer.order({ listingId, maxPrice: parseEther('1000'), token })
      let completion: Promise<unknown> = Promise.resolve()
      if (warm) await rm(copy2)
      samples.download.push(await timed(() =>
        downloadAsset({
          client: world.client,
          privateKey: buyerKey,
          tradeId: trade.id,
          token,
          outPath: out,
          fetchDelivery: async (request) => {
            const session = await provider.download(request)
            completion = session.completion
            return session.body
          },
        }),
      ))
      await completion // confirmed on chain (not timed)
      if (!warm) {
        await rm(out)
        await provider.store.delete(contentHash!)
      }
      log(`run ${run}: copyFile ${round(sizeMb / samples.copyFile.at(-1)!)} MB/s, pipeline ${round(sizeMb / samples.pipeline.at(-1)!)} MB/s, upload ${round(sizeMb / samples.upload.at(-1)!)} MB/s, download ${round(sizeMb / samples.download.at(-1)!)} MB/s`)
    }
    await provider.close()

    const mbps = (seconds: number[]) => round(sizeMb / median(seconds))
    // Ratios per run (each path measured seconds apart) then the median: robust to load drift
    // on a shared machine, unlike a ratio of medians taken minutes apart.
    const perRun = (path: number[], baseline: number[]) => round(median(path.map((t, i) => baseline[i]! / t)), 2)
    const summary = {
      sizeMB: sizeMb,
      runs: RUNS,
      pageCacheWarmed: warm,
      uploadMBps: mbps(samples.upload),
      downloadMBps: mbps(samples.download),
      plainCopyMBps: mbps(samples.copyFile),
      pipelineCopyMBps: mbps(samples.pipeline),
      uploadRatio: perRun(samples.upload, samples.copyFile),
      downloadRatio: perRun(samples.download, samples.copyFile),
      uploadRatioVsPipeline: perRun(samples.upload, samples.pipeline),
      downloadRatioVsPipeline: perRun(samples.download, samples.pipeline),
      target: 0.5,
      loadAverage: [round(loadStart, 1), round(loadavg()[0]!, 1)],
      cpus: availableParallelism(),
    }
    if (!jsonMode) {
      say('')
      say(`Storage throughput, ${sizeMb} MB file (1 MB = 10^6 bytes), median of ${RUNS} runs; ratios = median of per-run ratios`)
      say(warm ? 'each step starts right after a same-sized file is deleted (writes into just-freed memory)' : '--no-warm: each step writes into whatever memory the steps before it freed (order-dependent)')
      say(`machine: ${summary.cpus} CPUs, 1-minute load average ${summary.loadAverage.join(' -> ')}`)
      say(
        table(
          [
            ['plain copy (fs.copyFile + fsync)', summary.plainCopyMBps, '1.00', perRun(samples.copyFile, samples.pipeline).toFixed(2)],
            ['plain copy (stream pipeline + fsync)', summary.pipelineCopyMBps, perRun(samples.pipeline, samples.copyFile).toFixed(2), '1.00'],
            ['encrypted upload', summary.uploadMBps, summary.uploadRatio.toFixed(2), summary.uploadRatioVsPipeline.toFixed(2)],
            ['download + decrypt + verify', summary.downloadMBps, summary.downloadRatio.toFixed(2), summary.downloadRatioVsPipeline.toFixed(2)],
          ],
          ['path', 'MB/s', 'x copyFile', 'x pipeline'],
        ),
      )
      const met = (a: number, b: number) => (a >= 0.5 && b >= 0.5 ? 'met' : 'NOT met')
      say(`target >= 0.50: vs copyFile ${met(summary.uploadRatio, summary.downloadRatio)}; vs stream pipeline ${met(summary.uploadRatioVsPipeline, summary.downloadRatioVsPipeline)}`)
    }
    emit(summary)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
process.exit(0)
