/**
 * Marketing tags from raw orders (SPEC.md section 5, seed 000): recency / frequency /
 * monetary scores, an RFM segment and a category affinity per customer. This is what a
 * seller sells on the exchange and what tag authenticity (tagAuthenticity.ts) recomputes, so
 * every rule is exact and deterministic — the same table and reference time always give the
 * same tags and the same digest. The README has the rules with numbers.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import type { Hex } from 'viem'
import { categoryNames, descriptionCategories, type Category } from './categories.ts'
import { cancelledInvoices, DAY_MS, type OrderTable } from './orderTable.ts'
import { segmentOf, type Segment } from './segments.ts'

export interface CustomerTag {
  /** The gateway's pseudonym. */
  customer: string
  /** Whole days from the last purchase to the reference time (floor). */
  recencyDays: number
  /** Distinct invoices with a purchase. */
  frequency: number
  /** Σ quantity × unitPrice over the purchases, rounded to cents once at the end. */
  monetary: number
  r: number
  f: number
  m: number
  segment: Segment
  /** The category with the largest share of `monetary` (ties: the earlier in `categoryNames`). */
  category: Category
  /** Share of monetary per category bought (> 0 only), rounded to 4 decimals, in `categoryNames` order. */
  categoryShares: Partial<Record<Category, number>>
}

export interface TagSet {
  version: 1
  /** Epoch ms the recency is measured to. */
  referenceTime: number
  /** Sorted by customer (UTF-16 code unit order, i.e. `<`). */
  customers: CustomerTag[]
}

export interface RfmOptions {
  /** Default: 00:00 UTC of the day after the latest InvoiceDate in the table. */
  referenceTime?: number | undefined
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Quintile scores 1-5 by rank: order by value (then by customer string so ties are exact),
 * score = 1 + floor(5 × rank / n); `invert` gives the smallest values (most recent) 5.
 */
export function quintileScores(values: ArrayLike<number>, names: readonly string[], invert: boolean): Uint8Array {
  const n = values.length
  const order = Array.from({ length: n }, (_, i) => i)
  order.sort((a, b) => values[a]! - values[b]! || compare(names[a]!, names[b]!))
  const scores = new Uint8Array(n)
  for (let rank = 0; rank < n; rank++) {
    const s = 1 + Math.floor((5 * rank) / n)
    scores[order[rank]!] = invert ? 6 - s : s
  }
  return scores
}

/** The default reference time: 00:00 UTC of the day after the latest InvoiceDate (0 for an empty table). */
export function defaultReferenceTime(table: OrderTable): number {
  let latest = -Infinity
  for (let r = 0; r < table.rows; r++) if (table.time[r]! > latest) latest = table.time[r]!
  return latest === -Infinity ? 0 : (Math.floor(latest / DAY_MS) + 1) * DAY_MS
}

/**
 * @example
 * const tags = rfmTags(table, {})  // tags.customers[0] = { customer: '0a3…', recencyDays: 12, frequency: 4, monetary: 812.4, r: 4, f: 3, m: 4, segment: 'Loyal customers', category: 'kitchen-dining', categoryShares: {...} }
 */
export function rfmTags(table: OrderTable, options: RfmOptions = {}): TagSet {
  const referenceTime = options.referenceTime ?? defaultReferenceTime(table)
  const nc = table.customers.length
  const nCat = categoryNames.length
  const cancelled = cancelledInvoices(table)
  const cats = descriptionCategories(table)
  const last = new Float64Array(nc).fill(-Infinity)
  const frequency = new Uint32Array(nc)
  const monetary = new Float64Array(nc)
  const byCategory = new Float64Array(nc * nCat)
  /** The customer who last counted each invoice: invoices are per customer, so (customer, invoice) pairs are counted once. */
  const seen = new Set<number>()
  const nInv = table.invoices.length
  for (let r = 0; r < table.rows; r++) {
    const c = table.customer[r]!
    const q = table.quantity[r]!
    const p = table.unitPrice[r]!
    const inv = table.invoice[r]!
    if (c < 0 || q <= 0 || p <= 0 || cancelled[inv]) continue
    const t = table.time[r]!
    if (t > last[c]!) last[c] = t
    const key = c * nInv + inv
    if (!seen.has(key)) {
      seen.add(key)
      frequency[c]!++
    }
    const v = q * p
    monetary[c]! += v
    byCategory[c * nCat + cats[table.description[r]!]!]! += v
  }
  const ids: number[] = []
  for (let c = 0; c < nc; c++) if (frequency[c]! > 0) ids.push(c)
  ids.sort((a, b) => compare(table.customers[a]!, table.customers[b]!))
  const names = ids.map((c) => table.customers[c]!)
  const recency = ids.map((c) => Math.floor((referenceTime - last[c]!) / DAY_MS))
  const money = ids.map((c) => Math.round(monetary[c]! * 100) / 100)
  const rs = quintileScores(recency, names, true)
  const fs = quintileScores(ids.map((c) => frequency[c]!), names, false)
  const ms = quintileScores(money, names, false)
  const customers = ids.map((c, i): CustomerTag => {
    const shares: Partial<Record<Category, number>> = {}
    let best = 0
    for (let k = 0; k < nCat; k++) {
      const v = byCategory[c * nCat + k]!
      if (v > 0) shares[categoryNames[k]!] = Math.round((v / monetary[c]!) * 10_000) / 10_000
      if (v > byCategory[c * nCat + best]!) best = k
    }
    return {
      customer: names[i]!,
      recencyDays: recency[i]!,
      frequency: frequency[c]!,
      monetary: money[i]!,
      r: rs[i]!,
      f: fs[i]!,
      m: ms[i]!,
      segment: segmentOf(rs[i]!, fs[i]!, ms[i]!),
      category: categoryNames[best]!,
      categoryShares: shares,
    }
  })
  return { version: 1, referenceTime, customers }
}

/**
 * The canonical text a digest covers, one `\n`-terminated line each:
 *
 *   databourse/rfm-tags/v1
 *   referenceTime <integer ms>
 *   <JSON customer string> <recencyDays> <frequency> <monetary toFixed(2)> <r><f><m> <JSON segment> <category> <cat>=<share toFixed(4)>,… (categoryNames order; '-' when none)
 */
export function canonicalTagLines(tags: TagSet): string {
  let out = `databourse/rfm-tags/v${tags.version}\nreferenceTime ${tags.referenceTime}\n`
  for (const t of tags.customers) {
    const shares = categoryNames.filter((k) => t.categoryShares[k] !== undefined).map((k) => `${k}=${t.categoryShares[k]!.toFixed(4)}`)
    out += `${JSON.stringify(t.customer)} ${t.recencyDays} ${t.frequency} ${t.monetary.toFixed(2)} ${t.r}${t.f}${t.m} ${JSON.stringify(t.segment)} ${t.category} ${shares.join(',') || '-'}\n`
  }
  return out
}

/**
 * SHA-256 of `canonicalTagLines(tags)` (UTF-8), lowercase 0x-hex: what a seller commits to
 * and the enclave anchors.
 *
 * @example
 * tagSetDigest(rfmTags(table)) // '0x5d1c…'
 */
export function tagSetDigest(tags: TagSet): Hex {
  return `0x${bytesToHex(sha256(utf8ToBytes(canonicalTagLines(tags))))}`
}
