import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { JobParameterError } from './errors.ts'
import { OrderTableBuilder } from './orderTable.ts'
import { rfmTags, type TagSet } from './rfm.ts'
import { verifyTagSet } from './tagAuthenticity.ts'
import { hasRealData, onlineRetailRows, SKIP_REASON } from './testData.ts'

const table = (rows: readonly string[][]) => {
  const b = new OrderTableBuilder()
  for (const r of rows) b.add(r)
  return b.build()
}
const clone = (t: TagSet): TagSet => JSON.parse(JSON.stringify(t)) as TagSet

describe('verifyTagSet', () => {
  it('is authentic for the tag set it derives (after a JSON round trip) and flags any single field change', async (t) => {
    if (!hasRealData) return t.skip(SKIP_REASON)
    const data = table(await onlineRetailRows(5_000))
    const tags = rfmTags(data)
    const ok = verifyTagSet(data, clone(tags))
    assert.equal(ok.authentic, true)
    assert.equal(ok.customersChecked, tags.customers.length)
    assert.equal(ok.claimedDigest, ok.derivedDigest)
    const fields = ['recencyDays', 'frequency', 'monetary', 'r', 'f', 'm', 'segment', 'category', 'categoryShares'] as const
    fc.assert(
      fc.property(fc.nat(tags.customers.length - 1), fc.constantFrom(...fields), (i, field) => {
        const claimed = clone(tags)
        const c = claimed.customers[i]! as unknown as Record<string, unknown>
        const v = c[field]
        c[field] = typeof v === 'number' ? v + 0.01 : typeof v === 'string' ? (field === 'segment' ? (v === 'Lost' ? 'Champions' : 'Lost') : v === 'bags' ? 'party' : 'bags') : { ...(v as object), other: 0.0001 }
        const report = verifyTagSet(data, claimed)
        assert.equal(report.authentic, false)
        assert.equal(report.mismatched, 1)
        assert.deepEqual(report.examples[0], { customer: claimed.customers[i]!.customer, field, claimed: c[field], derived: (tags.customers[i] as unknown as Record<string, unknown>)[field] })
      }),
      { numRuns: 100 },
    )
  })
  it('counts missing and unexpected customers and refuses an unsorted claim', () => {
    const line = (inv: string, cust: string, qty: number) => [inv, 'X', 'PARTY BUNTING', String(qty), '2011-12-01 10:00:00', '4.95', cust, 'France']
    const data = table([line('1000001', 'a', 1), line('1000002', 'b', 2), line('1000003', 'c', 3)])
    const tags = rfmTags(data)
    const dropped = { ...clone(tags), customers: clone(tags).customers.slice(1) }
    const r1 = verifyTagSet(data, dropped)
    assert.deepEqual([r1.authentic, r1.missing, r1.unexpected, r1.customersChecked], [false, 1, 0, 2])
    const invented = clone(tags)
    invented.customers.push({ ...invented.customers[0]!, customer: 'zz' })
    const r2 = verifyTagSet(data, invented)
    assert.deepEqual([r2.authentic, r2.missing, r2.unexpected], [false, 0, 1])
    const reversed = { ...clone(tags), customers: clone(tags).customers.reverse() }
    const r3 = verifyTagSet(data, reversed)
    assert.equal(r3.authentic, false)
    assert.equal(r3.mismatched, 0)
    assert.ok(r3.examples.some((e) => e.field === 'order'))
    const shifted = verifyTagSet(data, { ...clone(tags), referenceTime: tags.referenceTime + 3 * 86_400_000 })
    assert.equal(shifted.authentic, false, 'recency is recomputed at the claimed reference time, the claimed values are stale')
    assert.throws(() => verifyTagSet(data, { version: 1, customers: 'x' } as never), (e: unknown) => e instanceof JobParameterError && /referenceTime/.test(e.message))
    assert.throws(() => verifyTagSet(data, { ...clone(tags), customers: [{ customer: 'a' }] } as never), /claimed.customers\[0\].recencyDays/)
  })
})
