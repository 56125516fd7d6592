/**
 * The order table's binary layout, version 1: what the gateway encrypts and the enclave
 * decodes. Numbers are raw little-endian typed-array bytes at 8-byte-aligned offsets, so
 * decoding 541,909 rows is a handful of typed-array views over the input (no copy, no parse)
 * plus one pass that checks every index is inside its dictionary.
 *
 *   offset 0   4 bytes  magic "DBOT"
 *   offset 4   u8       version (1)
 *   offset 5   3 bytes  zero
 *   offset 8   u32 LE   header length H (bytes of UTF-8 JSON)
 *   offset 12  H bytes  header JSON {rows, invoices[], stockCodes[], descriptions[], customers[], countries[]}
 *   then, each starting at the next multiple of 8 (zero padding):
 *              invoice u32[rows], stockCode u32[rows], description u32[rows], quantity i32[rows],
 *              unitPrice f64[rows], time f64[rows], customer i32[rows], country u32[rows]
 *   the input ends right after the last column (rounded up to 8).
 */
import { OrderTableFormatError } from './errors.ts'
import type { OrderTable } from './orderTable.ts'

export const ORDER_TABLE_MAGIC = 'DBOT'
export const ORDER_TABLE_VERSION = 1

const COLUMNS = [
  ['invoice', Uint32Array, 'invoices'],
  ['stockCode', Uint32Array, 'stockCodes'],
  ['description', Uint32Array, 'descriptions'],
  ['quantity', Int32Array, undefined],
  ['unitPrice', Float64Array, undefined],
  ['time', Float64Array, undefined],
  ['customer', Int32Array, 'customers'],
  ['country', Uint32Array, 'countries'],
] as const

type Header = Pick<OrderTable, 'rows' | 'invoices' | 'stockCodes' | 'descriptions' | 'customers' | 'countries'>
const DICTIONARIES = ['invoices', 'stockCodes', 'descriptions', 'customers', 'countries'] as const

const align8 = (n: number) => (n + 7) & ~7
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Byte offset of each column and the total size, for a header of `headerBytes` and `rows`. */
function layout(headerBytes: number, rows: number): { offsets: number[]; size: number } {
  let at = align8(12 + headerBytes)
  const offsets: number[] = []
  for (const [, Type] of COLUMNS) {
    offsets.push(at)
    at = align8(at + rows * Type.BYTES_PER_ELEMENT)
  }
  return { offsets, size: at }
}

/**
 * @example
 * const bytes = encodeOrderTable(builder.build())
 */
export function encodeOrderTable(table: OrderTable): Uint8Array {
  if (!littleEndian) throw new OrderTableFormatError({ reason: 'this platform is big-endian; the layout is little-endian' })
  const header: Header = { rows: table.rows, invoices: table.invoices, stockCodes: table.stockCodes, descriptions: table.descriptions, customers: table.customers, countries: table.countries }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const { offsets, size } = layout(json.length, table.rows)
  const out = new Uint8Array(size)
  out.set(new TextEncoder().encode(ORDER_TABLE_MAGIC), 0)
  out[4] = ORDER_TABLE_VERSION
  new DataView(out.buffer).setUint32(8, json.length, true)
  out.set(json, 12)
  COLUMNS.forEach(([name, Type], i) => {
    const column = table[name]
    if (column.length !== table.rows) throw new OrderTableFormatError({ reason: `column ${name} has ${column.length} values for ${table.rows} rows` })
    out.set(new Uint8Array(column.buffer, column.byteOffset, table.rows * Type.BYTES_PER_ELEMENT), offsets[i]!)
  })
  return out
}

function checkHeader(value: unknown): Header {
  if (typeof value !== 'object' || value === null) throw new OrderTableFormatError({ reason: 'the header is not a JSON object' })
  const h = value as Record<string, unknown>
  if (!Number.isSafeInteger(h.rows) || (h.rows as number) < 0) throw new OrderTableFormatError({ reason: `header rows ${JSON.stringify(h.rows)} is not a non-negative integer` })
  for (const d of DICTIONARIES) {
    const list = h[d]
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw new OrderTableFormatError({ reason: `header ${d} is not an array of strings` })
  }
  return h as unknown as Header
}

/**
 * Views over `bytes` (copied once only when `bytes` does not start at an 8-byte-aligned
 * offset of its buffer, e.g. a slice of Node's shared Buffer pool).
 *
 * @throws {OrderTableFormatError} bad magic, unknown version, a header or length that does not add up, an index outside its dictionary
 * @example
 * const table = decodeOrderTable(plaintext)
 */
export function decodeOrderTable(bytes: Uint8Array): OrderTable {
  if (!littleEndian) throw new OrderTableFormatError({ reason: 'this platform is big-endian; the layout is little-endian' })
  if (bytes.length < 12) throw new OrderTableFormatError({ reason: `${bytes.length} bytes, shorter than the 12-byte preamble` })
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!)
  if (magic !== ORDER_TABLE_MAGIC) throw new OrderTableFormatError({ reason: `bad magic ${JSON.stringify(magic)} (expected "${ORDER_TABLE_MAGIC}")` })
  if (bytes[4] !== ORDER_TABLE_VERSION) throw new OrderTableFormatError({ reason: `version ${bytes[4]} is not supported (this code reads version ${ORDER_TABLE_VERSION})` })
  if (bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) throw new OrderTableFormatError({ reason: 'reserved bytes 5-7 are not zero' })
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice()
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true)
  if (12 + headerBytes > bytes.length) throw new OrderTableFormatError({ reason: `header length ${headerBytes} runs past the end (${bytes.length} bytes)` })
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerBytes)))
  } catch (e) {
    throw new OrderTableFormatError({ reason: `the header is not UTF-8 JSON (${(e as Error).message})` })
  }
  const header = checkHeader(parsed)
  const { offsets, size } = layout(headerBytes, header.rows)
  if (size !== bytes.length) throw new OrderTableFormatError({ reason: `${bytes.length} bytes, but ${header.rows} rows with this header take exactly ${size}` })
  const table = { ...header } as OrderTable
  COLUMNS.forEach(([name, Type, dictionary], i) => {
    const column = new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset + offsets[i]!, header.rows)
    ;(table as unknown as Record<string, unknown>)[name] = column
    if (dictionary) {
      const limit = header[dictionary].length
      const min = name === 'customer' ? -1 : 0
      for (let r = 0; r < column.length; r++) {
        const v = column[r]!
        if (v < min || v >= limit) throw new OrderTableFormatError({ reason: `row ${r}: ${name} index ${v} is outside ${dictionary} (${limit} entries)` })
      }
    }
  })
  for (let r = 0; r < table.rows; r++) {
    if (!Number.isFinite(table.unitPrice[r]!) || !Number.isFinite(table.time[r]!)) throw new OrderTableFormatError({ reason: `row ${r}: unitPrice or time is not a finite number` })
  }
  return table
}
