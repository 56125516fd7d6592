import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import type { Kysely } from 'kysely'
import { InvalidCursorError, QueryParameterError } from '../../errors/db.ts'
import { encodeAmount } from '../codec.ts'
import type { Database, ListingsTable } from '../schema.ts'
import { searchTerms } from '../terms.ts'
import { describeEachDatabase } from '../testing/testDatabases.ts'
import { getListing, searchListings, type SearchListingsParameters } from './listings.ts'

const SELLERS = ['0x1111111111111111111111111111111111111111', '0x74dcf4dea994cf2b8cc104aea5b40c41fde6dbb3']
const TYPES = ['text/csv', 'application/parquet', 'application/json']
const WORDS = ['retail orders', 'customer marketing tags', 'daily sales time series', 'Überseeische Bestellungen', 'logistics events']
const N = 120

/** Listing i: deterministic variety of every searchable field. */
function listingRow(i: number): ListingsTable {
  return {
    listing_id: i,
    seller: SELLERS[i % 2]!,
    seller_org: i % 2 ? '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' : '0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    category: (i % 3) + 1,
    content_hash: `0x${i.toString(16).padStart(64, '0')}`,
    storage_provider: '0x3333333333333333333333333333333333333333',
    arbitrator: '0x4444444444444444444444444444444444444444',
    min_price: encodeAmount(BigInt((i * 37) % 50) * 10n ** 18n),
    buyer_deposit: encodeAmount(10n),
    seller_deposit: encodeAmount(20n),
    standing_deposit: encodeAmount(200n),
    standing: encodeAmount(200n),
    quantity: 10,
    requires_acceptance: 0,
    data_type: TYPES[i % 3]!,
    description: `${WORDS[i % 5]} batch ${i}`,
    sample_uri: '',
    closed: i % 4 === 0 ? 1 : 0,
    closed_at: i % 4 === 0 ? 1000 : null,
    release_time: null,
    released: 0,
    trade_count: 0,
    listed_block: i,
    listed_log_index: 0,
    listed_at: 1000 + i,
    listed_tx: `0x${'ab'.repeat(32)}`,
    updated_block: i,
  }
}

const rows = Array.from({ length: N }, (_, k) => listingRow(k + 1))

/** Every listing id matching `p`, following cursors through all pages. */
async function allPages(db: Kysely<Database>, p: SearchListingsParameters): Promise<number[]> {
  const ids: number[] = []
  let cursor: string | undefined
  for (let page = 0; page < 100; page++) {
    const result = await searchListings(db, { ...p, cursor })
    ids.push(...result.items.map((l) => Number(l.listingId)))
    if (!result.nextCursor) {
      assert.ok(ids.length > 0, 'the fixture has matches for every query of these tests')
      return ids
    }
    cursor = result.nextCursor
  }
  throw new Error('pagination did not end')
}

describeEachDatabase('listing search', ({ open }) => {
  let db: Kysely<Database>
  before(async () => {
    db = (await open()).db
    await db.insertInto('listings').values(rows).execute()
    const terms = rows.flatMap((r) => searchTerms(r.description, r.data_type).map((term) => ({ term, listing_id: r.listing_id, block_number: r.listed_block })))
    for (let i = 0; i < terms.length; i += 200) await db.insertInto('listing_terms').values(terms.slice(i, i + 200)).execute()
  })

  const price = (r: ListingsTable) => BigInt(r.min_price)
  const open_ = (r: ListingsTable) => r.closed === 0

  test('default: open listings, newest first, 20 per page, cursors cover every match once', async () => {
    const first = await searchListings(db)
    assert.equal(first.items.length, 20)
    assert.equal(first.items[0]!.listingId, BigInt(N - 1)) // N is a multiple of 4: closed
    const ids = await allPages(db, { limit: 7 })
    assert.deepEqual(ids, rows.filter(open_).map((r) => r.listing_id).reverse())
  })

  test('filters combine: category, seller, organisation, data type, status', async () => {
    const ids = await allPages(db, { category: 2, seller: '0x74DCf4DeA994cF2b8Cc104aea5B40C41fde6DBb3', dataType: 'application/parquet', status: 'all', sort: 'oldest' })
    assert.deepEqual(ids, rows.filter((r) => r.category === 2 && r.seller === SELLERS[1] && r.data_type === 'application/parquet').map((r) => r.listing_id))
    assert.deepEqual(await allPages(db, { status: 'closed', sort: 'oldest' }), rows.filter((r) => !open_(r)).map((r) => r.listing_id))
    const org = rows[0]!.seller_org!
    assert.deepEqual(await allPages(db, { sellerOrg: org, status: 'all', sort: 'oldest' }), rows.filter((r) => r.seller_org === org).map((r) => r.listing_id))
  })

  test('price range and price order, with ties broken by id, across pages', async () => {
    const lo = 10n * 10n ** 18n
    const hi = 30n * 10n ** 18n
    const expected = rows
      .filter((r) => open_(r) && price(r) >= lo && price(r) <= hi)
      .sort((a, b) => (price(a) === price(b) ? a.listing_id - b.listing_id : price(a) < price(b) ? -1 : 1))
      .map((r) => r.listing_id)
    assert.deepEqual(await allPages(db, { minPrice: lo, maxPrice: hi, sort: 'price_asc', limit: 6 }), expected)
    const descending = await allPages(db, { minPrice: lo, maxPrice: hi, sort: 'price_desc', limit: 5 })
    assert.deepEqual(descending, [...expected].reverse())
  })

  test('text: every word must start a word of the description or data type, case- and accent-form-insensitive', async () => {
    const matches = (r: ListingsTable, ...words: string[]) => words.every((w) => searchTerms(r.description, r.data_type).some((t) => t.startsWith(w)))
    assert.deepEqual(await allPages(db, { text: 'RETAIL ord', status: 'all', sort: 'oldest' }), rows.filter((r) => matches(r, 'retail', 'ord')).map((r) => r.listing_id))
    assert.deepEqual(await allPages(db, { text: 'überseeische', status: 'all', sort: 'oldest' }), rows.filter((r) => matches(r, 'überseeische')).map((r) => r.listing_id))
    assert.deepEqual(await allPages(db, { text: 'parquet series', sort: 'oldest' }), rows.filter((r) => open_(r) && matches(r, 'parquet', 'series')).map((r) => r.listing_id))
    assert.deepEqual((await searchListings(db, { text: 'nothing-like-this' })).items, [])
  })

  test('a listing by id, with amounts as bigints and checksummed addresses', async () => {
    const listing = await getListing(db, 3n)
    assert.equal(listing?.minPrice, price(rows[2]!))
    assert.equal(listing?.seller, '0x74DCf4DeA994cF2b8Cc104aea5B40C41fde6DBb3')
    assert.equal(listing?.requiresAcceptance, false)
    assert.equal(await getListing(db, 10_000n), undefined)
  })

  test('bad parameters name their field', async () => {
    const field = (p: SearchListingsParameters, name: string) =>
      assert.rejects(searchListings(db, p), (e: unknown) => e instanceof QueryParameterError && e.field === name)
    await field({ limit: 0 }, 'limit')
    await field({ limit: 101 }, 'limit')
    await field({ category: -1 }, 'category')
    await field({ seller: '0x12' }, 'seller')
    await field({ minPrice: -1n }, 'minPrice')
    await field({ sort: 'cheapest' as never }, 'sort')
    await field({ text: 'a b c d e f g h i' }, 'text')
    const page = await searchListings(db, { limit: 2 })
    await assert.rejects(searchListings(db, { cursor: page.nextCursor!, sort: 'price_asc' }), InvalidCursorError)
    await assert.rejects(searchListings(db, { cursor: 'not a cursor!' }), InvalidCursorError)
    await assert.rejects(searchListings(db, { cursor: Buffer.from('{"k":"listings:newest","v":["1; drop"]}').toString('base64url') }), InvalidCursorError)
  })
})
