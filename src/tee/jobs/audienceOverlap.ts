/**
 * Audience overlap (SPEC.md section 5): how many of a buyer's customers are also the
 * seller's, and how they split by segment or category — counts only, each describing at
 * least `minGroupSize` customers, so no individual leaks from the answer.
 *
 * Rules (README has the numbers):
 * - `minGroupSize` must be an integer >= 2; the audience is deduplicated first (padding a
 *   list with copies of one id does not make it bigger) and must hold >= minGroupSize ids.
 * - The overlap total is released only when >= minGroupSize; otherwise AudienceTooSmallError.
 * - A group below minGroupSize is reported as suppressed, without its count.
 * - Complement rule: since the total is released, the suppressed groups' sum is always
 *   total − Σ released counts. So when any group is suppressed, further groups are suppressed
 *   (smallest released count first, ties by group order) until at least two groups are
 *   suppressed and their combined count is 0 or >= minGroupSize: the derivable sum then never
 *   isolates one small group.
 */
import { categoryNames } from './categories.ts'
import { AudienceTooSmallError, JobParameterError } from './errors.ts'
import type { TagSet } from './rfm.ts'
import { segmentNames } from './segments.ts'

export interface AudienceOverlapOptions {
  minGroupSize: number
  groupBy: 'segment' | 'category'
}

export interface OverlapGroup {
  group: string
  suppressed: boolean
  /** Present only when not suppressed; then >= minGroupSize. */
  count?: number | undefined
}

export interface OverlapReport {
  groupBy: 'segment' | 'category'
  minGroupSize: number
  /** Distinct ids in the buyer's audience (the buyer's own list; no seller information). */
  audienceSize: number
  /** Audience members that are the seller's tagged customers; always >= minGroupSize. */
  overlap: number
  /** Every group of the taxonomy, in its canonical order. */
  groups: OverlapGroup[]
}

/**
 * @throws {JobParameterError} minGroupSize is not an integer >= 2
 * @throws {AudienceTooSmallError} the distinct audience or the overlap is below minGroupSize
 * @example
 * audienceOverlap(tags, buyerPseudonyms, { minGroupSize: 50, groupBy: 'segment' })
 * // { overlap: 812, groups: [{ group: 'Champions', suppressed: false, count: 190 }, { group: 'Lost', suppressed: true }, …] }
 */
export function audienceOverlap(tags: TagSet, audience: readonly string[], options: AudienceOverlapOptions): OverlapReport {
  const { minGroupSize, groupBy } = options
  if (!Number.isSafeInteger(minGroupSize) || minGroupSize < 2) throw new JobParameterError({ parameter: 'minGroupSize', reason: `must be an integer >= 2, got ${minGroupSize}` })
  if (groupBy !== 'segment' && groupBy !== 'category') throw new JobParameterError({ parameter: 'groupBy', reason: `must be 'segment' or 'category', got ${JSON.stringify(groupBy)}` })
  const wanted = new Set(audience)
  if (wanted.size < minGroupSize) throw new AudienceTooSmallError({ what: 'audience', minGroupSize })
  const names: readonly string[] = groupBy === 'segment' ? segmentNames : categoryNames
  const counts = new Map<string, number>(names.map((g) => [g, 0]))
  let overlap = 0
  for (const t of tags.customers) {
    if (!wanted.has(t.customer)) continue
    overlap++
    const g = groupBy === 'segment' ? t.segment : t.category
    counts.set(g, (counts.get(g) ?? 0) + 1)
  }
  if (overlap < minGroupSize) throw new AudienceTooSmallError({ what: 'overlap', minGroupSize })
  const suppressed = new Set(names.filter((g) => counts.get(g)! < minGroupSize))
  const suppressedSum = () => [...suppressed].reduce((s, g) => s + counts.get(g)!, 0)
  if (suppressed.size > 0) {
    const released = names.filter((g) => !suppressed.has(g)).sort((a, b) => counts.get(a)! - counts.get(b)! || names.indexOf(a) - names.indexOf(b))
    for (const g of released) {
      const sum = suppressedSum()
      if (suppressed.size >= 2 && (sum === 0 || sum >= minGroupSize)) break
      suppressed.add(g)
    }
  }
  return {
    groupBy,
    minGroupSize,
    audienceSize: wanted.size,
    overlap,
    groups: names.map((g) => (suppressed.has(g) ? { group: g, suppressed: true } : { group: g, suppressed: false, count: counts.get(g)! })),
  }
}
