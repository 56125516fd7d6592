import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { categoryNames, categoryOf } from './categories.ts'
import { OrderTableBuilder } from './orderTable.ts'
import { canonicalTagLines, quintileScores, rfmTags, tagSetDigest, type TagSet } from './rfm.ts'
import { segmentOf } from './segments.ts'
import { hasRealData, onlineRetailRows, SKIP_REASON } from './testData.ts'

const GRID: Record<number, string[]> = {
  5: ['New customers', 'Potential loyalists', 'Potential loyalists', 'Champions', 'Champions'],
  4: ['Promising', 'Potential loyalists', 'Loyal customers', 'Champions', 'Champions'],
  3: ['Promising', 'About to sleep', 'Need attention', 'Loyal customers', 'Loyal customers'],
  2: ['Hibernating', 'Hibernating', 'At risk', 'At risk', "Can't lose them"],
  1: ['Lost', 'Lost', 'At risk', "Can't lose them", "Can't lose them"],
}

/**
 * The plain reference: objects and loops over the parsed CSV rows, straight from the rules in
 * README.md (no typed arrays, no dictionaries, no helper of rfm.ts).
 */
function referenceTags(rows: readonly string[][], referenceTime?: number) {
  const ms = (s: string) => new Date(`${s.replace(' ', 'T')}Z`).getTime()
  const latest = Math.max(...rows.map((r) => ms(r[4]!)))
  const ref = referenceTime ?? (Math.floor(latest / 86_400_000) + 1) * 86_400_000
  const per: Record<string, { last: number; invoices: Set<string>; money: number; cats: Record<string, number> }> = {}
  for (const r of rows) {
    const [inv, , desc, qty, date, price, cust] = r as string[]
    if (cust === '' || inv!.startsWith('C') || !(Number(qty) > 0) || !(Number(price) > 0)) continue
    const c = (per[cust!] ??= { last: -Infinity, invoices: new Set(), money: 0, cats: {} })
    c.last = Math.max(c.last, ms(date!))
    c.invoices.add(inv!)
    c.money += Number(qty) * Number(price)
    const cat = categoryOf(desc!)
    c.cats[cat] = (c.cats[cat] ?? 0) + Number(qty) * Number(price)
  }
  const list = Object.entries(per)
    .map(([customer, c]) => ({ customer, recency: Math.floor((ref - c.last) / 86_400_000), frequency: c.invoices.size, monetary: Math.round(c.money * 100) / 100, c }))
    .sort((a, b) => (a.customer < b.customer ? -1 : 1))
  const n = list.length
  const score = (key: 'recency' | 'frequency' | 'monetary') => {
    const sorted = [...list].sort((a, b) => a[key] - b[key] || (a.customer < b.customer ? -1 : 1))
    const out: Record<string, number> = {}
    sorted.forEach((x, rank) => (out[x.customer] = 1 + Math.floor((5 * rank) / n)))
    return out
  }
  const R = score('recency')
  const F = score('frequency')
  const M = score('monetary')
  return {
    referenceTime: ref,
    customers: list.map((x) => {
      const r = 6 - R[x.customer]!
      const fm = Math.round((F[x.customer]! + M[x.customer]!) / 2 + 1e-9)
      let best = ''
      // ties go to the category listed first in the taxonomy
      for (const [cat, v] of Object.entries(x.c.cats)) if (best === '' || v > x.c.cats[best]! || (v === x.c.cats[best] && categoryNames.indexOf(cat as never) < categoryNames.indexOf(best as never))) best = cat
      return { customer: x.customer, recencyDays: x.recency, frequency: x.frequency, monetary: x.monetary, r, f: F[x.customer]!, m: M[x.customer]!, segment: GRID[r]![fm - 1]!, category: best, shares: x.c.cats, total: x.c.money }
    }),
  }
}

const table = (rows: readonly string[][]) => {
  const b = new OrderTableBuilder()
  for (const r of rows) b.add(r)
  return b.build()
}

const line = (inv: string, desc: string, qty: number, date: string, price: number, cust: string) => [inv, 'X1', desc, String(qty), date, price.toFixed(2), cust, 'United Kingdom']

describe('quintileScores', () => {
  it('scores by rank with ties broken by customer string', () => {
    // ten customers, all with the same value: the score follows the name order
    const names = ['j', 'i', 'h', 'g', 'f', 'e', 'd', 'c', 'b', 'a']
    assert.deepEqual([...quintileScores(new Array(10).fill(3), names, false)], [5, 5, 4, 4, 3, 3, 2, 2, 1, 1])
    assert.deepEqual([...quintileScores([10, 20, 30, 40, 50], ['a', 'b', 'c', 'd', 'e'], true)], [5, 4, 3, 2, 1])
    assert.deepEqual([...quintileScores([7, 1, 4], ['a', 'b', 'c'], false)], [4, 1, 2])
  })
})

describe('segmentOf', () => {
  it('follows the documented grid with FM rounded half up', () => {
    assert.equal(segmentOf(5, 5, 4), 'Champions') // FM 4.5 -> 5
    assert.equal(segmentOf(5, 1, 2), 'Potential loyalists') // FM 1.5 -> 2
    assert.equal(segmentOf(5, 1, 1), 'New customers')
    assert.equal(segmentOf(1, 5, 5), "Can't lose them")
    assert.equal(segmentOf(1, 1, 1), 'Lost')
    assert.equal(segmentOf(3, 3, 3), 'Need attention')
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) for (let m = 1; m <= 5; m++) assert.equal(segmentOf(r, f, m), GRID[r]![Math.floor((f + m + 1) / 2) - 1])
    assert.throws(() => segmentOf(0, 1, 1), /R, F and M must be 1-5/)
  })
})

describe('rfmTags on a hand-made table', () => {
  const rows = [
    line('500001', 'JUMBO BAG RED RETROSPOT', 10, '2011-12-09 12:00:00', 2, 'alice'),
    line('500001', 'REGENCY CAKESTAND 3 TIER', 1, '2011-12-09 12:00:00', 12.75, 'alice'),
    line('500002', 'JUMBO BAG RED RETROSPOT', 5, '2011-12-01 08:00:00', 2, 'alice'),
    line('C500003', 'JUMBO BAG RED RETROSPOT', -5, '2011-12-02 08:00:00', 2, 'alice'), // cancellation: ignored
    line('500004', 'PARTY BUNTING', 3, '2011-11-30 23:59:59', 4.95, 'bob'),
    line('500005', 'PARTY BUNTING', 0, '2011-12-05 10:00:00', 4.95, 'bob'), // quantity 0: ignored
    line('500006', 'Manual', 1, '2011-12-06 10:00:00', 0, 'carol'), // price 0: carol has no purchase
    line('500007', 'PARTY BUNTING', 100, '2011-12-09 12:50:00', 4.95, ''), // no customer
  ]
  const tags = rfmTags(table(rows))

  it('uses 00:00 UTC of the day after the latest InvoiceDate as the default reference', () => {
    assert.equal(tags.referenceTime, Date.UTC(2011, 11, 10))
  })
  it('derives recency, frequency, monetary, scores, segment and affinity exactly', () => {
    assert.deepEqual(
      tags.customers.map((t) => t.customer),
      ['alice', 'bob'],
    )
    const [alice, bob] = tags.customers
    assert.deepEqual(alice, {
      customer: 'alice',
      recencyDays: 0,
      frequency: 2,
      monetary: 42.75,
      r: 5, // recency 0 is rank 0 of 2: 1 + floor(5 × 0 / 2) = 1, inverted -> 5
      f: 3, // frequency 2 is rank 1 of 2: 1 + floor(5 × 1 / 2) = 3
      m: 3,
      segment: 'Potential loyalists', // R 5, FM floor((3 + 3 + 1) / 2) = 3
      category: 'bags',
      categoryShares: { 'kitchen-dining': 0.2982, bags: 0.7018 },
    } as never)
    assert.deepEqual(bob, {
      customer: 'bob',
      recencyDays: 9, // 2011-11-30 23:59:59 -> 2011-12-10 00:00 is 9 days and 1 s
      frequency: 1,
      monetary: 14.85,
      r: 3,
      f: 1,
      m: 1,
      segment: 'Promising',
      category: 'party',
      categoryShares: { party: 1 },
    } as never)
  })
  it('measures recency to an explicit reference time', () => {
    const later = rfmTags(table(rows), { referenceTime: Date.UTC(2012, 0, 1, 6) })
    assert.deepEqual(later.customers.map((t) => t.recencyDays), [22, 31])
  })
  it('has a digest over the documented canonical lines that any change alters', () => {
    assert.equal(
      canonicalTagLines(tags),
      'databourse/rfm-tags/v1\nreferenceTime 1323475200000\n' +
        '"alice" 0 2 42.75 533 "Potential loyalists" bags bags=0.7018,kitchen-dining=0.2982\n' +
        '"bob" 9 1 14.85 311 "Promising" party party=1.0000\n',
    )
    assert.match(tagSetDigest(tags), /^0x[0-9a-f]{64}$/)
    assert.equal(tagSetDigest(tags), tagSetDigest(rfmTags(table(rows))))
    const changed: TagSet = { ...tags, customers: [{ ...tags.customers[0]!, monetary: 42.76 }, tags.customers[1]!] }
    assert.notEqual(tagSetDigest(changed), tagSetDigest(tags))
  })
  it('is empty for a table without purchases', () => {
    assert.deepEqual(rfmTags(table([rows[3]!, rows[6]!, rows[7]!])).customers, [])
  })
})

describe('rfmTags on the real file', () => {
  it('matches the plain reference on the first 20,000 rows, customer by customer', async (t) => {
    if (!hasRealData) return t.skip(SKIP_REASON)
    const rows = await onlineRetailRows(20_000)
    const ref = referenceTags(rows)
    const tags = rfmTags(table(rows))
    assert.equal(tags.referenceTime, ref.referenceTime)
    assert.equal(tags.customers.length, ref.customers.length)
    assert.ok(ref.customers.length > 500, `${ref.customers.length} customers`)
    tags.customers.forEach((got, i) => {
      const want = ref.customers[i]!
      assert.deepEqual(
        [got.customer, got.recencyDays, got.frequency, got.monetary, got.r, got.f, got.m, got.segment, got.category],
        [want.customer, want.recencyDays, want.frequency, want.monetary, want.r, want.f, want.m, want.segment, want.category],
      )
      for (const [cat, v] of Object.entries(want.shares)) assert.equal(got.categoryShares[cat as never], Math.round((v / want.total) * 10_000) / 10_000)
      assert.equal(Object.keys(got.categoryShares).length, Object.keys(want.shares).length)
    })
    // every score takes each value 1-5 for a fifth of the customers (± 1)
    for (const k of ['r', 'f', 'm'] as const) {
      for (let s = 1; s <= 5; s++) assert.ok(Math.abs(tags.customers.filter((c) => c[k] === s).length - tags.customers.length / 5) <= 1, `${k}=${s}`)
    }
  })
})
