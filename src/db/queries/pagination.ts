/**
 * Keyset pagination shared by the list queries: a page of items and an opaque cursor that
 * encodes the sort key of the last item (base64url JSON), checked on the way back in.
 */
import { InvalidCursorError, QueryParameterError } from '../../errors/db.ts'

/** One page of a list query. */
export interface Page<T> {
  items: T[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

/** Largest page a query returns. */
export const MAX_LIMIT = 100
export const DEFAULT_LIMIT = 20

/**
 * The page size to use.
 * @throws {QueryParameterError} unless 1 <= limit <= 100
 */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new QueryParameterError({ field: 'limit', reason: `must be an integer from 1 to ${MAX_LIMIT}` })
  return limit
}

/**
 * Encodes a cursor: `kind` names the query and sort order, `key` the last item's sort key.
 *
 * @example
 * encodeCursor('listings:newest', [42]) // 'eyJrIjoibGlzdGluZ3M6bmV3ZXN0IiwidiI6WzQyXX0'
 */
export function encodeCursor(kind: string, key: (string | number)[]): string {
  return Buffer.from(JSON.stringify({ k: kind, v: key })).toString('base64url')
}

/**
 * Decodes a cursor made by {@link encodeCursor} for the same `kind`, checking each key part
 * with `shape` ('int' or a RegExp for strings).
 *
 * @throws {InvalidCursorError}
 */
export function decodeCursor(cursor: string, kind: string, shape: ('int' | RegExp)[]): (string | number)[] {
  let parsed: unknown
  try {
    if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error()
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw new InvalidCursorError({ reason: 'not a cursor returned by this query' })
  }
  const { k, v } = (parsed ?? {}) as { k?: unknown; v?: unknown }
  if (k !== kind) throw new InvalidCursorError({ reason: 'the cursor belongs to another query or sort order' })
  if (!Array.isArray(v) || v.length !== shape.length) throw new InvalidCursorError({ reason: 'malformed cursor' })
  v.forEach((part, i) => {
    const expected = shape[i]!
    const ok = expected === 'int' ? Number.isSafeInteger(part) && (part as number) >= 0 : typeof part === 'string' && expected.test(part)
    if (!ok) throw new InvalidCursorError({ reason: 'malformed cursor' })
  })
  return v as (string | number)[]
}

/** Splits `limit + 1` fetched rows into a page, with the cursor of its last item. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, cursorOf: (row: R) => string): Page<T> {
  const more = rows.length > limit
  const pageRows = more ? rows.slice(0, limit) : rows
  return { items: pageRows.map(map), nextCursor: more ? cursorOf(pageRows[pageRows.length - 1]!) : null }
}
