import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { OrderRowError } from './errors.ts'
import { cancelledInvoices, OrderTableBuilder, parseInvoiceDate } from './orderTable.ts'
import { hasRealData, onlineRetailRows, SKIP_REASON } from './testData.ts'

const row = (inv: string, qty: string, date: string, price: string, cust: string, desc = 'WHITE METAL LANTERN', country = 'United Kingdom') => [inv, '71053', desc, qty, date, price, cust, country]

describe('parseInvoiceDate', () => {
  it('matches Date parsing of the same instant as UTC', () => {
    assert.equal(parseInvoiceDate('2010-12-01 08:26:00'), Date.UTC(2010, 11, 1, 8, 26, 0))
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
        const s = d.toISOString().slice(0, 19).replace('T', ' ')
        assert.equal(parseInvoiceDate(s), Math.floor(d.getTime() / 1000) * 1000)
      }),
    )
  })
  it('returns NaN for other shapes and out-of-range fields', () => {
    for (const s of ['2010-12-01T08:26:00', '2010-12-01 08:26', '2010-13-01 08:26:00', '2010-12-01 24:00:00', '2010-12-00 08:26:00', '2010-1a-01 08:26:00', '']) assert.ok(Number.isNaN(parseInvoiceDate(s)), s)
  })
})

describe('OrderTableBuilder', () => {
  it('stores each column with dictionaries in first-seen order and -1 for no customer', () => {
    const b = new OrderTableBuilder()
    b.add(row('536365', '6', '2010-12-01 08:26:00', '2.55', 'aa'))
    b.add(row('C536379', '-1', '2010-12-01 09:41:00', '27.50', '', 'Discount', 'France'))
    b.add(row('536365', '8', '2010-12-01 08:26:00', '3.39', 'aa'))
    const t = b.build()
    assert.equal(t.rows, 3)
    assert.deepEqual(t.invoices, ['536365', 'C536379'])
    assert.deepEqual([...t.invoice], [0, 1, 0])
    assert.deepEqual([...t.quantity], [6, -1, 8])
    assert.deepEqual([...t.unitPrice], [2.55, 27.5, 3.39])
    assert.deepEqual([...t.customer], [0, -1, 0])
    assert.deepEqual(t.customers, ['aa'])
    assert.deepEqual(t.countries, ['United Kingdom', 'France'])
    assert.deepEqual([...t.country], [0, 1, 0])
    assert.deepEqual(t.descriptions, ['WHITE METAL LANTERN', 'Discount'])
    assert.deepEqual([...t.time], [Date.UTC(2010, 11, 1, 8, 26), Date.UTC(2010, 11, 1, 9, 41), Date.UTC(2010, 11, 1, 8, 26)])
    assert.deepEqual([...cancelledInvoices(t)], [0, 1])
  })
  it('grows past its initial capacity without losing rows', () => {
    const b = new OrderTableBuilder()
    for (let i = 0; i < 5000; i++) b.add(row(String(500000 + i), String(i), '2011-01-02 03:04:05', '1.5', `c${i % 7}`))
    const t = b.build()
    assert.equal(t.rows, 5000)
    assert.equal(t.quantity[4999], 4999)
    assert.equal(t.invoices[t.invoice[4321]!], '504321')
    assert.equal(t.customers.length, 7)
  })
  it('refuses rows it cannot parse, naming the field', () => {
    const b = new OrderTableBuilder()
    assert.throws(() => b.add(['1', '2']), (e: unknown) => e instanceof OrderRowError && /2 fields, expected 8/.test(e.message))
    assert.throws(() => b.add(row('536365', '6.5', '2010-12-01 08:26:00', '2.55', '')), /Quantity is not an integer/)
    assert.throws(() => b.add(row('536365', '6', '2010-12-01 08:26:00', 'abc', '')), /UnitPrice is not a decimal/)
    assert.throws(() => b.add(row('536365', '6', '01/12/2010 08:26', '2.55', '')), /InvoiceDate/)
    assert.equal(b.build().rows, 0)
  })
})

describe('OrderTableBuilder on the real file', () => {
  it('reproduces every field of the first 20,000 rows', async (t) => {
    if (!hasRealData) return t.skip(SKIP_REASON)
    const rows = await onlineRetailRows(20_000)
    const b = new OrderTableBuilder()
    for (const r of rows) b.add(r)
    const table = b.build()
    assert.equal(table.rows, rows.length)
    rows.forEach((r, i) => {
      assert.equal(table.invoices[table.invoice[i]!], r[0])
      assert.equal(table.stockCodes[table.stockCode[i]!], r[1])
      assert.equal(table.descriptions[table.description[i]!], r[2])
      assert.equal(table.quantity[i], parseInt(r[3]!, 10))
      assert.equal(table.time[i], new Date(`${r[4]!.replace(' ', 'T')}Z`).getTime())
      assert.equal(table.unitPrice[i], parseFloat(r[5]!))
      assert.equal(table.customer[i] === -1 ? '' : table.customers[table.customer[i]!], r[6])
      assert.equal(table.countries[table.country[i]!], r[7])
      assert.equal(cancelledInvoices(table)[table.invoice[i]!] === 1, r[0]!.startsWith('C'))
    })
    assert.equal(table.customers.length, new Set(rows.map((r) => r[6]).filter((c) => c !== '')).size)
  })
})
