/**
 * The data-moving commands, through the running node's HTTP API (src/api/README.md):
 * - `bourse upload <file>`: SHA-256 in a first streaming pass, then the file streamed to
 *   POST /v1/uploads (signed by the Seller key over the declared hash), optionally listed at
 *   once through POST /v1/listings;
 * - `bourse download <tradeId>`: the buyer's signed download request to POST /v1/downloads,
 *   the delivery decrypted and checked against the listing's on-chain content hash
 *   (src/storage `receiveAsset`), then renamed into place — or no file at all.
 * Both show progress bars on stderr; neither holds more than a few chunks of the file in memory.
 * (`bourse import`, the third data-moving command, is ./import.ts.)
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Command } from 'commander'
import type { Hex } from 'viem'
import { BaseError } from '../../errors/base.ts'
import { UsageError } from '../../errors/node.ts'
import { tradeStates } from '../../sdk/trade.ts'
import { receiveAsset, serializeDownloadRequest, signDownloadRequest } from '../../storage/index.ts'
import { withDeposit } from '../backend/ApiBackend.ts'
import { CliContext } from '../context.ts'
import { addListingTermOptions, parseListingTerms, type ListingTermOptions } from '../listingTerms.ts'
import { tradeIdHex } from '../output.ts'
import { parseTradeId, parseUint } from '../parse.ts'
import { abortOnInterrupt, byteProgress, explained, formatBytes, responseError, sha256File, uploadFile, type ByteProgress } from '../transfer.ts'

/** The download token `bourse order` saved for a trade. */
function readToken(ctx: CliContext, tradeId: bigint): Hex {
  const file = ctx.dataDir.token(tradeId)
  if (!existsSync(file)) {
    throw new UsageError(`No download token for trade ${tradeIdHex(tradeId)} in ${ctx.dataDir.tokens}.`, {
      details: '`bourse order` saves it there when it orders on this data directory.',
    })
  }
  const token = (JSON.parse(readFileSync(file, 'utf8')) as { token?: unknown }).token
  if (typeof token !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(token)) throw new UsageError(`${file} holds no download token.`)
  return token as Hex
}

interface UploadOptions extends ListingTermOptions {
  org: string
  list?: boolean
}

async function upload(ctx: CliContext, file: string, o: UploadOptions): Promise<void> {
  const path = resolve(file)
  const info = await stat(path).catch(() => undefined)
  if (!info?.isFile()) throw new UsageError(`${file}: no such file.`)
  if (!o.list && (o.category || o.minPrice || o.arbitrator)) throw new UsageError('the listing options need --list')
  if (o.list && !(o.category && o.minPrice && o.arbitrator)) throw new UsageError('--list needs --category, --min-price and --arbitrator')
  const api = ctx.api()
  const seller = (await ctx.org(o.org)).key('Seller')
  // Parse the listing terms before moving any data.
  const terms = o.list ? await parseListingTerms(ctx, o) : undefined
  // The API takes amounts as decimal strings.
  const listing = terms && {
    ...terms,
    minPrice: terms.minPrice.toString(),
    buyerDeposit: terms.buyerDeposit.toString(),
    sellerDeposit: terms.sellerDeposit.toString(),
    ...(terms.standingDeposit !== undefined && { standingDeposit: terms.standingDeposit.toString() }),
  }

  const interrupt = abortOnInterrupt()
  try {
    const hashing = byteProgress('hashing', info.size)
    const contentHash = await sha256File(path, (n) => hashing.update(n), interrupt.signal).finally(() => hashing.stop())
    const uploading = byteProgress('uploading', info.size)
    const uploaded = await uploadFile({ api, account: seller, path, contentHash, onProgress: (n) => uploading.update(n), signal: interrupt.signal }).finally(() => uploading.stop())
    let listed: { listingId: string; storageProvider: string; tx: { hash: string; gasUsed: string } } | undefined
    if (listing) {
      const body = { contentHash: uploaded.contentHash, ...listing }
      listed = await withDeposit(api, seller, () => api.call('POST', '/v1/listings', { as: seller, body }))
    }
    ctx.out.result({ ...uploaded, file: path, ...(listed && { listingId: listed.listingId, listingStorageProvider: listed.storageProvider, tx: listed.tx.hash }) }, (v) =>
      [
        `uploaded ${file} (${formatBytes(v.size)}${v.created ? '' : ', already stored'}), encrypted at rest by storage provider ${v.storageProvider}`,
        `content hash ${v.contentHash}`,
        v.listingId ? `listed as listing ${v.listingId}` : `list it with: bourse list --org ${o.org} --content-hash ${v.contentHash} ... (or upload with --list)`,
      ].join('\n'),
    )
  } catch (err) {
    if (interrupt.signal.aborted) throw new UsageError('Interrupted; the node stores nothing of an unfinished upload.')
    throw explained(err)
  } finally {
    interrupt.release()
  }
}

interface DownloadOptions {
  org: string
  out: string
  force?: boolean
  providerUrl?: string
  wait: string
}

async function download(ctx: CliContext, id: string, o: DownloadOptions): Promise<void> {
  const tradeId = parseTradeId(id)
  const out = resolve(o.out)
  const waitSeconds = parseUint(o.wait, '--wait', 3600)
  if (existsSync(out) && !o.force) throw new UsageError(`--out: ${out} already exists.`, { details: 'Choose another path, or give --force to replace it.' })
  if (!statSync(dirname(out), { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--out: the directory ${dirname(out)} does not exist.`)
  const token = readToken(ctx, tradeId)
  const account = (await ctx.org(o.org)).key('Buyer')
  const privateKey = await ctx.privateKey(o.org, 'Buyer')
  const url = (o.providerUrl ?? ctx.api().url).replace(/\/+$/, '')
  const client = await ctx.client()
  // What the content must be, from the chain — not from the provider that serves it.
  const { trade } = await client.trade(tradeId)
  const { contentHash } = await client.listing(trade.listingId)

  const interrupt = abortOnInterrupt()
  let received = 0
  let total = 0
  try {
    const { chainId, marketplace } = client.deployment
    const request = await signDownloadRequest({ account, chainId, marketplace, tradeId, token })
    const res = await fetch(`${url}/v1/downloads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(serializeDownloadRequest(request)),
      signal: interrupt.signal,
    })
    if (!res.ok || !res.body) throw await responseError(res, 'POST', '/v1/downloads')
    let bar: ByteProgress | undefined
    const result = await receiveAsset({
      source: res.body as unknown as AsyncIterable<Uint8Array>,
      privateKey,
      expectedContentHash: contentHash,
      outPath: out,
      onProgress: (bytes, size) => {
        received = bytes
        total = size
        bar ??= byteProgress('downloading', size)
        bar.update(bytes)
      },
    }).finally(() => bar?.stop())
    // The provider confirms the download on chain once it has sent everything.
    let state = tradeStates[trade.state]
    for (const until = Date.now() + waitSeconds * 1000; state === 'Accepted' && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 200))
      state = tradeStates[(await client.trade(tradeId)).trade.state]
    }
    ctx.out.result({ tradeId: tradeIdHex(tradeId), path: result.path, size: result.size, contentHash: result.contentHash, state }, (v) =>
      [
        `downloaded trade ${v.tradeId} to ${v.path} (${formatBytes(v.size)}), decrypted and verified against the listing's content hash ${v.contentHash}`,
        v.state === 'Downloaded'
          ? `the provider confirmed the download on chain; now: bourse confirm ${v.tradeId} ok --org ${o.org} (or another verdict)`
          : `trade state ${v.state}${v.state === 'Accepted' ? ' (the provider has not confirmed the download on chain yet)' : ''}`,
      ].join('\n'),
    )
  } catch (err) {
    if (interrupt.signal.aborted) throw new UsageError('Interrupted; nothing was written.')
    if (err instanceof BaseError) throw explained(err)
    // A stream that broke off (connection, provider shutdown): receiveAsset removed the partial file.
    throw new BaseError(`The delivery of trade ${tradeIdHex(tradeId)} broke off${total ? ` after ${formatBytes(received)} of ${formatBytes(total)}` : ''}; nothing was written.`, {
      name: 'DownloadInterruptedError',
      cause: err as Error,
      details: `${(err as Error).message}${(err as Error).cause ? ` (${String(((err as Error).cause as Error).message ?? (err as Error).cause)})` : ''}. Run the same command again to retry (within 15 minutes, at most 5 attempts).`,
    })
  } finally {
    interrupt.release()
  }
}

export function dataCommands(program: Command): void {
  addListingTermOptions(
    program
      .command('upload <file>')
      .description('stream a file to the node\'s storage provider (encrypted at rest); prints its content hash; --list lists it at once')
      .requiredOption('--org <org>', 'local seller organisation (its Seller key signs)')
      .option('--list', 'list the asset right away (posting the standing deposit) with the options below'),
    { required: false, storageHelp: 'storage provider (default: this node\'s, which now holds the asset)' },
  )
    .action(async (file: string, o: UploadOptions, cmd: Command) => upload(CliContext.of(cmd), file, o))

  program
    .command('download <tradeId>')
    .description('download a bought asset with the saved download token; decrypts it and checks it against the listing\'s on-chain content hash')
    .requiredOption('--org <org>', 'local buyer organisation (its Buyer key signs the request and receives the asset key)')
    .requiredOption('--out <path>', 'where the verified file goes (nothing is written unless it verifies)')
    .option('--force', 'replace --out if it exists')
    .option('--provider-url <url>', 'the storage provider\'s API (default: this data directory\'s running node)')
    .option('--wait <seconds>', 'how long to wait for the provider\'s on-chain confirmation', '30')
    .action(async (id: string, o: DownloadOptions, cmd: Command) => download(CliContext.of(cmd), id, o))
}
