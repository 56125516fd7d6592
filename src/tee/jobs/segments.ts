/**
 * The RFM segment table: the eleven segments of the widely used R × FM grid (Champions …
 * Lost), made exact as a 5 × 5 table so every score pair has exactly one segment.
 * FM = round-half-up of the mean of F and M = floor((F + M + 1) / 2).
 *
 *          FM=1              FM=2                 FM=3                 FM=4              FM=5
 *   R=5    New customers     Potential loyalists  Potential loyalists  Champions         Champions
 *   R=4    Promising         Potential loyalists  Loyal customers      Champions         Champions
 *   R=3    Promising         About to sleep       Need attention       Loyal customers   Loyal customers
 *   R=2    Hibernating       Hibernating          At risk              At risk           Can't lose them
 *   R=1    Lost              Lost                 At risk              Can't lose them   Can't lose them
 */
import { JobParameterError } from './errors.ts'

export const segmentNames = [
  'Champions',
  'Loyal customers',
  'Potential loyalists',
  'New customers',
  'Promising',
  'Need attention',
  'About to sleep',
  'At risk',
  "Can't lose them",
  'Hibernating',
  'Lost',
] as const
export type Segment = (typeof segmentNames)[number]

/** SEGMENT_GRID[R - 1][FM - 1]. */
export const SEGMENT_GRID: readonly (readonly Segment[])[] = [
  ['Lost', 'Lost', 'At risk', "Can't lose them", "Can't lose them"],
  ['Hibernating', 'Hibernating', 'At risk', 'At risk', "Can't lose them"],
  ['Promising', 'About to sleep', 'Need attention', 'Loyal customers', 'Loyal customers'],
  ['Promising', 'Potential loyalists', 'Loyal customers', 'Champions', 'Champions'],
  ['New customers', 'Potential loyalists', 'Potential loyalists', 'Champions', 'Champions'],
]

/**
 * @example
 * segmentOf(5, 1, 2) // FM = 2 -> 'Potential loyalists'
 */
export function segmentOf(r: number, f: number, m: number): Segment {
  const fm = Math.floor((f + m + 1) / 2)
  const segment = SEGMENT_GRID[r - 1]?.[fm - 1]
  if (segment === undefined) throw new JobParameterError({ parameter: 'scores', reason: `R, F and M must be 1-5, got R=${r} F=${f} M=${m}` })
  return segment
}
