/**
 * Listings: search (database), one listing (database, else the chain), create (Seller key,
 * from an asset uploaded to this node or any content hash), close, and release the standing
 * deposit of a closed listing.
 */
import { createRoute, z } from '@hono/zod-openapi'
import type { Address } from 'viem'
import { getListing, listingSorts, listingStatuses, searchListings } from '../../db/index.ts'
import { ApiUnavailableError, ApiValidationError } from '../../errors/api.ts'
import { toJson } from '../json.ts'
import {
  AddressSchema,
  Bytes32Schema,
  CursorSchema,
  LimitSchema,
  ListingIdSchema,
  PositiveUint96Schema,
  QueryUint32Schema,
  TxSchema,
  Uint32Schema,
  Uint96Schema,
  Uint256Schema,
} from '../schemas/common.ts'
import { errors, jsonBody, jsonResponse, signedErrors, signedSecurity } from '../schemas/openapi.ts'
import type { RegisterRoutes } from './context.ts'

export const ListingSchema = z
  .object({
    listingId: z.string(),
    seller: z.string(),
    sellerOrg: z.string().nullable().optional(),
    category: z.number(),
    contentHash: z.string(),
    storageProvider: z.string(),
    arbitrator: z.string(),
    minPrice: z.string(),
    buyerDeposit: z.string(),
    sellerDeposit: z.string(),
    standingDeposit: z.string().optional(),
    standing: z.string(),
    quantity: z.number(),
    requiresAcceptance: z.boolean(),
    dataType: z.string().optional(),
    description: z.string().optional(),
    sampleURI: z.string().optional(),
    closed: z.boolean().optional(),
    closedAt: z.number().nullable(),
    releaseTime: z.number().nullable().optional(),
    tradeCount: z.number().optional(),
    listedAt: z.number().optional(),
    listedTx: z.string().optional(),
    source: z.enum(['database', 'chain']).openapi({ description: 'chain: read from the contract (the database has not indexed it); text fields are then absent' }),
  })
  .openapi('Listing')

const ListingPageSchema = z.object({ items: z.array(ListingSchema), nextCursor: z.string().nullable() }).openapi('ListingPage')

const SearchQuerySchema = z.object({
  category: QueryUint32Schema.optional().openapi({ type: 'string', example: '1' }),
  seller: AddressSchema.optional(),
  sellerOrg: AddressSchema.optional(),
  minPrice: Uint256Schema.optional(),
  maxPrice: Uint256Schema.optional(),
  dataType: z.string().max(256).optional().openapi({ example: 'text/csv' }),
  text: z.string().max(512).optional().openapi({ description: 'words that must each start a word of the description or data type', example: 'retail orders' }),
  status: z.enum(listingStatuses).optional(),
  sort: z.enum(listingSorts).optional(),
  limit: LimitSchema,
  cursor: CursorSchema,
})

const ListingIdParams = z.object({ listingId: ListingIdSchema.openapi({ param: { name: 'listingId', in: 'path' }, type: 'string', example: '1' }) })

const CreateListingSchema = z
  .object({
    contentHash: Bytes32Schema.openapi({ description: 'SHA-256 of the asset: the id POST /v1/uploads returned, or any commitment to an asset held elsewhere' }),
    category: Uint32Schema,
    storageProvider: AddressSchema.optional().openapi({ description: "Storage key serving the asset (default: this node's storage provider, when it holds the asset)" }),
    arbitrator: AddressSchema.openapi({ description: 'Arbitrator key of another organisation' }),
    minPrice: Uint96Schema,
    buyerDeposit: PositiveUint96Schema,
    sellerDeposit: PositiveUint96Schema,
    standingDeposit: PositiveUint96Schema.optional().openapi({ description: 'Posted now (default 5 × sellerDeposit); from the available balance, any shortfall from the token allowance' }),
    quantity: Uint32Schema.min(1),
    requiresAcceptance: z.boolean().default(false),
    dataType: z.string().min(1).max(128),
    description: z.string().max(4096).default(''),
    sampleURI: z.string().max(1024).default(''),
  })
  .strict()
  .openapi('CreateListing')

const CreatedListingSchema = z.object({ listingId: z.string(), contentHash: z.string(), storageProvider: z.string(), tx: TxSchema }).openapi('CreatedListing')

export const listingRoutes: RegisterRoutes = (app, { deps, auth }) => {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/listings',
      tags: ['listings'],
      summary: 'Search listings (filters, text, sort, cursor pagination)',
      request: { query: SearchQuerySchema },
      responses: { 200: jsonResponse(ListingPageSchema, 'One page of listings'), ...errors(400, 503) },
    }),
    async (c) => {
      if (!deps.database) throw new ApiUnavailableError({ reason: 'database' })
      const q = c.req.valid('query')
      const page = await searchListings(deps.database.db, q)
      return c.json({ items: page.items.map((l) => ({ ...toJson(l), source: 'database' as const })), nextCursor: page.nextCursor }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/listings/{listingId}',
      tags: ['listings'],
      summary: 'One listing',
      request: { params: ListingIdParams },
      responses: { 200: jsonResponse(ListingSchema, 'The listing'), ...errors(400, 404) },
    }),
    async (c) => {
      const { listingId } = c.req.valid('param')
      const indexed = deps.database ? await getListing(deps.database.db, listingId) : undefined
      if (indexed) return c.json({ ...toJson(indexed), source: 'database' as const }, 200)
      const l = await deps.client.listing(listingId)
      return c.json({ ...toJson(l), source: 'chain' as const }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/listings',
      tags: ['listings'],
      summary: 'List an asset for sale (Seller key); posts the standing deposit',
      security: signedSecurity,
      middleware: [auth.signed({ role: 'Seller', serialize: true })] as const,
      request: { body: jsonBody(CreateListingSchema) },
      responses: { 201: jsonResponse(CreatedListingSchema, 'Listed'), ...errors(...signedErrors, 404, 409) },
    }),
    async (c) => {
      const b = c.req.valid('json')
      const storage = deps.storage
      let storageProvider: Address | undefined = b.storageProvider
      if (!storageProvider) {
        if (!storage || !(await storage.store.has(b.contentHash))) {
          throw new ApiValidationError({ field: 'body.storageProvider', reason: 'is required unless the asset was uploaded to this node (POST /v1/uploads)' })
        }
        storageProvider = storage.address
      }
      const seller = deps.client.as(c.get('auth').key!.account)
      const r = await seller.list({ ...b, storageProvider, standingDeposit: b.standingDeposit ?? b.sellerDeposit * 5n })
      return c.json({ listingId: r.listingId.toString(), contentHash: b.contentHash, storageProvider, tx: { hash: r.hash, gasUsed: r.gasUsed.toString() } }, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/listings/{listingId}/close',
      tags: ['listings'],
      summary: "Close a listing to new orders (the listing's Seller key)",
      security: signedSecurity,
      middleware: [auth.signed({ role: 'Seller', serialize: true })] as const,
      request: { params: ListingIdParams },
      responses: { 200: jsonResponse(z.object({ tx: TxSchema }), 'Closed'), ...errors(...signedErrors, 404, 409) },
    }),
    async (c) => {
      const { listingId } = c.req.valid('param')
      const r = await deps.client.as(c.get('auth').key!.account).closeListing(listingId)
      return c.json({ tx: { hash: r.hash, gasUsed: r.gasUsed.toString() } }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/listings/{listingId}/release',
      tags: ['listings'],
      summary: "Release a closed listing's standing deposit to the seller's available balance, once no trade can still need it (the listing's Seller key)",
      security: signedSecurity,
      middleware: [auth.signed({ role: 'Seller', serialize: true })] as const,
      request: { params: ListingIdParams },
      responses: { 200: jsonResponse(z.object({ tx: TxSchema }), 'Released'), ...errors(...signedErrors, 404, 409) },
    }),
    async (c) => {
      const { listingId } = c.req.valid('param')
      const r = await deps.client.as(c.get('auth').key!.account).releaseStanding(listingId)
      return c.json({ tx: { hash: r.hash, gasUsed: r.gasUsed.toString() } }, 200)
    },
  )
}
