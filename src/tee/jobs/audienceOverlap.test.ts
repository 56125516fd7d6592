import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { audienceOverlap } from './audienceOverlap.ts'
import { categoryNames } from './categories.ts'
import { AudienceTooSmallError, JobParameterError } from './errors.ts'
import type { CustomerTag, TagSet } from './rfm.ts'
import { segmentNames } from './segments.ts'

const tagSet = (groups: [string, number][]): TagSet => {
  const customers: CustomerTag[] = []
  let i = 0
  for (const [segment, n] of groups) for (let k = 0; k < n; k++) customers.push({ customer: `c${String(i++).padStart(4, '0')}`, segment, category: 'bags' } as unknown as CustomerTag)
  return { version: 1, referenceTime: 0, customers }
}

describe('audienceOverlap', () => {
  it('counts the overlap per segment, suppressing small groups and one more when only one is small', () => {
    const tags = tagSet([['Champions', 10], ['Lost', 6], ['At risk', 3]])
    const all = tags.customers.map((t) => t.customer)
    const r = audienceOverlap(tags, [...all, 'x1', 'x2', ...all], { minGroupSize: 5, groupBy: 'segment' })
    assert.equal(r.overlap, 19)
    assert.equal(r.audienceSize, 21) // duplicates counted once
    const byGroup = Object.fromEntries(r.groups.map((g) => [g.group, g]))
    assert.deepEqual(byGroup.Champions, { group: 'Champions', suppressed: false, count: 10 })
    // At risk (3) is small; every other empty group is too, so at least two are suppressed, sum 3 < 5 -> Lost (6) suppressed too
    assert.deepEqual(byGroup['At risk'], { group: 'At risk', suppressed: true })
    assert.deepEqual(byGroup.Lost, { group: 'Lost', suppressed: true })
    assert.deepEqual(r.groups.map((g) => g.group), [...segmentNames])
    assert.ok(!JSON.stringify(r).includes('c00'), 'no customer id in the report')
  })
  it('groups by category', () => {
    const tags = tagSet([['Champions', 12]])
    const r = audienceOverlap(tags, tags.customers.map((t) => t.customer), { minGroupSize: 2, groupBy: 'category' })
    assert.deepEqual(r.groups.map((g) => g.group), [...categoryNames])
    assert.equal(r.groups.find((g) => g.group === 'bags')!.count, 12)
  })
  it('refuses small audiences, small overlaps and bad parameters with the reason', () => {
    const tags = tagSet([['Champions', 10]])
    const ids = tags.customers.map((t) => t.customer)
    assert.throws(() => audienceOverlap(tags, ids, { minGroupSize: 1, groupBy: 'segment' }), (e: unknown) => e instanceof JobParameterError && /integer >= 2, got 1/.test(e.message))
    assert.throws(() => audienceOverlap(tags, ids, { minGroupSize: 2.5, groupBy: 'segment' }), JobParameterError)
    assert.throws(() => audienceOverlap(tags, Array(100).fill(ids[0]), { minGroupSize: 5, groupBy: 'segment' }), (e: unknown) => e instanceof AudienceTooSmallError && e.what === 'audience')
    assert.throws(() => audienceOverlap(tags, [...ids.slice(0, 4), 'a', 'b', 'c'], { minGroupSize: 5, groupBy: 'segment' }), (e: unknown) => e instanceof AudienceTooSmallError && e.what === 'overlap')
  })
  it('never releases a count below minGroupSize nor a suppressed set that isolates a small group (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...segmentNames), fc.nat(12)), { maxLength: 11 }), fc.integer({ min: 2, max: 10 }), fc.double({ min: 0, max: 1, noNaN: true }), (groups, min, fraction) => {
        const tags = tagSet(groups)
        const ids = tags.customers.map((t) => t.customer).filter((_, i) => (i * 7919) % 100 < fraction * 100)
        let r
        try {
          r = audienceOverlap(tags, [...ids, ...ids, 'outsider-1'], { minGroupSize: min, groupBy: 'segment' })
        } catch (e) {
          assert.ok(e instanceof AudienceTooSmallError)
          assert.ok(new Set([...ids, 'outsider-1']).size < min || ids.length < min)
          return
        }
        assert.ok(r.overlap >= min)
        assert.equal(r.overlap, ids.length)
        for (const g of r.groups) if (!g.suppressed) assert.ok(g.count! >= min)
        const suppressed = r.groups.filter((g) => g.suppressed)
        if (suppressed.length > 0) {
          assert.ok(suppressed.length >= 2)
          const sum = r.overlap - r.groups.reduce((s, g) => s + (g.count ?? 0), 0)
          assert.ok(sum === 0 || sum >= min, `derivable suppressed sum ${sum}`)
        }
      }),
      { numRuns: 300 },
    )
  })
})
