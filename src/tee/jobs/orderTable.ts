/**
 * The columnar order table the enclave jobs read: one typed array per numeric column and a
 * dictionary (distinct strings, first-seen order) per text column, so 541,909 Online Retail
 * rows take ~20 MB, encode as raw bytes and decode as zero-copy views (orderTableCodec.ts).
 *
 * The customer column holds what the trusted gateway wrote: a pseudonym (an opaque string,
 * e.g. 32 lowercase hex chars) or '' for no customer, stored as index -1.
 */
import { OrderRowError } from './errors.ts'

export interface OrderTable {
  rows: number
  /** Row -> index into `invoices`. */
  invoice: Uint32Array
  invoices: string[]
  /** Row -> index into `stockCodes`. */
  stockCode: Uint32Array
  stockCodes: string[]
  /** Row -> index into `descriptions` ('' is a description like any other). */
  description: Uint32Array
  descriptions: string[]
  quantity: Int32Array
  unitPrice: Float64Array
  /** InvoiceDate as epoch milliseconds, read as UTC. */
  time: Float64Array
  /** Row -> index into `customers`, or -1 when the row has no customer. */
  customer: Int32Array
  customers: string[]
  /** Row -> index into `countries`. */
  country: Uint32Array
  countries: string[]
}

export const DAY_MS = 86_400_000

/**
 * Per invoice index, 1 when the invoice is a cancellation (its number starts with `C`).
 * Derived rather than stored so the encoded table cannot contradict its invoice numbers.
 *
 * @example
 * const cancelled = cancelledInvoices(table); if (cancelled[table.invoice[row]]) continue
 */
export function cancelledInvoices(table: Pick<OrderTable, 'invoices'>): Uint8Array {
  const out = new Uint8Array(table.invoices.length)
  for (let i = 0; i < out.length; i++) out[i] = table.invoices[i]!.charCodeAt(0) === 67 /* C */ ? 1 : 0
  return out
}

/**
 * Epoch ms (UTC) of `YYYY-MM-DD HH:MM:SS`, from the digits: `new Date(string)` costs ~1 µs a
 * call and parses this shape as local time; this is exact and ~20x faster. NaN when the shape
 * or a field range is wrong (the importer's rules have already checked real calendar dates).
 *
 * @example
 * parseInvoiceDate('2010-12-01 08:26:00') // 1291191960000
 */
export function parseInvoiceDate(s: string): number {
  if (s.length !== 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 32 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN
  const d = (i: number) => s.charCodeAt(i) - 48
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (d(i) < 0 || d(i) > 9) return NaN
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3)
  const month = d(5) * 10 + d(6)
  const day = d(8) * 10 + d(9)
  const hour = d(11) * 10 + d(12)
  const minute = d(14) * 10 + d(15)
  const second = d(17) * 10 + d(18)
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return NaN
  return Date.UTC(year, month - 1, day, hour, minute, second)
}

const INTEGER = /^-?\d{1,9}$/
const DECIMAL = /^-?\d{1,12}(\.\d{1,6})?$/

/** A string -> index dictionary that keeps first-seen order. */
class Dictionary {
  readonly values: string[] = []
  private readonly index = new Map<string, number>()
  id(value: string): number {
    let i = this.index.get(value)
    if (i === undefined) {
      i = this.values.length
      this.values.push(value)
      this.index.set(value, i)
    }
    return i
  }
}

function grow<T extends Uint32Array | Int32Array | Float64Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size)
  next.set(a)
  return next
}

/**
 * Builds an OrderTable from Online Retail rows (`InvoiceNo, StockCode, Description, Quantity,
 * InvoiceDate, UnitPrice, CustomerID, Country`), the CustomerID already pseudonymised or ''.
 *
 * @example
 * const b = new OrderTableBuilder()
 * b.add(['536365', '85123A', 'WHITE HANGING HEART T-LIGHT HOLDER', '6', '2010-12-01 08:26:00', '2.55', 'a3f1…', 'United Kingdom'])
 * const table = b.build()
 */
export class OrderTableBuilder {
  private rows = 0
  private capacity = 1024
  private invoice = new Uint32Array(this.capacity)
  private stockCode = new Uint32Array(this.capacity)
  private description = new Uint32Array(this.capacity)
  private quantity = new Int32Array(this.capacity)
  private unitPrice = new Float64Array(this.capacity)
  private time = new Float64Array(this.capacity)
  private customer = new Int32Array(this.capacity)
  private country = new Uint32Array(this.capacity)
  private readonly dicts = { invoices: new Dictionary(), stockCodes: new Dictionary(), descriptions: new Dictionary(), customers: new Dictionary(), countries: new Dictionary() }
  /** Rows of one invoice share their date string: parse it once. */
  private lastDate = ''
  private lastTime = NaN

  /** @throws {OrderRowError} naming the field that does not parse */
  add(fields: readonly string[]): void {
    const row = this.rows
    if (fields.length !== 8) throw new OrderRowError({ row, reason: `${fields.length} fields, expected 8` })
    const [inv, stock, desc, qty, date, price, cust, country] = fields as [string, string, string, string, string, string, string, string]
    if (!INTEGER.test(qty)) throw new OrderRowError({ row, reason: 'Quantity is not an integer' })
    if (!DECIMAL.test(price)) throw new OrderRowError({ row, reason: 'UnitPrice is not a decimal number' })
    if (inv === '') throw new OrderRowError({ row, reason: 'InvoiceNo is empty' })
    if (date !== this.lastDate) {
      const t = parseInvoiceDate(date)
      if (Number.isNaN(t)) throw new OrderRowError({ row, reason: 'InvoiceDate is not YYYY-MM-DD HH:MM:SS' })
      this.lastDate = date
      this.lastTime = t
    }
    if (row === this.capacity) this.resize(this.capacity * 2)
    this.invoice[row] = this.dicts.invoices.id(inv)
    this.stockCode[row] = this.dicts.stockCodes.id(stock)
    this.description[row] = this.dicts.descriptions.id(desc)
    this.quantity[row] = Number(qty)
    this.unitPrice[row] = Number(price)
    this.time[row] = this.lastTime
    this.customer[row] = cust === '' ? -1 : this.dicts.customers.id(cust)
    this.country[row] = this.dicts.countries.id(country)
    this.rows = row + 1
  }

  private resize(size: number): void {
    this.capacity = size
    this.invoice = grow(this.invoice, size)
    this.stockCode = grow(this.stockCode, size)
    this.description = grow(this.description, size)
    this.quantity = grow(this.quantity, size)
    this.unitPrice = grow(this.unitPrice, size)
    this.time = grow(this.time, size)
    this.customer = grow(this.customer, size)
    this.country = grow(this.country, size)
  }

  /** The table of the rows added so far (arrays trimmed to length; the builder can go on). */
  build(): OrderTable {
    const n = this.rows
    return {
      rows: n,
      invoice: this.invoice.slice(0, n),
      invoices: [...this.dicts.invoices.values],
      stockCode: this.stockCode.slice(0, n),
      stockCodes: [...this.dicts.stockCodes.values],
      description: this.description.slice(0, n),
      descriptions: [...this.dicts.descriptions.values],
      quantity: this.quantity.slice(0, n),
      unitPrice: this.unitPrice.slice(0, n),
      time: this.time.slice(0, n),
      customer: this.customer.slice(0, n),
      customers: [...this.dicts.customers.values],
      country: this.country.slice(0, n),
      countries: [...this.dicts.countries.values],
    }
  }
}
