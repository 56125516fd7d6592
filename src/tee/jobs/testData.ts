/**
 * Test-only access to the real Online Retail file (../shared/data, see its README): rows read
 * with the importer's CSV reader and row rules, the CustomerID pseudonymised as the gateway
 * does, so tests run the jobs on what the enclave really receives. Never imported by the jobs.
 */
import { existsSync, createReadStream } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createGunzip } from 'node:zlib'
import { readCsvRecords } from '../../import/csv.ts'
import { datasetFormat, onlineRetailColumns } from '../../import/formats.ts'
import { pseudonymiser } from '../pseudonym.ts'

export const ONLINE_RETAIL = fileURLToPath(new URL('../../../../shared/data/online-retail/online-retail.csv.gz', import.meta.url))
export const hasRealData = existsSync(ONLINE_RETAIL)
export const SKIP_REASON = `real data absent: ${ONLINE_RETAIL} (see /work/shared/data/README.md)`

/** A fixed test pseudonym key (the gateway uses the owner's secret key). */
export const TEST_PSEUDONYM_KEY = new Uint8Array(32).fill(7)

async function* text(): AsyncGenerator<string> {
  for await (const chunk of createReadStream(ONLINE_RETAIL).pipe(createGunzip()).setEncoding('utf8')) yield chunk as string
}

const cache = new Map<number, string[][]>()

/**
 * The first `limit` valid data rows (all when Infinity), CustomerID pseudonymised; rows the
 * importer's rules refuse are left out, as the gateway does.
 */
export async function onlineRetailRows(limit = Infinity): Promise<string[][]> {
  const cached = cache.get(limit)
  if (cached) return cached
  const format = datasetFormat('online-retail')
  const pseudonym = pseudonymiser(TEST_PSEUDONYM_KEY)
  const rows: string[][] = []
  let header = true
  for await (const r of readCsvRecords(text())) {
    if (header) {
      header = false
      continue
    }
    if (!r.fields || r.fields.length !== onlineRetailColumns.length || format.checkRow(r.fields) !== undefined) continue
    r.fields[6] = pseudonym(r.fields[6]!)
    rows.push(r.fields)
    if (rows.length >= limit) break
  }
  cache.set(limit, rows)
  return rows
}
