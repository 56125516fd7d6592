/**
 * The storage provider over HTTP (trade step 4, "Deliver"), thin wrappers of src/storage:
 * - POST /v1/uploads: a seller streams an asset in (never buffered); it is stored encrypted
 *   under its SHA-256, which the request signs in `x-bourse-body-sha256` and the store checks;
 *   the id is the content hash to list.
 * - POST /v1/downloads: the buyer's signed download request (src/storage/downloadRequest.ts;
 *   it is its own authentication) in, the delivery stream out (asset key wrapped to the
 *   buyer's key); the provider confirms the download on chain once the stream is read to its end.
 */
import { Readable } from 'node:stream'
import { createRoute, z } from '@hono/zod-openapi'
import type { Hex } from 'viem'
import { ApiUnavailableError } from '../../errors/api.ts'
import { parseDownloadRequest } from '../../storage/index.ts'
import { boundedBody } from '../middleware/readBody.ts'
import { errors, jsonBody, jsonResponse, signedErrors, signedSecurity } from '../schemas/openapi.ts'
import type { RegisterRoutes } from './context.ts'
import { authHeaders } from '../auth/apiRequest.ts'

const UploadedSchema = z
  .object({
    contentHash: z.string().openapi({ description: 'SHA-256 of the asset: pass it as contentHash to POST /v1/listings' }),
    size: z.number(),
    created: z.boolean().openapi({ description: 'false when the same content was already stored' }),
    storageProvider: z.string().openapi({ description: "This node's storage key, to name in the listing" }),
  })
  .openapi('Upload')

const DownloadRequestSchema = z
  .object({
    tradeId: z.string().regex(/^(0|[1-9][0-9]{0,77}|0x[0-9a-fA-F]{1,64})$/, 'must be a trade id (decimal or 0x hex)'),
    token: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 32 bytes of 0x hex'),
    buyer: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be an address'),
    issuedAt: z.number().int().min(0),
    nonce: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 32 bytes of 0x hex'),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'must be 65 bytes of 0x hex'),
  })
  .strict()
  .openapi('DownloadRequest', { description: 'EIP-712 DownloadRequest signed by the buyer key (domain databourse-storage/1/chainId/marketplace)' })

async function* nothing(): AsyncGenerator<Uint8Array> {}

export const storageRoutes: RegisterRoutes = (app, { deps, auth, tracker, options }) => {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/uploads',
      tags: ['storage'],
      summary: `Upload an asset (Seller key; streamed; sign ${authHeaders.bodySha256})`,
      security: signedSecurity,
      middleware: [auth.signed({ role: 'Seller', streamed: true })] as const,
      request: {
        headers: z.object({ [authHeaders.bodySha256]: z.string().openapi({ description: 'SHA-256 of the body, 0x hex; signed as the bodyHash' }) }),
        body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } } },
      },
      responses: { 201: jsonResponse(UploadedSchema, 'Stored (encrypted at rest)'), ...errors(...signedErrors, 422, 503) },
    }),
    async (c) => {
      const storage = deps.storage
      if (!storage) throw new ApiUnavailableError({ reason: 'storage' })
      const expected = c.req.header(authHeaders.bodySha256)!.toLowerCase() as Hex
      const source = c.req.raw.body ?? nothing()
      const r = await storage.upload(source as AsyncIterable<Uint8Array>, { expectedContentHash: expected, signal: c.req.raw.signal })
      c.get('log').info({ contentHash: r.id, size: r.size, created: r.created }, 'asset uploaded')
      return c.json({ contentHash: r.id, size: r.size, created: r.created, storageProvider: storage.address }, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/downloads',
      tags: ['storage'],
      summary: "Download a bought asset with the buyer's signed download request",
      middleware: [boundedBody(options.jsonBodyLimit)] as const,
      request: { body: jsonBody(DownloadRequestSchema) },
      responses: {
        200: { description: 'The delivery stream (blob format; decrypt with receiveAsset)', content: { 'application/octet-stream': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } } },
        ...errors(400, 401, 403, 404, 409, 410, 413, 415, 503),
      },
    }),
    async (c) => {
      const storage = deps.storage
      if (!storage) throw new ApiUnavailableError({ reason: 'storage' })
      const request = parseDownloadRequest(c.req.valid('json'))
      const session = await storage.download(request, { signal: c.req.raw.signal })
      // The download is in flight until its stream closes: a graceful shutdown waits for it.
      tracker.enter()
      session.body.once('close', () => tracker.leave())
      c.get('log').info({ tradeId: session.tradeId.toString(), bytes: session.byteLength }, 'download started')
      c.header('content-type', 'application/octet-stream')
      c.header('content-length', String(session.byteLength))
      c.header('cache-control', 'no-store')
      return c.body(Readable.toWeb(session.body) as ReadableStream<Uint8Array>, 200)
    },
  )
}
