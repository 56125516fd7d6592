import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { OrderTableFormatError } from './errors.ts'
import { OrderTableBuilder, type OrderTable } from './orderTable.ts'
import { decodeOrderTable, encodeOrderTable } from './orderTableCodec.ts'
import { hasRealData, onlineRetailRows, SKIP_REASON } from './testData.ts'

/** Plain-object view of a table, for deep equality independent of typed-array identity. */
const plain = (t: OrderTable) => ({
  rows: t.rows,
  invoices: t.invoices,
  stockCodes: t.stockCodes,
  descriptions: t.descriptions,
  customers: t.customers,
  countries: t.countries,
  invoice: [...t.invoice],
  stockCode: [...t.stockCode],
  description: [...t.description],
  quantity: [...t.quantity],
  unitPrice: [...t.unitPrice],
  time: [...t.time],
  customer: [...t.customer],
  country: [...t.country],
})

const rowArb = fc.tuple(
  fc.constantFrom('536365', 'C536379', 'A563185', '581587'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer({ min: -80995, max: 80995 }).map(String),
  fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19).replace('T', ' ')),
  fc.integer({ min: -1_106_206, max: 3_897_000 }).map((c) => (c / 1000).toFixed(3)),
  fc.oneof(fc.constant(''), fc.stringMatching(/^[0-9a-f]{32}$/)),
  fc.constantFrom('United Kingdom', 'France', 'EIRE', 'Unspecified'),
)

const tableOf = (rows: readonly string[][]) => {
  const b = new OrderTableBuilder()
  for (const r of rows) b.add(r)
  return b.build()
}

const sample = () => tableOf([['536365', '85123A', 'WHITE HANGING HEART T-LIGHT HOLDER', '6', '2010-12-01 08:26:00', '2.55', 'ab', 'United Kingdom'], ['C536379', 'D', 'Discount', '-1', '2010-12-01 09:41:00', '27.50', '', 'France']])

const refused = (bytes: Uint8Array, reason: RegExp) => assert.throws(() => decodeOrderTable(bytes), (e: unknown) => e instanceof OrderTableFormatError && reason.test(e.reason))

describe('orderTableCodec', () => {
  it('round-trips any table exactly (property)', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 60 }), (rows) => {
        const table = tableOf(rows)
        const bytes = encodeOrderTable(table)
        assert.equal(bytes.length % 8, 0)
        assert.deepEqual(plain(decodeOrderTable(bytes)), plain(table))
      }),
      { numRuns: 200 },
    )
  })
  it('decodes as views over the input, without copying the columns', () => {
    const bytes = encodeOrderTable(sample())
    const t = decodeOrderTable(bytes)
    assert.equal(t.quantity.buffer, bytes.buffer)
    assert.equal(t.time.byteOffset % 8, 0)
    assert.equal(t.unitPrice[0], 2.55)
  })
  it('decodes input at an unaligned offset (copying once)', () => {
    const bytes = encodeOrderTable(sample())
    const shifted = new Uint8Array(bytes.length + 3)
    shifted.set(bytes, 3)
    assert.deepEqual(plain(decodeOrderTable(shifted.subarray(3))), plain(sample()))
  })
  it('refuses malformed input with the precise reason', () => {
    const good = encodeOrderTable(sample())
    const edit = (f: (b: Uint8Array) => void) => {
      const b = good.slice()
      f(b)
      return b
    }
    refused(good.subarray(0, 5), /shorter than the 12-byte preamble/)
    refused(edit((b) => (b[0] = 0x58)), /bad magic "XBOT"/)
    refused(edit((b) => (b[4] = 2)), /version 2 is not supported/)
    refused(edit((b) => (b[6] = 1)), /reserved bytes/)
    refused(edit((b) => new DataView(b.buffer).setUint32(8, 1e9, true)), /header length 1000000000 runs past the end/)
    refused(edit((b) => (b[12] = 0x5b /* [ */)), /not UTF-8 JSON|not a JSON object/)
    refused(good.subarray(0, good.length - 8), /but 2 rows with this header take exactly/)
    const longer = new Uint8Array(good.length + 8)
    longer.set(good)
    refused(longer, /but 2 rows with this header take exactly/)
    // the country column is last: row 1's country index -> 9 (only 2 countries)
    refused(edit((b) => new DataView(b.buffer).setUint32(b.length - 8 + 4, 9, true)), /row 1: country index 9 is outside countries \(2 entries\)/)
    // customer column is second to last (aligned to 8): row 0's customer -> -2
    refused(edit((b) => new DataView(b.buffer).setInt32(b.length - 16, -2, true)), /row 0: customer index -2 is outside customers/)
  })
  it('refuses a header whose dictionaries are not string arrays', () => {
    const header = new TextEncoder().encode(JSON.stringify({ rows: 0, invoices: [1], stockCodes: [], descriptions: [], customers: [], countries: [] }))
    const b = new Uint8Array(8 + 4 + header.length + 8)
    b.set(new TextEncoder().encode('DBOT'))
    b[4] = 1
    new DataView(b.buffer).setUint32(8, header.length, true)
    b.set(header, 12)
    refused(b.subarray(0, (12 + header.length + 7) & ~7), /header invoices is not an array of strings/)
  })
  it('round-trips the first 20,000 real rows', async (t) => {
    if (!hasRealData) return t.skip(SKIP_REASON)
    const table = tableOf(await onlineRetailRows(20_000))
    assert.deepEqual(plain(decodeOrderTable(encodeOrderTable(table))), plain(table))
  })
})
