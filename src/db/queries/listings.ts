/**
 * Listing search and lookup. Every filter has an index ending in the pagination key
 * (migration 0001), text search is a prefix-range scan on `listing_terms`, and pages are
 * keyset-paginated, so a page costs the same at any depth.
 */
import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely'
import type { Address, Hex } from 'viem'
import { QueryParameterError } from '../../errors/db.ts'
import { decodeAmount, encodeAmount, toAddress, toHex } from '../codec.ts'
import type { Database, ListingsTable } from '../schema.ts'
import { MAX_TERM_LENGTH, prefixRange, searchTerms } from '../terms.ts'
import { decodeCursor, encodeCursor, pageLimit, toPage, type Page } from './pagination.ts'
import { addressParam, amountParam, enumParam, idParam, uint32Param } from './validate.ts'

/** A listing as the API shows it. */
export interface ListingRecord {
  listingId: bigint
  seller: Address
  /** The seller key's organisation when listed. */
  sellerOrg: Address | null
  category: number
  contentHash: Hex
  storageProvider: Address
  arbitrator: Address
  minPrice: bigint
  buyerDeposit: bigint
  sellerDeposit: bigint
  /** Posted when listing. */
  standingDeposit: bigint
  /** Now (after top-ups, forfeitures, release). */
  standing: bigint
  quantity: number
  requiresAcceptance: boolean
  dataType: string
  description: string
  sampleURI: string
  closed: boolean
  closedAt: number | null
  /** When a closed listing's standing deposit can be released (unix seconds). */
  releaseTime: number | null
  released: boolean
  tradeCount: number
  listedAt: number
  listedBlock: number
  listedTx: Hex
}

export const listingSorts = ['newest', 'oldest', 'price_asc', 'price_desc'] as const
export type ListingSort = (typeof listingSorts)[number]
export const listingStatuses = ['open', 'closed', 'all'] as const
export type ListingStatus = (typeof listingStatuses)[number]

export interface SearchListingsParameters {
  category?: number | undefined
  seller?: string | undefined
  sellerOrg?: string | undefined
  /** Bounds on the listing's minimum price (inclusive), in base units. */
  minPrice?: bigint | undefined
  maxPrice?: bigint | undefined
  /** Exact data type, e.g. 'text/csv'. */
  dataType?: string | undefined
  /** Words that must each start a word of the description or data type (case-insensitive). */
  text?: string | undefined
  /** Default 'open'. */
  status?: ListingStatus | undefined
  /** Default 'newest'. */
  sort?: ListingSort | undefined
  limit?: number | undefined
  cursor?: string | undefined
}

export type SearchListingsReturnType = Page<ListingRecord>
export type SearchListingsErrorType = QueryParameterError

/** Most words a text query may have. */
const MAX_QUERY_WORDS = 8
const PRICE_TEXT = /^\d{78}$/

/** The API shape of a `listings` row. */
export function listingFromRow(r: Selectable<ListingsTable>): ListingRecord {
  return {
    listingId: BigInt(r.listing_id),
    seller: toAddress(r.seller),
    sellerOrg: r.seller_org === null ? null : toAddress(r.seller_org),
    category: r.category,
    contentHash: toHex(r.content_hash),
    storageProvider: toAddress(r.storage_provider),
    arbitrator: toAddress(r.arbitrator),
    minPrice: decodeAmount(r.min_price),
    buyerDeposit: decodeAmount(r.buyer_deposit),
    sellerDeposit: decodeAmount(r.seller_deposit),
    standingDeposit: decodeAmount(r.standing_deposit),
    standing: decodeAmount(r.standing),
    quantity: r.quantity,
    requiresAcceptance: r.requires_acceptance === 1,
    dataType: r.data_type,
    description: r.description,
    sampleURI: r.sample_uri,
    closed: r.closed === 1,
    closedAt: r.closed_at,
    releaseTime: r.release_time,
    released: r.released === 1,
    tradeCount: r.trade_count,
    listedAt: r.listed_at,
    listedBlock: r.listed_block,
    listedTx: toHex(r.listed_tx),
  }
}

/**
 * Searches listings with filters, newest first by default, one page at a time.
 *
 * @example
 * const page = await searchListings(db, { category: 1, text: 'retail orders', maxPrice: parseEther('200'), limit: 20 })
 * const next = await searchListings(db, { category: 1, text: 'retail orders', maxPrice: parseEther('200'), cursor: page.nextCursor! })
 * @throws {QueryParameterError} naming the invalid parameter (InvalidCursorError for `cursor`)
 */
export async function searchListings(db: Kysely<Database>, p: SearchListingsParameters = {}): Promise<SearchListingsReturnType> {
  const limit = pageLimit(p.limit)
  const sort = enumParam('sort', p.sort ?? 'newest', listingSorts)
  const status = enumParam('status', p.status ?? 'open', listingStatuses)
  const byPrice = sort === 'price_asc' || sort === 'price_desc'
  const kind = `listings:${sort}`

  let q = db.selectFrom('listings') as SelectQueryBuilder<Database, 'listings', {}>
  if (p.text !== undefined) {
    if (typeof p.text !== 'string' || p.text.length > 512) throw new QueryParameterError({ field: 'text', reason: 'must be a string of at most 512 characters' })
    const words = searchTerms(p.text)
    if (words.length > MAX_QUERY_WORDS) throw new QueryParameterError({ field: 'text', reason: `must have at most ${MAX_QUERY_WORDS} words` })
    if (words.length > 0) {
      // Intersect the ids each word's prefix range selects, then join: the planner cannot
      // walk the listings index hoping for early matches that a rare combination never gives.
      const matching = words
        .map((word) => {
          const [low, high] = prefixRange(word.slice(0, MAX_TERM_LENGTH))
          return db.selectFrom('listing_terms').select('listing_id').where('term', '>=', low).where('term', '<', high)
        })
        .reduce((all, next) => all.intersect(next))
      q = q.innerJoin(matching.as('m'), 'm.listing_id', 'listings.listing_id') as unknown as typeof q
    }
  }
  if (status !== 'all') q = q.where('listings.closed', '=', status === 'closed' ? 1 : 0)
  if (p.category !== undefined) q = q.where('listings.category', '=', uint32Param('category', p.category))
  if (p.seller !== undefined) q = q.where('listings.seller', '=', addressParam('seller', p.seller))
  if (p.sellerOrg !== undefined) q = q.where('listings.seller_org', '=', addressParam('sellerOrg', p.sellerOrg))
  if (p.minPrice !== undefined) q = q.where('listings.min_price', '>=', encodeAmount(amountParam('minPrice', p.minPrice)))
  if (p.maxPrice !== undefined) q = q.where('listings.min_price', '<=', encodeAmount(amountParam('maxPrice', p.maxPrice)))
  if (p.dataType !== undefined) {
    if (typeof p.dataType !== 'string' || p.dataType.length > 256) throw new QueryParameterError({ field: 'dataType', reason: 'must be a string of at most 256 characters' })
    q = q.where('listings.data_type', '=', p.dataType)
  }
  if (p.cursor !== undefined) {
    if (byPrice) {
      const [price, id] = decodeCursor(p.cursor, kind, [PRICE_TEXT, 'int']) as [string, number]
      q = q.where((eb) => eb(eb.refTuple('listings.min_price', 'listings.listing_id'), sort === 'price_asc' ? '>' : '<', eb.tuple(price, id)))
    } else {
      const [id] = decodeCursor(p.cursor, kind, ['int']) as [number]
      q = q.where('listings.listing_id', sort === 'oldest' ? '>' : '<', id)
    }
  }
  const direction = sort === 'oldest' || sort === 'price_asc' ? 'asc' : 'desc'
  if (byPrice) q = q.orderBy('listings.min_price', direction)
  q = q.orderBy('listings.listing_id', direction).limit(limit + 1)

  const rows = await q.selectAll('listings').execute()
  return toPage(rows, limit, listingFromRow, (r) => encodeCursor(kind, byPrice ? [r.min_price, r.listing_id] : [r.listing_id]))
}

/**
 * One listing, or undefined.
 *
 * @example
 * const listing = await getListing(db, 1n)
 */
export async function getListing(db: Kysely<Database>, listingId: bigint): Promise<ListingRecord | undefined> {
  const id = idParam('listingId', listingId)
  if (id > BigInt(Number.MAX_SAFE_INTEGER)) return undefined
  const row = await db.selectFrom('listings').selectAll().where('listing_id', '=', Number(id)).executeTakeFirst()
  return row && listingFromRow(row)
}
