/**
 * Ownership challenge-response (SPEC.md section 2.2) through the node:
 * 1. POST /v1/listings/{listingId}/challenges — a buyer (any signed key) gets a fresh challenge;
 * 2. POST /v1/challenges/{challenge}/response — the listing's seller (its local Seller key)
 *    has the node sign it;
 * 3. POST /v1/challenges/{challenge}/verification — the requester checks the answer with the
 *    Marketplace contract's `verifyOwnership`; a challenge is verified once.
 * And, for a challenge made and answered anywhere else (e.g. `bourse challenge create` and
 * `respond`, which sign locally): GET /v1/listings/{listingId}/ownership?challenge=…&signature=…
 * asks the contract whether the listing's seller signed it (anyone; nothing is stored).
 */
import { createRoute, z } from '@hono/zod-openapi'
import type { Hex } from 'viem'
import { ApiConflictError, ApiForbiddenError } from '../../errors/api.ts'
import { signOwnershipProof } from '../../identity/signing.ts'
import { Bytes32Schema, ListingIdSchema } from '../schemas/common.ts'
import { errors, jsonResponse, signedErrors, signedSecurity } from '../schemas/openapi.ts'
import type { RegisterRoutes } from './context.ts'

const ChallengeSchema = z
  .object({
    challenge: z.string(),
    listingId: z.string(),
    requester: z.string(),
    expiresAt: z.number(),
    signature: z.string().nullable(),
  })
  .openapi('Challenge')

const VerificationSchema = z
  .object({ challenge: z.string(), listingId: z.string(), seller: z.string(), owner: z.boolean().openapi({ description: "true: the listing's seller key signed this challenge" }) })
  .openapi('ChallengeVerification')

const ChallengeParams = z.object({ challenge: Bytes32Schema.openapi({ param: { name: 'challenge', in: 'path' }, type: 'string' }) })
const ListingParams = z.object({ listingId: ListingIdSchema.openapi({ param: { name: 'listingId', in: 'path' }, type: 'string', example: '1' }) })

const OwnershipQuery = z.object({
  challenge: Bytes32Schema,
  signature: z
    .string()
    .regex(/^0x([0-9a-fA-F]{2}){1,1024}$/, 'must be the signature as 0x hex (whole bytes)')
    .transform((v) => v as Hex)
    .openapi({ type: 'string', example: `0x${'ab'.repeat(65)}` }),
})

const OwnershipSchema = z
  .object({ listingId: z.string(), challenge: z.string(), owner: z.boolean().openapi({ description: "true: the listing's seller key signed this challenge (false also for an unknown listing)" }) })
  .openapi('OwnershipCheck')

const show = (c: { challenge: string; listingId: bigint; requester: string; expiresAt: number; signature: string | undefined }) => ({
  challenge: c.challenge,
  listingId: c.listingId.toString(),
  requester: c.requester,
  expiresAt: c.expiresAt,
  signature: c.signature ?? null,
})

export const challengeRoutes: RegisterRoutes = (app, { deps, auth, challenges }) => {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/listings/{listingId}/ownership',
      tags: ['listings'],
      summary: "Check a signed ownership challenge against the listing's seller on chain (`verifyOwnership`; anyone)",
      request: { params: ListingParams, query: OwnershipQuery },
      responses: { 200: jsonResponse(OwnershipSchema, "Whether the listing's seller signed the challenge"), ...errors(400) },
    }),
    async (c) => {
      const { listingId } = c.req.valid('param')
      const { challenge, signature } = c.req.valid('query')
      const owner = await deps.client.verifyOwnership(listingId, challenge, signature)
      return c.json({ listingId: listingId.toString(), challenge, owner }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/listings/{listingId}/challenges',
      tags: ['listings'],
      summary: "Create an ownership challenge on a listing (any member's signed request)",
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      request: { params: ListingParams },
      responses: { 201: jsonResponse(ChallengeSchema, 'A fresh challenge for the seller to sign'), ...errors(...signedErrors, 404) },
    }),
    async (c) => {
      const { listingId } = c.req.valid('param')
      await deps.client.listing(listingId) // 404 for an unknown listing
      return c.json(show(challenges.create(listingId, c.get('auth').signer)), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/challenges/{challenge}/response',
      tags: ['listings'],
      summary: "Answer a challenge: the node signs it with the listing seller's local key (signed by that key)",
      security: signedSecurity,
      middleware: [auth.signed({ role: 'Seller' })] as const,
      request: { params: ChallengeParams },
      responses: { 200: jsonResponse(ChallengeSchema, 'The challenge with its signature'), ...errors(...signedErrors, 404, 409) },
    }),
    async (c) => {
      const entry = challenges.get(c.req.valid('param').challenge)
      const { signer, key } = c.get('auth')
      const listing = await deps.client.listing(entry.listingId)
      if (listing.seller.toLowerCase() !== signer.toLowerCase()) {
        throw new ApiForbiddenError({ reason: 'not-owner', signer, details: `listing ${entry.listingId} is sold by ${listing.seller}` })
      }
      if (entry.signature) throw new ApiConflictError({ message: 'The challenge was already answered.' })
      const { chainId, marketplace } = deps.client.deployment
      entry.signature = await signOwnershipProof({ account: key!.account as never, chainId, marketplace, listingId: entry.listingId, challenge: entry.challenge })
      return c.json(show(entry), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/challenges/{challenge}/verification',
      tags: ['listings'],
      summary: 'Verify the answer on chain (the requester; once)',
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      request: { params: ChallengeParams },
      responses: { 200: jsonResponse(VerificationSchema, 'Whether the listing seller signed the challenge'), ...errors(...signedErrors, 404, 409) },
    }),
    async (c) => {
      const entry = challenges.get(c.req.valid('param').challenge)
      const { signer } = c.get('auth')
      if (entry.requester.toLowerCase() !== signer.toLowerCase()) throw new ApiForbiddenError({ reason: 'not-owner', signer, details: 'only the key that created the challenge verifies it' })
      if (!entry.signature) throw new ApiConflictError({ message: 'The seller has not answered the challenge yet.' })
      const [owner, listing] = await Promise.all([deps.client.verifyOwnership(entry.listingId, entry.challenge, entry.signature), deps.client.listing(entry.listingId)])
      challenges.close(entry.challenge)
      return c.json({ challenge: entry.challenge, listingId: entry.listingId.toString(), seller: listing.seller, owner }, 200)
    },
  )
}
