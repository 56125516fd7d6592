/**
 * The first half of an import, all local: read a CSV file (plain or gzip, streamed), check its
 * header against the format, validate every row (bad ones are counted and reported with their
 * line numbers, and left out), pass the valid rows through the transform steps, and write them
 * into one staged CSV file per dataset of the chosen split — each with its row count, size and
 * SHA-256 (the content hash its listing commits to). Uploading and listing are the caller's
 * (src/cli/commands/import.ts), so nothing leaves the machine before the whole file is checked.
 *
 * Memory stays at one batch of rows plus a buffer per dataset, whatever the file's size.
 *
 * @example
 * const staged = await stageImport({ path: 'online-retail.csv.gz', format: datasetFormat('online-retail'), split: 'month', stagingDir })
 * staged.rows // { total: 541909, imported: 541909, bad: 0, dropped: 0 }
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, stat, writeFile, appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline, Transform } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { Hex } from 'viem'
import { ImportHeaderError, ImportSourceError } from '../errors/import.ts'
import { UsageError } from '../errors/node.ts'
import { csvLine, readCsvRecords } from './csv.ts'
import type { DatasetFormat } from './formats.ts'
import type { ImportRow, RowTransform } from './transforms.ts'

/** Rows handed to the transform steps at a time. */
const BATCH_ROWS = 8192
/** Bad rows kept with their line and reason (all are counted). */
export const MAX_REPORTED_BAD_ROWS = 1000
/** Most datasets one import may split into. */
export const MAX_DATASETS = 1000
/** Bytes a dataset buffers before appending to its file. */
const FLUSH_BYTES = 1 << 20

export interface StageImportParameters {
  /** The source CSV file; gzip is recognised by its magic bytes. */
  path: string
  format: DatasetFormat
  /** One of `format.splits` (default `none`: one dataset). */
  split?: string | undefined
  transforms?: readonly RowTransform[] | undefined
  /** An empty directory for the dataset files. */
  stagingDir: string
  onProgress?: ((p: StageProgress) => void) | undefined
  signal?: AbortSignal | undefined
}

export interface StageProgress {
  /** Bytes of the source file read (compressed bytes for gzip). */
  bytesRead: number
  totalBytes: number
  rows: number
  bad: number
}

export interface BadRow {
  line: number
  reason: string
}

export interface StagedDataset {
  /** The split's key: `all`, a month `2011-03`, a country. */
  key: string
  file: string
  rows: number
  size: number
  /** SHA-256 of the file: the id the storage provider stores it under. */
  contentHash: Hex
  /** First and last source line of its rows. */
  firstLine: number
  lastLine: number
}

export interface StagedImport {
  path: string
  compressed: boolean
  format: string
  split: string
  /** Columns of the datasets (after the transform steps). */
  columns: string[]
  transforms: string[]
  rows: {
    /** Data rows read (the header not counted). */
    total: number
    /** Rows written to a dataset. */
    imported: number
    /** Rows that failed validation (left out). */
    bad: number
    /** Valid rows a transform step left out. */
    dropped: number
  }
  /** The first {@link MAX_REPORTED_BAD_ROWS} bad rows, in file order. */
  badRows: BadRow[]
  datasets: StagedDataset[]
}

/** One dataset file being written. */
interface Sink {
  key: string
  file: string
  hash: Hash
  buffer: string[]
  buffered: number
  rows: number
  size: number
  firstLine: number
  lastLine: number
}

export async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(2)
    const { bytesRead } = await handle.read(head, 0, 2, 0)
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b
  } finally {
    await handle.close()
  }
}

/** Text chunks of the file: counted as read, gunzipped if need be, decoded as strict UTF-8 (also the TEE gateway's reader). */
export async function* textOf(path: string, gzip: boolean, onBytes: (n: number) => void, signal?: AbortSignal): AsyncGenerator<string> {
  let read = 0
  const counter = new Transform({
    transform(chunk: Buffer, _e, done) {
      read += chunk.length
      onBytes(read)
      done(null, chunk)
    },
  })
  const file = createReadStream(path, { highWaterMark: 1 << 20 })
  // The callback form returns the last stream; an error anywhere destroys them all and ends the loop below.
  const bytes: AsyncIterable<Buffer> = gzip ? pipeline(file, counter, createGunzip(), () => {}) : pipeline(file, counter, () => {})
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    for await (const chunk of bytes) {
      signal?.throwIfAborted()
      yield decoder.decode(chunk, { stream: true })
    }
    const rest = decoder.decode()
    if (rest) yield rest
  } catch (err) {
    if (signal?.aborted) throw signal.reason
    const e = err as NodeJS.ErrnoException
    if (e.code === 'ERR_ENCODING_INVALID_ENCODED_DATA') throw new ImportSourceError({ path, reason: `it is not UTF-8 text (near byte ${read} of the file)`, cause: e })
    if (gzip && e.code?.startsWith('Z_')) throw new ImportSourceError({ path, reason: `the gzip data is damaged or cut short (${e.message})`, cause: e })
    throw new ImportSourceError({ path, reason: e.message, cause: e })
  } finally {
    file.destroy()
  }
}

/** A file name for a dataset key: letters, digits, dot, dash; distinct per key. */
function fileNameOf(key: string, taken: Set<string>): string {
  const base = key.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 80) || 'dataset'
  let name = `${base}.csv`
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}.csv`
  taken.add(name)
  return name
}

/**
 * @throws {ImportSourceError} the file cannot be read as (gzip) UTF-8 text
 * @throws {ImportHeaderError} the header does not fit the format
 * @throws {UsageError} an unknown split, too many datasets, a transform that does not fit the columns
 */
export async function stageImport(p: StageImportParameters): Promise<StagedImport> {
  const split = p.split ?? 'none'
  const keyOf = p.format.splits[split]
  if (!keyOf) throw new UsageError(`--split: "${split}" is not a split of the ${p.format.name} format (one of ${Object.keys(p.format.splits).join(', ')}).`)
  const info = await stat(p.path).catch(() => undefined)
  if (!info?.isFile()) throw new ImportSourceError({ path: p.path, reason: 'no such file' })
  const compressed = await isGzip(p.path)
  const transforms = p.transforms ?? []

  const progress: StageProgress = { bytesRead: 0, totalBytes: info.size, rows: 0, bad: 0 }
  const report = { total: 0, imported: 0, bad: 0, dropped: 0 }
  const badRows: BadRow[] = []
  const bad = (line: number, reason: string) => {
    report.bad++
    progress.bad++
    if (badRows.length < MAX_REPORTED_BAD_ROWS) badRows.push({ line, reason })
  }

  let header: string[] | undefined
  let columns: string[] = []
  let headerLine = ''
  const sinks = new Map<string, Sink>()
  const taken = new Set<string>()
  let batch: ImportRow[] = []

  const flush = async (sink: Sink) => {
    if (sink.buffer.length === 0) return
    const text = sink.buffer.join('')
    sink.buffer = []
    sink.buffered = 0
    sink.hash.update(text)
    await appendFile(sink.file, text)
  }

  const write = async (rows: ImportRow[]) => {
    for (const row of rows) {
      let sink = sinks.get(row.dataset)
      if (!sink) {
        if (sinks.size >= MAX_DATASETS) throw new UsageError(`--split ${split} makes more than ${MAX_DATASETS} datasets; choose a coarser split.`)
        sink = { key: row.dataset, file: join(p.stagingDir, fileNameOf(row.dataset, taken)), hash: createHash('sha256'), buffer: [headerLine], buffered: headerLine.length, rows: 0, size: Buffer.byteLength(headerLine), firstLine: row.line, lastLine: row.line }
        await writeFile(sink.file, '', { flag: 'wx', mode: 0o600 })
        sinks.set(row.dataset, sink)
      }
      const line = csvLine(row.fields)
      sink.buffer.push(line)
      sink.buffered += line.length
      sink.size += Buffer.byteLength(line)
      sink.rows++
      sink.lastLine = row.line
      report.imported++
      if (sink.buffered >= FLUSH_BYTES) await flush(sink)
    }
  }

  const runBatch = async () => {
    if (batch.length === 0) return
    let rows = batch
    batch = []
    const before = rows.length
    for (const step of transforms) rows = await step.rows(rows)
    const wrong = rows.find((r) => r.fields.length !== columns.length)
    if (wrong) throw new Error(`the transform steps turned line ${wrong.line} into ${wrong.fields.length} fields for ${columns.length} columns`)
    report.dropped += before - rows.length
    await write(rows)
  }

  const text = textOf(p.path, compressed, (n) => (progress.bytesRead = n), p.signal)
  for await (const record of readCsvRecords(text, { fieldCount: () => header?.length })) {
    if (!header) {
      if (record.error !== undefined) throw new ImportHeaderError({ path: p.path, format: p.format.name, problem: `line ${record.line}: ${record.error}` })
      header = record.fields.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c))
      const problem = p.format.checkHeader(header)
      if (problem) throw new ImportHeaderError({ path: p.path, format: p.format.name, problem })
      columns = header
      for (const step of transforms) columns = step.columns(columns)
      headerLine = csvLine(columns)
      continue
    }
    report.total++
    progress.rows++
    if (record.error !== undefined) bad(record.line, record.error)
    else if (record.fields.length !== header.length) bad(record.line, `${record.fields.length} field${record.fields.length === 1 ? '' : 's'}, expected ${header.length}`)
    else {
      const reason = p.format.checkRow(record.fields)
      if (reason) bad(record.line, reason)
      else batch.push({ line: record.line, dataset: keyOf(record.fields), fields: record.fields })
    }
    if (batch.length >= BATCH_ROWS) {
      await runBatch()
      p.onProgress?.(progress)
    }
  }
  if (!header) throw new ImportSourceError({ path: p.path, reason: 'it is empty (no header line)' })
  await runBatch()
  p.onProgress?.(progress)

  const datasets: StagedDataset[] = []
  for (const sink of [...sinks.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    await flush(sink)
    datasets.push({ key: sink.key, file: sink.file, rows: sink.rows, size: sink.size, contentHash: `0x${sink.hash.digest('hex')}`, firstLine: sink.firstLine, lastLine: sink.lastLine })
  }
  return { path: p.path, compressed, format: p.format.name, split, columns, transforms: transforms.map((t) => t.name), rows: report, badRows, datasets }
}
