/**
 * Supervision (SPEC.md section 4): records, their verification and proofs, channel audits,
 * consistency proofs between anchored heads, and the supervisor's view of its channels.
 *
 * What anyone may read: a record's public fields, its verification, its proof bundle (the
 * private part only as ciphertext), a channel's audit and proofs, the committed roots. What
 * only a channel member may read (a signed request by any key of a member organisation):
 * the envelope — the private ciphertext with the record key and the channel key wrapped to
 * that organisation — which the member decrypts with its own encryption key. The node
 * never decrypts for anyone.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { bytesToHex, getAddress, hexToBytes, type Address, type Hex } from 'viem'
import { ApiConflictError, ApiForbiddenError, ApiNotFoundError, ApiUnavailableError, ApiValidationError } from '../../errors/api.ts'
import { LINKS } from '../../supervision/links.ts'
import { consistencyProof } from '../../supervision/merkle/index.ts'
import type { StoredRecord } from '../../supervision/record.ts'
import type { SupervisionService } from '../../supervision/SupervisionService.ts'
import { channelIdText } from '../../supervision/tradeContext.ts'
import { AddressSchema, TradeIdSchema } from '../schemas/common.ts'
import { errors, jsonResponse, signedErrors, signedSecurity } from '../schemas/openapi.ts'
import type { RegisterRoutes } from './context.ts'

const RecordIdSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a record id (0x and 64 hex digits)').transform((v) => v.toLowerCase() as Hex)
const RecordParams = z.object({ recordId: RecordIdSchema.openapi({ param: { name: 'recordId', in: 'path' }, type: 'string' }) })
const ChannelParams = z.object({ channelId: TradeIdSchema.openapi({ param: { name: 'channelId', in: 'path' }, type: 'string' }) })
const Size = z.string().regex(/^[0-9]{1,9}$/, 'must be a non-negative integer').transform(Number)
const UnixTime = z.string().regex(/^[0-9]{1,12}$/, 'must be unix seconds').transform(Number)

const PublicRecordSchema = z
  .object({
    recordId: z.string(),
    channelId: z.string(),
    seq: z.number(),
    link: z.enum(LINKS),
    publicFields: z.record(z.string(), z.unknown()),
    createdAt: z.number(),
  })
  .openapi('SupervisionRecord')

const EnvelopeSchema = z
  .object({
    recordId: z.string(),
    channelId: z.string(),
    org: z.string().openapi({ description: 'The member organisation the keys are wrapped to' }),
    privateCiphertext: z.string(),
    wrappedRecordKey: z.string(),
    wrappedChannelKey: z.string(),
    producerKey: z.string().openapi({ description: "The producer's encryption public key (the other half of the ECDH)" }),
  })
  .openapi('SupervisionEnvelope')

const CheckSchema = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })
const VerificationSchema = z
  .object({
    recordId: z.string(),
    ok: z.boolean(),
    status: z.enum(['verified', 'tampered', 'not-anchored', 'not-found']),
    channelId: z.string().nullable(),
    seq: z.number().nullable(),
    link: z.string().nullable(),
    checks: z.array(CheckSchema),
    problems: z.array(z.string()),
  })
  .openapi('SupervisionVerification')

const AuditSchema = z
  .object({
    channelId: z.string(),
    ok: z.boolean(),
    records: z.number(),
    logSize: z.number(),
    anchoredSize: z.number(),
    issues: z.array(z.object({ kind: z.string(), recordId: z.string().nullable(), position: z.number().nullable(), detail: z.string() })),
  })
  .openapi('SupervisionAudit')

const ChannelViewSchema = z
  .object({
    channelId: z.string(),
    kind: z.number(),
    members: z.array(z.string()),
    supervisors: z.array(z.string()),
    openedAt: z.number(),
    records: z.array(PublicRecordSchema),
  })
  .openapi('SupervisionChannel')

const publicRecord = (r: StoredRecord) => ({
  recordId: r.recordId,
  channelId: channelIdText(r.channelId),
  seq: r.seq,
  link: r.link,
  publicFields: JSON.parse(r.publicFields) as Record<string, unknown>,
  createdAt: r.createdAt,
})

export const supervisionRoutes: RegisterRoutes = (app, { deps, auth }) => {
  const service = (): SupervisionService => {
    if (!deps.supervision) throw new ApiUnavailableError({ reason: 'supervision' })
    return deps.supervision
  }
  const orgOfSigner = async (signer: Address): Promise<Address> => {
    const { org } = await auth.roles.keyInfo(signer)
    if (!org || BigInt(org) === 0n) throw new ApiForbiddenError({ reason: 'not-owner', signer, details: 'the key is bound to no member organisation' })
    return getAddress(org)
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/supervision/records/{recordId}',
      tags: ['supervision'],
      summary: "A record's public fields (anyone)",
      request: { params: RecordParams },
      responses: { 200: jsonResponse(PublicRecordSchema, 'The record, public fields only'), ...errors(400, 404, 503) },
    }),
    async (c) => {
      const record = await service().store.record(c.req.valid('param').recordId)
      if (!record) throw new ApiNotFoundError({ resource: 'record', id: c.req.valid('param').recordId })
      return c.json(publicRecord(record), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/supervision/records/{recordId}/verification',
      tags: ['supervision'],
      summary: 'Verify a record against the root committed on chain (seed 002 algorithm 3, with Merkle proofs)',
      request: { params: RecordParams },
      responses: { 200: jsonResponse(VerificationSchema, 'Pass, or exactly what does not match'), ...errors(400, 503) },
    }),
    async (c) => {
      const v = await service().verify(c.req.valid('param').recordId)
      return c.json({ ...v, channelId: v.channelId === null ? null : channelIdText(v.channelId) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/supervision/records/{recordId}/proof',
      tags: ['supervision'],
      summary: 'A self-contained proof bundle that verifies offline against the chain’s committed batch root',
      request: { params: RecordParams },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()).openapi('ProofBundle'), 'The bundle'), ...errors(400, 404, 409, 503) },
    }),
    async (c) => {
      const { recordId } = c.req.valid('param')
      const built = await service().verifier.bundle(recordId)
      if ('missing' in built) {
        if (built.missing === 'record') throw new ApiNotFoundError({ resource: 'record', id: recordId })
        throw new ApiConflictError({ message: `Record ${recordId} is not anchored on chain yet; retry after the next batch.` })
      }
      return c.json(built.bundle as unknown as Record<string, unknown>, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/supervision/records/{recordId}/envelope',
      tags: ['supervision'],
      summary: 'The encrypted private fields and the keys wrapped to the signer’s organisation (channel members only)',
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      request: { params: RecordParams },
      responses: { 200: jsonResponse(EnvelopeSchema, 'The envelope'), ...errors(...signedErrors, 404, 503) },
    }),
    async (c) => {
      const { recordId } = c.req.valid('param')
      const s = service()
      const record = await s.store.record(recordId)
      if (!record) throw new ApiNotFoundError({ resource: 'record', id: recordId })
      const signer = c.get('auth').signer
      const org = await orgOfSigner(signer)
      const channel = await s.store.channel(record.channelId)
      const inChannel = channel && [...channel.members, ...channel.supervisors].some((m) => m.toLowerCase() === org.toLowerCase())
      const key = (await s.store.channelKeys(record.channelId)).find((k) => k.org.toLowerCase() === org.toLowerCase())
      if (!inChannel || !key) throw new ApiForbiddenError({ reason: 'not-owner', signer, details: `organisation ${org} is not a member of channel ${channelIdText(record.channelId)}${inChannel ? ' with a published encryption key' : ''}` })
      return c.json({ recordId, channelId: channelIdText(record.channelId), org, privateCiphertext: record.privateCiphertext, wrappedRecordKey: record.wrappedRecordKey, wrappedChannelKey: key.wrappedKey, producerKey: key.producerKey }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/supervision/channels/{channelId}/audit',
      tags: ['supervision'],
      summary: 'Audit a channel: every tampered, missing, reordered or unanchored record, and its membership',
      request: { params: ChannelParams },
      responses: { 200: jsonResponse(AuditSchema, 'The audit'), ...errors(400, 503) },
    }),
    async (c) => {
      const { channelId } = c.req.valid('param')
      const audit = await service().audit(channelId)
      return c.json({ ...audit, channelId: channelIdText(audit.channelId) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/supervision/channels/{channelId}/consistency',
      tags: ['supervision'],
      summary: 'RFC 9162 consistency proof between two sizes of a channel’s log (anchored heads)',
      request: { params: ChannelParams, query: z.object({ from: Size, to: Size }) },
      responses: { 200: jsonResponse(z.object({ from: z.number(), to: z.number(), fromRoot: z.string(), toRoot: z.string(), proof: z.array(z.string()) }).openapi('ConsistencyProof'), 'The proof'), ...errors(400, 404, 503) },
    }),
    async (c) => {
      const { channelId } = c.req.valid('param')
      const { from, to } = c.req.valid('query')
      const s = service()
      const heads = await s.store.heads(channelId)
      const [a, b] = [heads.find((h) => h.treeSize === from), heads.find((h) => h.treeSize === to)]
      if (from > to) throw new ApiValidationError({ field: 'query.from', reason: 'must not exceed query.to' })
      if (!a || !b) throw new ApiNotFoundError({ resource: 'anchored head', id: `${!a ? from : to} of channel ${channelIdText(channelId)}` })
      const leaves = (await s.store.channelLeaves(channelId)).slice(0, to).map((l) => hexToBytes(l.leafHash))
      return c.json({ from, to, fromRoot: a.root, toRoot: b.root, proof: consistencyProof(leaves, from, to).map((p) => bytesToHex(p)) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/supervision/roots/{batch}',
      tags: ['supervision'],
      summary: 'A batch root as committed on chain (read from the chain, not the database)',
      request: { params: z.object({ batch: Size.openapi({ param: { name: 'batch', in: 'path' }, type: 'string' }) }) },
      responses: { 200: jsonResponse(z.object({ batch: z.number(), root: z.string() }).openapi('BatchRoot'), 'The root'), ...errors(400, 404, 503) },
    }),
    async (c) => {
      const { batch } = c.req.valid('param')
      const root = await service().verifier.onChainRoot(batch)
      if (!root) throw new ApiNotFoundError({ resource: 'batch', id: String(batch) })
      return c.json({ batch, root }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/supervision/rejections',
      tags: ['supervision'],
      summary: 'Records refused by the pre-chain checks, with the rule each broke (supervisors only)',
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      request: { query: z.object({ channel: TradeIdSchema.optional(), limit: z.string().regex(/^[0-9]{1,3}$/, 'must be an integer from 1 to 500').transform(Number).refine((v) => v >= 1 && v <= 500, { message: 'must be an integer from 1 to 500' }).optional() }) },
      responses: {
        200: jsonResponse(
          z.object({ rejections: z.array(z.object({ channelId: z.string(), link: z.string(), rule: z.string(), field: z.string().nullable(), reason: z.string(), source: z.string(), publicFields: z.string(), createdAt: z.number() })) }).openapi('SupervisionRejections'),
          'Newest first',
        ),
        ...errors(...signedErrors, 503),
      },
    }),
    async (c) => {
      const s = service()
      const signer = c.get('auth').signer
      if (!(await deps.client.isActive(signer, 'Supervisor'))) throw new ApiForbiddenError({ reason: 'role-inactive', signer, role: 'Supervisor' })
      const q = c.req.valid('query')
      const rows = await s.store.rejections({ channelId: q.channel, limit: q.limit ?? 100 })
      return c.json({ rejections: rows.map(({ id: _id, channelId, ...r }) => ({ ...r, channelId: channelIdText(channelId) })) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/supervision/channels',
      tags: ['supervision'],
      summary: 'The supervisor view: the channels the signer’s organisation supervises with their five links; filters by member, link and time',
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      request: {
        query: z.object({
          member: AddressSchema.optional(),
          link: z.enum(LINKS).optional(),
          from: UnixTime.optional(),
          to: UnixTime.optional(),
          limit: z.string().regex(/^[0-9]{1,3}$/, 'must be an integer from 1 to 200').transform(Number).refine((v) => v >= 1 && v <= 200, { message: 'must be an integer from 1 to 200' }).optional(),
          cursor: z.string().regex(/^[0-9]{1,12}:0x[0-9a-f]{1,64}$/, 'must be the nextCursor of the previous page').optional(),
        }),
      },
      responses: { 200: jsonResponse(z.object({ channels: z.array(ChannelViewSchema), nextCursor: z.string().nullable() }).openapi('SupervisionChannels'), 'A page of channels'), ...errors(...signedErrors, 503) },
    }),
    async (c) => {
      const s = service()
      const signer = c.get('auth').signer
      const org = await orgOfSigner(signer)
      const q = c.req.valid('query')
      const limit = q.limit ?? 50
      const [block, channelId] = q.cursor ? q.cursor.split(':') : []
      const channels = await s.store.channels({
        supervisor: org, member: q.member, link: q.link, from: q.from, to: q.to, limit,
        before: block !== undefined && channelId !== undefined ? { block: Number(block), channelId } : undefined,
      })
      const out = []
      for (const ch of channels) {
        const records = (await s.store.channelRecords(ch.channelId)).filter((r) => !q.link || r.link === q.link)
        out.push({ channelId: channelIdText(ch.channelId), kind: ch.kind, members: ch.members, supervisors: ch.supervisors, openedAt: ch.openedAt, records: records.map(publicRecord) })
      }
      const last = channels[channels.length - 1]
      return c.json({ channels: out, nextCursor: channels.length === limit && last ? `${last.openedBlock}:${channelIdText(last.channelId)}` : null }, 200)
    },
  )
}
