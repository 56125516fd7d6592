/**
 * The real Online Retail file (../shared/data, see its README) for tests: where it is, a skip
 * reason when it is absent, and samples of it written as plain CSV (the header plus every
 * `every`-th line, or the first `limit` lines) with the customer ids they contain.
 */
import { createReadStream, existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createGunzip } from 'node:zlib'

export const ONLINE_RETAIL = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'online-retail', 'online-retail.csv.gz')

/** `false` when the file is here, else the reason to skip (for `test(name, { skip })`). */
export const onlineRetailMissing: false | string = existsSync(ONLINE_RETAIL) ? false : `${ONLINE_RETAIL} is absent (../shared/data)`

export interface OnlineRetailSample {
  path: string
  /** Data rows written (the header not counted). */
  rows: number
  /** Distinct customer ids in the sample, without the `.0` the file writes. */
  customers: string[]
}

/**
 * No record of this file spans lines (the importer's tests read it whole), so lines are records.
 * @example
 * const { path, customers } = await onlineRetailSample({ every: 20 })
 */
export async function onlineRetailSample(o: { every?: number; limit?: number }): Promise<OnlineRetailSample> {
  const every = o.every ?? 1
  const lines: string[] = []
  const customers = new Set<string>()
  let n = 0
  const input = createReadStream(ONLINE_RETAIL).pipe(createGunzip())
  const rl = createInterface({ input })
  for await (const line of rl) {
    if (n++ % every !== 0) continue
    lines.push(line)
    const id = line.split(',').at(-2)
    if (n > 1 && id && /^\d+\.0$/.test(id)) customers.add(id.slice(0, -2))
    if (o.limit !== undefined && lines.length > o.limit) break
  }
  rl.close()
  input.destroy()
  const path = join(mkdtempSync(join(tmpdir(), 'online-retail-')), 'orders.csv')
  writeFileSync(path, `${lines.join('\n')}\n`)
  return { path, rows: lines.length - 1, customers: [...customers] }
}
