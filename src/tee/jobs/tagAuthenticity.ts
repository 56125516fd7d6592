/**
 * Tag authenticity (seed 000): does a seller's claimed tag set match what its own raw orders
 * give? The enclave recomputes the tags from the table with the claimed reference time and
 * compares customer by customer, field by field — so a seller cannot inflate a segment,
 * invent customers or drop unprofitable ones without the report saying which and how.
 */
import type { Hex } from 'viem'
import { JobParameterError } from './errors.ts'
import type { OrderTable } from './orderTable.ts'
import { rfmTags, tagSetDigest, type CustomerTag, type TagSet } from './rfm.ts'

export const MAX_EXAMPLES = 10

const FIELDS = ['recencyDays', 'frequency', 'monetary', 'r', 'f', 'm', 'segment', 'category', 'categoryShares'] as const
export type TagField = (typeof FIELDS)[number] | 'version' | 'order'

export interface AuthenticityReport {
  /** True only when every customer matches in every field, none is missing or unexpected, and the digests agree. */
  authentic: boolean
  /** Claimed customers that were also derived (and so compared field by field). */
  customersChecked: number
  /** Of those, how many differ in at least one field. */
  mismatched: number
  /** Derived from the data but absent from the claim. */
  missing: number
  /** Claimed but not derived from the data (invented, or with no purchase after the filter), duplicates included. */
  unexpected: number
  /** Up to 10 differences, in claim order. */
  examples: { customer: string; field: TagField; claimed: unknown; derived: unknown }[]
  claimedDigest: Hex
  derivedDigest: Hex
}

/** Refuses a claim that is not shaped like a TagSet (it comes from outside the enclave as JSON). */
function checkShape(claimed: unknown): asserts claimed is TagSet {
  const c = claimed as Partial<TagSet> | null
  if (typeof c !== 'object' || c === null) throw new JobParameterError({ parameter: 'claimed', reason: 'is not an object' })
  if (!Number.isFinite(c.referenceTime)) throw new JobParameterError({ parameter: 'claimed.referenceTime', reason: 'is not a finite number of epoch milliseconds' })
  if (!Array.isArray(c.customers)) throw new JobParameterError({ parameter: 'claimed.customers', reason: 'is not an array' })
  c.customers.forEach((t, i) => {
    if (typeof t !== 'object' || t === null || typeof t.customer !== 'string') throw new JobParameterError({ parameter: `claimed.customers[${i}]`, reason: 'has no customer string' })
    for (const k of ['recencyDays', 'frequency', 'monetary', 'r', 'f', 'm'] as const) if (typeof t[k] !== 'number') throw new JobParameterError({ parameter: `claimed.customers[${i}].${k}`, reason: 'is not a number' })
    if (typeof t.segment !== 'string' || typeof t.category !== 'string') throw new JobParameterError({ parameter: `claimed.customers[${i}]`, reason: 'segment or category is not a string' })
    if (typeof t.categoryShares !== 'object' || t.categoryShares === null || Object.values(t.categoryShares).some((v) => typeof v !== 'number'))
      throw new JobParameterError({ parameter: `claimed.customers[${i}].categoryShares`, reason: 'is not an object of numbers' })
  })
}

/** Shares compared as sorted [category, share] pairs, so key order in the claim does not matter. */
const sharesKey = (s: CustomerTag['categoryShares']) => JSON.stringify(Object.entries(s).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

/**
 * @throws {JobParameterError} the claim is not shaped like a TagSet
 * @example
 * const report = verifyTagSet(table, claimedTags) // { authentic: false, mismatched: 3, examples: [{ customer, field: 'segment', claimed: 'Champions', derived: 'At risk' }, …], … }
 */
export function verifyTagSet(table: OrderTable, claimed: TagSet): AuthenticityReport {
  checkShape(claimed)
  const derived = rfmTags(table, { referenceTime: claimed.referenceTime })
  const byCustomer = new Map(derived.customers.map((t) => [t.customer, t]))
  const examples: AuthenticityReport['examples'] = []
  const note = (customer: string, field: TagField, c: unknown, d: unknown) => {
    if (examples.length < MAX_EXAMPLES) examples.push({ customer, field, claimed: c, derived: d })
  }
  if (claimed.version !== 1) note('', 'version', claimed.version, 1)
  const matched = new Set<string>()
  let mismatched = 0
  let unexpected = 0
  let previous: string | undefined
  let ordered = true
  for (const t of claimed.customers) {
    if (previous !== undefined && !(previous < t.customer)) ordered = false
    previous = t.customer
    const d = byCustomer.get(t.customer)
    if (!d || matched.has(t.customer)) {
      unexpected++
      continue
    }
    matched.add(t.customer)
    let differs = false
    for (const field of FIELDS) {
      const same = field === 'categoryShares' ? sharesKey(t.categoryShares) === sharesKey(d.categoryShares) : Object.is(t[field], d[field])
      if (!same) {
        differs = true
        note(t.customer, field, t[field], d[field])
      }
    }
    if (differs) mismatched++
  }
  if (!ordered) note('', 'order', 'not strictly sorted by customer', 'sorted by customer')
  const claimedDigest = tagSetDigest(claimed)
  const derivedDigest = tagSetDigest(derived)
  const missing = derived.customers.length - matched.size
  return {
    authentic: claimed.version === 1 && ordered && mismatched === 0 && missing === 0 && unexpected === 0 && claimedDigest === derivedDigest,
    customersChecked: matched.size,
    mismatched,
    missing,
    unexpected,
    examples,
    claimedDigest,
    derivedDigest,
  }
}
