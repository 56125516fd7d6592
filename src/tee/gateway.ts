/**
 * The trusted data gateway (SPEC.md section 5, seed 004: read, de-identify, agree a key,
 * encrypt), run by the data owner on its own node: it reads the owner's order file (CSV or
 * gzip, the Online Retail format with all its quirks: cancellations, adjustments, empty
 * customers, float-written ids), validates each row with the importer's rules, replaces the
 * direct identifier (CustomerID) by a keyed-hash pseudonym (src/tee/pseudonym.ts), packs
 * the rows into the columnar enclave format (src/tee/jobs/orderTableCodec.ts) and encrypts it
 * under a fresh dataset key that is released only to attested enclaves.
 *
 * What leaves the gateway: the encrypted file, whose header says only the kind, row count and
 * the plaintext's hash. Descriptions, stock codes and countries are not direct identifiers
 * and stay (the jobs need them); the customer id never leaves in the clear.
 */
import { writeFile } from 'node:fs/promises'
import { readCsvRecords } from '../import/csv.ts'
import { datasetFormat, onlineRetailColumns } from '../import/formats.ts'
import { isGzip, textOf } from '../import/stageImport.ts'
import { ImportHeaderError } from '../errors/import.ts'
import { encryptEnclaveFile, readEnclaveFileHeader } from './enclaveFile.ts'
import { OrderTableBuilder } from './jobs/orderTable.ts'
import { encodeOrderTable } from './jobs/orderTableCodec.ts'
import { pseudonymiser } from './pseudonym.ts'

const CUSTOMER = onlineRetailColumns.indexOf('CustomerID')
/** Bad rows listed in the result (all are counted). */
const MAX_LISTED_BAD_ROWS = 100

export interface GatewayImportParameters {
  /** The owner's order file: Online Retail columns, CSV or gzip-compressed CSV. */
  path: string
  /** Where the encrypted dataset is written. */
  out: string
  /** The owner's pseudonym key (32 bytes). */
  pseudonymKey: Uint8Array
  /** The dataset key (32 bytes): released only to admitted enclave sessions. */
  datasetKey: Uint8Array
  /** Keep only some valid rows (e.g. one member's country); all by default. */
  keep?: ((fields: readonly string[]) => boolean) | undefined
  /** Called with bytes read so far (of the file on disk). */
  onProgress?: ((bytesRead: number) => void) | undefined
}

export interface GatewayImportResult {
  out: string
  rows: number
  badRowCount: number
  badRows: { line: number; reason: string }[]
  /** Distinct pseudonymised customers. */
  customers: number
  /** SHA-256 of the plaintext encoded table: the dataset's identity in job commitments. */
  contentHash: `0x${string}`
  bytes: number
  /** Milliseconds per step: read (parse, validate, de-identify, pack), encode, encrypt, write. */
  timings: { read: number; encode: number; encrypt: number; write: number }
}

/**
 * @throws {ImportSourceError} the file cannot be read as (gzip) UTF-8 text
 * @throws {ImportHeaderError} the header is not the Online Retail header
 * @example
 * const result = await gatewayImport({ path: 'online-retail.csv.gz', out: 'tee/datasets/retail.enc', pseudonymKey, datasetKey })
 */
export async function gatewayImport(p: GatewayImportParameters): Promise<GatewayImportResult> {
  const format = datasetFormat('online-retail')
  const pseudonym = pseudonymiser(p.pseudonymKey)
  const builder = new OrderTableBuilder()
  const badRows: GatewayImportResult['badRows'] = []
  let badRowCount = 0
  let header = true
  const t0 = performance.now()
  const gzip = await isGzip(p.path)
  for await (const record of readCsvRecords(textOf(p.path, gzip, p.onProgress ?? (() => {})))) {
    if (header) {
      header = false
      const problem = record.fields ? format.checkHeader(record.fields) : record.error
      if (problem) throw new ImportHeaderError({ path: p.path, format: 'online-retail', problem })
      continue
    }
    const reason = record.error ?? (record.fields.length !== onlineRetailColumns.length ? `${record.fields.length} fields, expected ${onlineRetailColumns.length}` : format.checkRow(record.fields))
    if (reason !== undefined) {
      if (badRows.length < MAX_LISTED_BAD_ROWS) badRows.push({ line: record.line, reason })
      badRowCount++
      continue
    }
    const fields = record.fields!
    if (p.keep && !p.keep(fields)) continue
    fields[CUSTOMER] = pseudonym(fields[CUSTOMER]!)
    builder.add(fields)
  }
  const t1 = performance.now()
  const table = builder.build()
  const encoded = encodeOrderTable(table)
  const t2 = performance.now()
  const file = encryptEnclaveFile({ kind: 'orders', rows: table.rows, format: 'online-retail/deidentified', pseudonym: 'hmac-sha256-128' }, encoded, p.datasetKey)
  const t3 = performance.now()
  await writeFile(p.out, file, { mode: 0o600 })
  const t4 = performance.now()
  const contentHash = readEnclaveFileHeader(file).header.contentHash as `0x${string}`
  return {
    out: p.out,
    rows: table.rows,
    badRowCount,
    badRows,
    customers: table.customers.length,
    contentHash,
    bytes: file.length,
    timings: { read: t1 - t0, encode: t2 - t1, encrypt: t3 - t2, write: t4 - t3 },
  }
}
