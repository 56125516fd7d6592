/**
 * `bourse import <file>`: brings a member's data into the exchange from a CSV file (plain or
 * gzip), with progress bars — the third data-moving command beside `upload` and `download`.
 *
 * 1. stage (src/import, all local): the header is checked against the format, every row
 *    validated (bad rows reported with their line numbers), the valid rows passed through the
 *    transform steps (`--drop-column`; the trusted data gateway of issue 6 will be one more
 *    step) and split into datasets (`--split month|country|none`), each a CSV file with its
 *    SHA-256 — nothing leaves the machine until the whole file has been checked;
 * 2. upload: each dataset streamed to the node's storage provider (POST /v1/uploads, signed by
 *    the Seller key over its hash), encrypted at rest there;
 * 3. with `--list`: each dataset listed with the same terms (POST /v1/listings).
 * `--dry-run` stops after step 1 and needs no node.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import type { Command } from 'commander'
import type { Hex, LocalAccount } from 'viem'
import { ImportRejectedError } from '../../errors/import.ts'
import { UsageError } from '../../errors/node.ts'
import { datasetFormat, formatNames, formats } from '../../import/formats.ts'
import { stageImport, type StagedDataset, type StagedImport } from '../../import/stageImport.ts'
import { dropColumns, type RowTransform } from '../../import/transforms.ts'
import { loadOrCreateMasterKey } from '../../storage/keyWrap.ts'
import { pseudonymiseColumns } from '../../tee/deidentify.ts'
import { OwnerData } from '../../tee/OwnerData.ts'
import { PSEUDONYM_KEY_ID } from '../../tee/OwnerKeys.ts'
import { withDeposit } from '../backend/ApiBackend.ts'
import { CliContext, type CliApi } from '../context.ts'
import { addListingTermOptions, parseListingTerms, type ListingTermOptions, type ListingTerms } from '../listingTerms.ts'
import { credits } from '../output.ts'
import { parseUint } from '../parse.ts'
import { abortOnInterrupt, byteProgress, explained, formatBytes, uploadFile } from '../transfer.ts'

interface ImportOptions extends ListingTermOptions {
  org?: string
  format: string
  split: string
  dropColumn: string[]
  pseudonymise: string[]
  maxBadRows: string
  expectRows?: string
  dryRun?: boolean
  list?: boolean
}

/** A dataset as the command reports it. */
interface ImportedDataset extends Omit<StagedDataset, 'file'> {
  created?: boolean
  storageProvider?: string
  listingId?: string
  tx?: string
}

const count = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`

/** The listing's description of one dataset. */
function describe(base: string, staged: StagedImport, d: StagedDataset): string {
  const what = base || `${staged.format} data from ${basename(staged.path)}`
  return staged.split === 'none' ? `${what} (${count(d.rows, 'row')})` : `${what}, ${staged.split} ${d.key} (${count(d.rows, 'row')})`
}

async function uploadAll(api: CliApi, seller: LocalAccount, datasets: StagedDataset[], signal: AbortSignal) {
  const total = datasets.reduce((t, d) => t + d.size, 0)
  const bar = byteProgress('uploading', total)
  let before = 0
  const out = []
  try {
    for (const d of datasets) {
      const r = await uploadFile({ api, account: seller, path: d.file, contentHash: d.contentHash, onProgress: (n) => bar.update(before + n), signal })
      before += d.size
      out.push(r)
    }
  } finally {
    bar.stop()
  }
  return out
}

/**
 * Each listing posts its standing deposit: refuses before anything is uploaded when the Seller
 * key cannot post them all (its marketplace balance plus its credits), rather than listing some.
 */
async function assertCanList(api: CliApi, seller: LocalAccount, terms: ListingTerms, count: number): Promise<void> {
  const needed = (terms.standingDeposit ?? terms.sellerDeposit * 5n) * BigInt(count)
  const b = await api.call<{ available: string; tokens: string }>('GET', '/v1/balances', { as: seller })
  const held = BigInt(b.available) + BigInt(b.tokens)
  if (held < needed) {
    throw new UsageError(`--list: ${count} listings post ${credits(needed)} of standing deposits, but the Seller key holds ${credits(held)}; nothing was uploaded.`, {
      details: 'Lower --standing (at least --seller-deposit), list fewer datasets (--split), or get credits first.',
    })
  }
}

async function runImport(ctx: CliContext, file: string, o: ImportOptions): Promise<void> {
  const path = resolve(file)
  const format = datasetFormat(o.format)
  if (!formats[format.name].splits[o.split]) throw new UsageError(`--split: "${o.split}" is not a split of the ${format.name} format (one of ${Object.keys(format.splits).join(', ')}).`)
  const maxBad = parseUint(o.maxBadRows, '--max-bad-rows', Number.MAX_SAFE_INTEGER)
  const expectRows = o.expectRows === undefined ? undefined : parseUint(o.expectRows, '--expect-rows', Number.MAX_SAFE_INTEGER)
  if (!o.list && (o.category || o.minPrice || o.arbitrator)) throw new UsageError('the listing options need --list')
  if (o.list && !(o.category && o.minPrice && o.arbitrator)) throw new UsageError('--list needs --category, --min-price and --arbitrator')
  if (o.dryRun && o.list) throw new UsageError('--dry-run uploads nothing, so it cannot --list')
  if (!o.dryRun && !o.org) throw new UsageError('--org: give the seller organisation whose Seller key uploads (or --dry-run)')

  // Everything that can refuse is checked before the file is read.
  let api: CliApi | undefined
  let seller: LocalAccount | undefined
  let terms: ListingTerms | undefined
  if (!o.dryRun) {
    api = ctx.api()
    seller = (await ctx.org(o.org!)).key('Seller')
    terms = o.list ? await parseListingTerms(ctx, o) : undefined
  }
  const transforms: RowTransform[] = o.dropColumn.length > 0 ? [dropColumns(o.dropColumn)] : []
  if (o.pseudonymise.length > 0) {
    // The organisation's pseudonym key: the same keyed hash as its enclave datasets (bourse tee import).
    if (!o.org) throw new UsageError('--pseudonymise: give the owner organisation with --org (its pseudonym key is used)')
    await ctx.org(o.org)
    const { keys } = new OwnerData({ teeDir: join(ctx.dataDir.root, 'tee'), org: o.org, masterKey: await loadOrCreateMasterKey(ctx.dataDir.masterKey) })
    transforms.push(pseudonymiseColumns(o.pseudonymise, keys.getOrCreate(PSEUDONYM_KEY_ID)))
  }

  const stagingDir = await mkdtemp(join(tmpdir(), 'bourse-import-'))
  const interrupt = abortOnInterrupt()
  try {
    const bar = byteProgress('validating', (await stat(path).catch(() => undefined))?.size ?? 0)
    const staged = await stageImport({ path, format, split: o.split, transforms, stagingDir, signal: interrupt.signal, onProgress: (p) => bar.update(p.bytesRead) }).finally(() => bar.stop())

    if (staged.rows.bad > maxBad) throw new ImportRejectedError({ path, bad: staged.rows.bad, allowed: maxBad, first: staged.badRows.slice(0, 5) })
    if (expectRows !== undefined && staged.rows.total !== expectRows) {
      throw new UsageError(`--expect-rows: ${path} has ${count(staged.rows.total, 'data row')}, not ${expectRows.toLocaleString('en-US')}; nothing was uploaded.`)
    }

    const datasets: ImportedDataset[] = staged.datasets.map(({ file: _f, ...d }) => d)
    if (api && seller && terms) await assertCanList(api, seller, terms, staged.datasets.length)
    if (api && seller) {
      const uploaded = await uploadAll(api, seller, staged.datasets, interrupt.signal)
      uploaded.forEach((u, i) => Object.assign(datasets[i]!, { created: u.created, storageProvider: u.storageProvider }))
      if (terms) {
        for (const [i, d] of staged.datasets.entries()) {
          const body = {
            contentHash: d.contentHash,
            category: terms.category,
            ...(terms.storageProvider && { storageProvider: terms.storageProvider }),
            arbitrator: terms.arbitrator,
            minPrice: terms.minPrice.toString(),
            buyerDeposit: terms.buyerDeposit.toString(),
            sellerDeposit: terms.sellerDeposit.toString(),
            ...(terms.standingDeposit !== undefined && { standingDeposit: terms.standingDeposit.toString() }),
            quantity: terms.quantity,
            requiresAcceptance: terms.requiresAcceptance,
            dataType: terms.dataType,
            description: describe(terms.description, staged, d),
            sampleURI: terms.sampleURI,
          }
          const listed = await withDeposit(api, seller, () => api!.call<{ listingId: string; tx: { hash: Hex } }>('POST', '/v1/listings', { as: seller, body }))
          ctx.out.step(`listed ${d.key} as listing ${listed.listingId}`)
          Object.assign(datasets[i]!, { listingId: listed.listingId, tx: listed.tx.hash })
        }
      }
    }

    const { datasets: _d, path: _p, ...summary } = staged
    ctx.out.result({ file: path, ...summary, dryRun: Boolean(o.dryRun), datasets }, (v) => {
      const size = datasets.reduce((t, d) => t + d.size, 0)
      const lines = [
        `read ${file}${staged.compressed ? ' (gzip)' : ''} as ${staged.format}: ${count(staged.rows.total, 'row')}, ${count(staged.rows.imported, 'row')} into ${count(datasets.length, 'dataset')}${staged.split === 'none' ? '' : ` by ${staged.split}`}` +
          `${staged.rows.bad ? `, ${count(staged.rows.bad, 'bad row')} left out` : ''}${staged.rows.dropped ? `, ${count(staged.rows.dropped, 'row')} dropped by ${staged.transforms.join(', ')}` : ''}`,
        ...staged.badRows.slice(0, 10).map((b) => `  line ${b.line}: ${b.reason}`),
        ...(staged.rows.bad > 10 ? [`  … and ${count(staged.rows.bad - 10, 'more bad row')} (--json lists up to 1,000)`] : []),
        ...(staged.transforms.length ? [`transformed by ${staged.transforms.join(', ')}; columns ${staged.columns.join(',')}`] : []),
        v.dryRun
          ? `dry run: ${formatBytes(size)} checked, nothing uploaded`
          : `uploaded ${formatBytes(size)}, encrypted at rest by storage provider ${datasets[0]?.storageProvider ?? '(none: no rows)'}`,
        ...datasets.map((d) => `  ${d.key.padEnd(16)} ${String(d.rows).padStart(9)} rows ${formatBytes(d.size).padStart(10)}  ${d.contentHash}${d.listingId ? `  listing ${d.listingId}` : d.created === false ? '  (already stored)' : ''}`),
        ...(!v.dryRun && !o.list && datasets.length ? [`list one with: bourse list --org ${o.org} --content-hash <hash> ... (or import with --list)`] : []),
      ]
      return lines.join('\n')
    })
  } catch (err) {
    if (interrupt.signal.aborted) throw new UsageError('Interrupted; nothing more was uploaded.')
    throw explained(err)
  } finally {
    interrupt.release()
    await rm(stagingDir, { recursive: true, force: true })
  }
}

export function importCommand(program: Command): void {
  addListingTermOptions(
    program
      .command('import <file>')
      .description('validate a CSV file (plain or gzip) of order lines, split it into datasets, upload each encrypted to the node\'s storage provider; --list lists them')
      .option('--org <org>', 'local seller organisation (its Seller key uploads and lists)')
      .option('--format <format>', `what the file holds: ${formatNames.join(' | ')} (any CSV with a header)`, 'online-retail')
      .option('--split <split>', 'datasets to make: none | month | country (online-retail)', 'none')
      .option('--drop-column <name>', 'leave this column out of the datasets (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
      .option('--pseudonymise <column>', "replace this direct identifier by the organisation's keyed-hash pseudonym (repeatable; e.g. CustomerID)", (v: string, all: string[]) => [...all, v], [] as string[])
      .option('--max-bad-rows <n>', 'import even with up to n bad rows (left out, listed with their line numbers)', '0')
      .option('--expect-rows <n>', 'refuse unless the file has exactly n data rows')
      .option('--dry-run', 'validate and split only: nothing is uploaded, no node needed')
      .option('--list', 'list each dataset right away (posting a standing deposit each) with the options below'),
    { required: false, storageHelp: 'storage provider (default: this node\'s, which now holds the datasets)' },
  ).action(async (file: string, o: ImportOptions, cmd: Command) => runImport(CliContext.of(cmd), file, o))
}
