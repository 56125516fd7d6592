/**
 * Words of listing descriptions for text search, shared by the indexer (which stores them in
 * `listing_terms`) and the search query (which matches query words as prefixes of them).
 *
 * A term is a maximal run of letters and digits, lower-cased (Unicode NFKC), at most
 * {@link MAX_TERM_LENGTH} characters. Prefix matching is a range scan on the term index:
 * `term >= 'retai' AND term < 'retaj'`, the same in SQLite (BINARY) and PostgreSQL (the column
 * uses the "C" collation), because both compare code points.
 */

/** Longer words are cut to this length (and so are query words). */
export const MAX_TERM_LENGTH = 48
/** At most this many distinct terms are kept per listing. */
export const MAX_TERMS_PER_LISTING = 256

/**
 * The distinct search terms of `texts`, in first-seen order.
 *
 * @example
 * searchTerms('Daily order lines, UK 2011', 'text/csv') // ['daily', 'order', 'lines', 'uk', '2011', 'text', 'csv']
 */
export function searchTerms(...texts: string[]): string[] {
  const terms = new Set<string>()
  for (const text of texts) {
    for (const match of text.normalize('NFKC').toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
      terms.add(Array.from(match[0]).slice(0, MAX_TERM_LENGTH).join(''))
      if (terms.size >= MAX_TERMS_PER_LISTING) return [...terms]
    }
  }
  return [...terms]
}

/**
 * The half-open range [low, high) of terms that start with `prefix`.
 *
 * @example
 * prefixRange('reta') // ['reta', 'retb']
 */
export function prefixRange(prefix: string): [string, string] {
  const chars = Array.from(prefix)
  const last = chars.pop()!.codePointAt(0)!
  // Skip the surrogate block: no string contains a lone surrogate code point.
  const next = last + 1 === 0xd800 ? 0xe000 : last + 1
  return [prefix, chars.join('') + String.fromCodePoint(Math.min(next, 0x10ffff))]
}
