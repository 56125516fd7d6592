/**
 * Confidential computing (SPEC.md section 5): the enclave runtime's status — simulated or
 * hardware, and the attestation policy, said plainly —, approved measurements and anchored
 * job records read from the EnclaveRegistry, and jobs run on this node.
 *
 * Who may start a job: a key of the local organisation that owns every key the job releases
 * (its datasets, its pseudonym key, its audience list). A node releases an organisation's
 * keys only at that organisation's signed request; jobs across organisations are bought as
 * trades. Results come back signed by the enclave and anchored on chain; raw data never.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { ApiForbiddenError, ApiNotFoundError, ApiUnavailableError, ApiValidationError } from '../../errors/api.ts'
import { UsageError } from '../../errors/node.ts'
import { jobOf, measurementOf } from '../../sdk/enclaves.ts'
import type { ComputeService, JobSpec } from '../../tee/ComputeService.ts'
import { JobTrades, type JobOffer } from '../../tee/jobTrades.ts'
import { bytesToHex } from 'viem'
import { Bytes32Schema, TradeIdSchema } from '../schemas/common.ts'
import { errors, jsonBody, jsonResponse, signedErrors, signedSecurity } from '../schemas/openapi.ts'
import type { RegisterRoutes } from './context.ts'

const Name = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dot, dash or underscore')
const Bytes32Param = (name: string) => z.object({ [name]: Bytes32Schema.openapi({ param: { name, in: 'path' }, type: 'string' }) })

const JobSpecSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('RfmTags'), owner: Name, dataset: Name, referenceTime: z.number().int().min(0).optional() }).strict(),
    z.object({ kind: z.literal('TagAuthenticity'), owner: Name, dataset: Name, claimed: z.object({ version: z.literal(1), referenceTime: z.number(), customers: z.array(z.record(z.string(), z.unknown())).max(100_000) }).passthrough() }).strict(),
    z.object({ kind: z.literal('AudienceOverlap'), owner: Name, dataset: Name, buyer: Name, audience: Name, minGroupSize: z.number().int().min(2).max(1_000_000), groupBy: z.enum(['segment', 'category']) }).strict(),
    z.object({
      kind: z.literal('ForecastTraining'),
      datasets: z.array(z.object({ owner: Name, dataset: Name, member: Name }).strict()).min(1).max(64),
      groupBy: z.enum(['country', 'all']),
      modelName: Name,
      holdoutDays: z.number().int().min(7).max(365).optional(),
    }).strict(),
    z.object({ kind: z.literal('ForecastPrediction'), modelName: Name, member: z.string().min(1).max(128), horizon: z.number().int().min(1).max(366) }).strict(),
  ])
  .openapi('EnclaveJobSpec')

const StatusSchema = z
  .object({
    platform: z.string(),
    simulated: z.boolean(),
    policy: z.string(),
    warning: z.string().optional(),
    measurement: z.string(),
    measurementId: z.string(),
    approvedFor: z.array(z.string()),
  })
  .openapi('TeeStatus')

const JobResultSchema = z
  .object({
    jobId: z.string(),
    kind: z.string(),
    measurement: z.string(),
    measurementId: z.string(),
    inputCommitment: z.string(),
    resultHash: z.string(),
    enclaveAddress: z.string(),
    signature: z.string(),
    transactionHash: z.string(),
    simulated: z.boolean(),
    policy: z.string(),
    stagesMs: z.record(z.string(), z.number()),
    result: z.unknown(),
  })
  .openapi('EnclaveJobResult')

/** The organisations whose keys a job releases. */
function ownersOf(spec: JobSpec): string[] {
  switch (spec.kind) {
    case 'RfmTags':
    case 'TagAuthenticity':
      return [spec.owner]
    case 'AudienceOverlap':
      return [spec.owner, spec.buyer]
    case 'ForecastTraining':
      return spec.datasets.map((d) => d.owner)
    case 'ForecastPrediction':
      return []
  }
}

const OfferRequestSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('RfmTags'), dataset: Name }).strict(),
    z.object({ kind: z.literal('AudienceOverlap'), dataset: Name, minGroupSize: z.number().int().min(2).max(1_000_000), groupBy: z.enum(['segment', 'category']) }).strict(),
    z.object({ kind: z.literal('ForecastPrediction'), modelName: Name, modelHash: Bytes32Schema, maxHorizon: z.number().int().min(1).max(366) }).strict(),
  ])
  .openapi('JobOfferRequest')

const BuyerInputSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('RfmTags') }).strict(),
    z.object({ kind: z.literal('AudienceOverlap'), audience: Name }).strict(),
    z.object({ kind: z.literal('ForecastPrediction'), member: z.string().min(1).max(128), horizon: z.number().int().min(1).max(366) }).strict(),
  ])
  .openapi('JobTradeInput')

export const teeRoutes: RegisterRoutes = (app, { deps, auth }) => {
  const compute = (): ComputeService => {
    if (!deps.compute) throw new ApiUnavailableError({ reason: 'tee' })
    return deps.compute
  }
  let jobTrades: JobTrades | undefined
  const trades = (): JobTrades => (jobTrades ??= new JobTrades({ compute: compute(), client: deps.client }))
  const usage = async <T>(fn: () => Promise<T> | T): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      if (error instanceof UsageError) throw new ApiValidationError({ field: 'body', reason: error.shortMessage })
      throw error
    }
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tee/status',
      tags: ['tee'],
      summary: 'The enclave runtime: platform, simulated or not, attestation policy, measurement and its on-chain approval',
      responses: { 200: jsonResponse(StatusSchema, 'Status'), ...errors(503) },
    }),
    async (c) => c.json(await compute().status(), 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tee/measurements/{measurementId}',
      tags: ['tee'],
      summary: 'A measurement as governance and supervisors left it on chain (EnclaveRegistry)',
      request: { params: Bytes32Param('measurementId') },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()).openapi('EnclaveMeasurement'), 'The record'), ...errors(400, 404) },
    }),
    async (c) => {
      const { measurementId } = c.req.valid('param') as { measurementId: `0x${string}` }
      const record = await measurementOf(deps.client, measurementId)
      if (record.status === 'None') throw new ApiNotFoundError({ resource: 'measurement', id: measurementId })
      return c.json({ measurementId, ...record }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tee/jobs/{jobId}',
      tags: ['tee'],
      summary: 'An anchored job: result hash, measurement, input commitment, enclave key (EnclaveRegistry)',
      request: { params: Bytes32Param('jobId') },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()).openapi('EnclaveJobRecord'), 'The record'), ...errors(400, 404) },
    }),
    async (c) => {
      const { jobId } = c.req.valid('param') as { jobId: `0x${string}` }
      const record = await jobOf(deps.client, jobId)
      if (record.recordedAt === 0) throw new ApiNotFoundError({ resource: 'job', id: jobId })
      return c.json({ jobId, ...record }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tee/jobs',
      tags: ['tee'],
      summary: "Run a job in the attested enclave on the signer's organisation's data; the result is signed and anchored",
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      request: { body: jsonBody(JobSpecSchema) },
      responses: { 200: jsonResponse(JobResultSchema, 'The signed, anchored result'), ...errors(...signedErrors, 404, 409, 422, 503) },
    }),
    async (c) => {
      const spec = c.req.valid('json') as JobSpec
      const service = compute()
      const { signer, key } = c.get('auth')
      if (!key) throw new ApiForbiddenError({ reason: 'not-local-key', signer })
      const foreign = ownersOf(spec).filter((o) => o !== key.org)
      if (foreign.length > 0) {
        throw new ApiForbiddenError({ reason: 'not-owner', signer, details: `the job releases keys of ${[...new Set(foreign)].join(', ')}, not of the signer's organisation ${key.org}; jobs across organisations are bought as trades` })
      }
      let outcome
      try {
        outcome = await service.run(spec)
      } catch (error) {
        if (error instanceof UsageError) throw new ApiValidationError({ field: 'body', reason: error.shortMessage })
        throw error
      }
      const { result } = outcome
      const status = await service.status()
      return c.json(
        {
          jobId: result.jobId, kind: result.kind, measurement: result.measurement, measurementId: result.measurementId, inputCommitment: result.inputCommitment,
          resultHash: result.resultHash, enclaveAddress: result.enclaveAddress, signature: result.signature, transactionHash: outcome.transactionHash,
          simulated: status.simulated, policy: status.policy, stagesMs: outcome.stagesMs, result: outcome.value,
        },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tee/offers',
      tags: ['tee'],
      summary: "Publish a job offer on the signer's organisation's data; list its content hash in the data-services category to sell the job as a trade",
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      request: { body: jsonBody(OfferRequestSchema) },
      responses: { 200: jsonResponse(z.object({ contentHash: z.string(), offer: z.record(z.string(), z.unknown()) }).openapi('JobOffer'), 'The offer and the content hash to list'), ...errors(...signedErrors, 503) },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const { signer, key } = c.get('auth')
      if (!key) throw new ApiForbiddenError({ reason: 'not-local-key', signer })
      const { measurementId } = await compute().status()
      const jobs = trades()
      const offer: JobOffer = await usage(() =>
        body.kind === 'ForecastPrediction'
          ? { version: 1, kind: body.kind, modelName: body.modelName, modelHash: body.modelHash as `0x${string}`, measurementId, maxHorizon: body.maxHorizon }
          : body.kind === 'RfmTags'
            ? { version: 1, kind: body.kind, datasetHash: jobs.datasetHash(key.org, body.dataset), measurementId }
            : { version: 1, kind: body.kind, datasetHash: jobs.datasetHash(key.org, body.dataset), measurementId, minGroupSize: body.minGroupSize, groupBy: body.groupBy },
      )
      const contentHash = jobs.publish({ owner: key.org, dataset: 'dataset' in body ? body.dataset : undefined, offer })
      return c.json({ contentHash, offer: offer as unknown as Record<string, unknown> }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tee/offers/{contentHash}',
      tags: ['tee'],
      summary: 'A job offer this node holds: what a job listing with this content hash sells (anyone; buyers check it before ordering)',
      request: { params: Bytes32Param('contentHash') },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()).openapi('JobOfferDocument'), 'The offer'), ...errors(400, 404, 503) },
    }),
    async (c) => {
      const { contentHash } = c.req.valid('param') as { contentHash: `0x${string}` }
      const stored = trades().offer(contentHash)
      if (!stored) throw new ApiNotFoundError({ resource: 'job offer', id: contentHash })
      return c.json(stored.offer as unknown as Record<string, unknown>, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tee/trades/{tradeId}/job',
      tags: ['tee'],
      summary: "The buyer of an accepted job trade has it run; the result is sealed to the buyer organisation's encryption key, anchored, and the delivery confirmed",
      security: signedSecurity,
      middleware: [auth.signed()] as const,
      request: { params: z.object({ tradeId: TradeIdSchema.openapi({ param: { name: 'tradeId', in: 'path' }, type: 'string' }) }), body: jsonBody(BuyerInputSchema) },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()).openapi('JobDelivery'), 'The sealed result and its anchor'), ...errors(...signedErrors, 404, 409, 422, 503) },
    }),
    async (c) => {
      const tradeId = BigInt(c.req.valid('param').tradeId)
      const input = c.req.valid('json')
      const { signer, key } = c.get('auth')
      if (!key) throw new ApiForbiddenError({ reason: 'not-local-key', signer })
      if (!deps.storage) throw new ApiUnavailableError({ reason: 'storage' })
      const { trade } = await deps.client.trade(tradeId)
      if (trade.buyer.toLowerCase() !== signer.toLowerCase()) throw new ApiForbiddenError({ reason: 'not-owner', signer, details: `trade ${tradeId} was bought by ${trade.buyer}` })
      const outcome = await usage(() =>
        trades().fulfil({
          tradeId,
          input: input.kind === 'AudienceOverlap' ? { kind: input.kind, buyerOrg: key.org, audience: input.audience } : input,
          storageKey: deps.storage!.actor.account,
        }),
      )
      const sealed = outcome.result.sealedResult!
      return c.json(
        {
          tradeId: tradeId.toString(), jobId: outcome.result.jobId, measurementId: outcome.result.measurementId, resultHash: outcome.result.resultHash,
          transactionHash: outcome.transactionHash,
          sealedResult: { ephemeralPublicKey: bytesToHex(sealed.ephemeralPublicKey), iv: bytesToHex(sealed.iv), ciphertext: bytesToHex(sealed.ciphertext), tag: bytesToHex(sealed.tag) },
        },
        200,
      )
    },
  )
}
