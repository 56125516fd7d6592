/**
 * The data sets `bourse import` knows: what their header must be, what makes a row valid, and
 * how they split into datasets. A rule accepts every quirk of the real data it is written for
 * and names the column of anything else.
 *
 * - `online-retail`: e-commerce order lines with the columns of the UCI Online Retail data set
 *   (../shared/data/README.md): cancellations (`C…` invoices, negative quantities), bad-debt
 *   adjustments (`A…` invoices, negative prices), empty descriptions and customer ids, customer
 *   ids written as floats (`17850.0`). Splits by month or by country.
 * - `csv`: any CSV with a header of unique names; rows must have as many fields. No split.
 */
import { UsageError } from '../errors/node.ts'

export const formatNames = ['online-retail', 'csv'] as const
export type FormatName = (typeof formatNames)[number]

export interface DatasetFormat {
  name: FormatName
  /** What is wrong with a header, or undefined when it fits. */
  checkHeader(header: readonly string[]): string | undefined
  /** What is wrong with a row of the right length (naming the column), or undefined. */
  checkRow(fields: readonly string[]): string | undefined
  /** The ways to split into datasets: split name -> the dataset key of a valid row. */
  splits: Readonly<Record<string, (fields: readonly string[]) => string>>
}

export const onlineRetailColumns = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'] as const

const invoice = /^[A-Z]?\d{6,7}$/
const integer = /^-?\d{1,9}$/
const decimal = /^-?\d{1,12}(\.\d{1,6})?$/
const customer = /^(\d{1,9}(\.0)?)?$/
const timestamp = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/

/** True for a real calendar date and time of day, e.g. not 2011-02-30 or 25:00. */
function validTimestamp(value: string): boolean {
  const m = timestamp.exec(value)
  if (!m) return false
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60
}

const show = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)

const onlineRetail: DatasetFormat = {
  name: 'online-retail',
  checkHeader(header) {
    const missing = onlineRetailColumns.filter((c) => !header.includes(c))
    const extra = header.filter((c) => !(onlineRetailColumns as readonly string[]).includes(c))
    if (missing.length === 0 && extra.length === 0 && header.every((c, i) => c === onlineRetailColumns[i])) return undefined
    const parts = [
      missing.length > 0 && `missing ${missing.join(', ')}`,
      extra.length > 0 && `unexpected ${extra.map(show).join(', ')}`,
      missing.length === 0 && extra.length === 0 && 'columns out of order',
    ].filter(Boolean)
    return `${parts.join('; ')} (expected ${onlineRetailColumns.join(',')})`
  },
  checkRow([inv, stock, , qty, date, price, cust, country]) {
    if (!invoice.test(inv!)) return `InvoiceNo ${show(inv!)} is not an invoice number (6-7 digits, optionally after one capital letter such as C for a cancellation)`
    if (stock!.trim() === '') return 'StockCode is empty'
    if (!integer.test(qty!)) return `Quantity ${show(qty!)} is not an integer`
    if (!validTimestamp(date!)) return `InvoiceDate ${show(date!)} is not a date and time YYYY-MM-DD HH:MM:SS`
    if (!decimal.test(price!)) return `UnitPrice ${show(price!)} is not a decimal number`
    if (!customer.test(cust!)) return `CustomerID ${show(cust!)} is not a customer number (digits, optionally .0) or empty`
    if (country!.trim() === '') return 'Country is empty'
    return undefined
  },
  splits: {
    none: () => 'all',
    month: (f) => f[4]!.slice(0, 7),
    country: (f) => f[7]!,
  },
}

const generic: DatasetFormat = {
  name: 'csv',
  checkHeader(header) {
    if (header.length === 0 || header.every((c) => c.trim() === '')) return 'the header names no column'
    const empty = header.findIndex((c) => c.trim() === '')
    if (empty !== -1) return `column ${empty + 1} has no name`
    const dup = header.find((c, i) => header.indexOf(c) !== i)
    if (dup !== undefined) return `column ${show(dup)} appears twice`
    return undefined
  },
  checkRow: () => undefined,
  splits: { none: () => 'all' },
}

export const formats: Readonly<Record<FormatName, DatasetFormat>> = { 'online-retail': onlineRetail, csv: generic }

/**
 * @throws {UsageError} naming the known formats
 * @example
 * const format = datasetFormat('online-retail')
 */
export function datasetFormat(name: string): DatasetFormat {
  const format = formats[name as FormatName]
  if (!format) throw new UsageError(`--format: "${name}" is not a known format (one of ${formatNames.join(', ')}).`)
  return format
}
