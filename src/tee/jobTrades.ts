/**
 * Buying a job is a trade like buying data (issue 6; SPEC.md sections 2 and 5): the whole
 * Marketplace protocol — dynamic price, deposits, acceptance, delivery confirmation, the
 * buyer's verdict, disputes and arbitration — applies unchanged to a listing that offers a job.
 *
 * - The seller publishes a **job offer** and lists it in the data-services category: the
 *   listing's content hash commits to the offer document (SHA-256 of its canonical JSON:
 *   kind, the dataset's plaintext hash, the measurement that will run it, its parameters).
 * - The buyer orders the listing as any other.
 * - Once the trade is accepted, the seller's node runs the job with the buyer's input (its
 *   audience list, or which series and horizon to forecast) under job id
 *   `keccak256(abi.encode(marketplace, tradeId))`; the result is encrypted inside the enclave
 *   to the buyer organisation's published encryption key and anchored in the EnclaveRegistry;
 *   the listing's storage provider confirms the delivery on chain.
 * - The buyer decrypts the result, checks it against the anchor and the offer
 *   ({@link verifyJobDelivery}), and confirms OK — or disputes ("not as described") with the
 *   anchored record as evidence.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { encodeAbiParameters, getAddress, keccak256, type Account, type Address, type Hex } from 'viem'
import { UsageError } from '../errors/node.ts'
import { canonicalJson, type CanonicalValue } from '../identity/canonicalJson.ts'
import { eciesDecrypt } from '../identity/ecies.ts'
import type { BourseClient } from '../sdk/BourseClient.ts'
import { jobOf, type JobRecord } from '../sdk/enclaves.ts'
import { encryptionKeyOf } from '../sdk/supervision.ts'
import { TradeState } from '../sdk/trade.ts'
import type { ComputeService, JobSpec } from './ComputeService.ts'
import type { EnclaveJobOutcome } from './runEnclaveJob.ts'

/** The deployment's data-services category (src/chain/deploy.ts `defaultCategories`). */
export const JOB_CATEGORY = 4

/** What a job listing sells; the dataset is named by its plaintext hash, the code by its measurement. */
export type JobOffer =
  | { version: 1; kind: 'RfmTags'; datasetHash: Hex; measurementId: Hex }
  | { version: 1; kind: 'AudienceOverlap'; datasetHash: Hex; measurementId: Hex; minGroupSize: number; groupBy: 'segment' | 'category' }
  | { version: 1; kind: 'ForecastPrediction'; modelName: string; modelHash: Hex; measurementId: Hex; maxHorizon: number }

/** What the buyer brings to the job. */
export type BuyerInput =
  | { kind: 'RfmTags' }
  | { kind: 'AudienceOverlap'; buyerOrg: string; audience: string }
  | { kind: 'ForecastPrediction'; member: string; horizon: number }

/** The listing's content hash for an offer: SHA-256 of its canonical JSON. */
export function offerHash(offer: JobOffer): Hex {
  return `0x${createHash('sha256').update(canonicalJson(offer as unknown as CanonicalValue)).digest('hex')}`
}

/** The EnclaveRegistry job id of a trade's job. */
export function tradeJobId(marketplace: Address, tradeId: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [marketplace, tradeId]))
}

/**
 * The seller's side: offers kept by the node (`<dataDir>/tee/offers/<hash>.json`) and jobs run
 * for accepted trades.
 */
export class JobTrades {
  readonly #compute: ComputeService
  readonly #client: BourseClient
  readonly #dir: string

  constructor(p: { compute: ComputeService; client: BourseClient }) {
    this.#compute = p.compute
    this.#client = p.client
    this.#dir = join(p.compute.teeDir, 'offers')
  }

  /** The plaintext hash of an owner's dataset (from its encrypted file's header; no key needed). */
  datasetHash(owner: string, dataset: string): Hex {
    return this.#compute.owner(owner).data.datasetHash(dataset)
  }

  /** Stores an offer with the owner and dataset it is about; returns the content hash to list. */
  publish(p: { owner: string; dataset?: string; offer: JobOffer }): Hex {
    const hash = offerHash(p.offer)
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 })
    writeFileSync(join(this.#dir, `${hash}.json`), JSON.stringify({ owner: p.owner, dataset: p.dataset, offer: p.offer }, null, 2))
    return hash
  }

  offer(contentHash: Hex): { owner: string; dataset?: string; offer: JobOffer } | undefined {
    const path = join(this.#dir, `${contentHash.toLowerCase()}.json`)
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { owner: string; dataset?: string; offer: JobOffer }) : undefined
  }

  /**
   * Runs the job of an accepted trade, sealed to the buyer, anchored under the trade's job
   * id; then the listing's storage provider confirms delivery.
   *
   * @throws {UsageError} not a job listing of this node, wrong state, input not fitting the offer
   */
  async fulfil(p: { tradeId: bigint; input: BuyerInput; storageKey: Account }): Promise<EnclaveJobOutcome> {
    const { trade } = await this.#client.trade(p.tradeId)
    if (trade.category !== JOB_CATEGORY) throw new UsageError(`trade ${p.tradeId} is not a job trade (category ${trade.category}, jobs are ${JOB_CATEGORY})`)
    if (trade.state !== TradeState.Accepted) throw new UsageError(`trade ${p.tradeId} is not accepted (state ${trade.state}); a job runs after acceptance`)
    if (getAddress(trade.storageProvider) !== getAddress(p.storageKey.address)) throw new UsageError(`trade ${p.tradeId} is delivered by storage provider ${trade.storageProvider}, not ${p.storageKey.address}`)
    const listing = await this.#client.listing(trade.listingId)
    const stored = this.offer(listing.contentHash)
    if (!stored) throw new UsageError(`listing ${trade.listingId} offers nothing this node holds (content ${listing.contentHash})`)
    const { offer, owner, dataset } = stored
    if (offer.kind !== p.input.kind) throw new UsageError(`the offer is a ${offer.kind} job, the input is for ${p.input.kind}`)
    const status = await this.#compute.status()
    if (status.measurementId !== offer.measurementId) throw new UsageError(`the offer promises measurement ${offer.measurementId}; this node runs ${status.measurementId}`)
    let spec: JobSpec
    if (offer.kind === 'RfmTags') spec = { kind: 'RfmTags', owner, dataset: dataset! }
    else if (offer.kind === 'AudienceOverlap') {
      const input = p.input as Extract<BuyerInput, { kind: 'AudienceOverlap' }>
      spec = { kind: 'AudienceOverlap', owner, dataset: dataset!, buyer: input.buyerOrg, audience: input.audience, minGroupSize: offer.minGroupSize, groupBy: offer.groupBy }
    } else {
      const input = p.input as Extract<BuyerInput, { kind: 'ForecastPrediction' }>
      if (input.horizon > offer.maxHorizon) throw new UsageError(`the offer forecasts at most ${offer.maxHorizon} days, not ${input.horizon}`)
      spec = { kind: 'ForecastPrediction', modelName: offer.modelName, member: input.member, horizon: input.horizon }
    }
    if (offer.kind !== 'ForecastPrediction' && this.datasetHash(owner, dataset!) !== offer.datasetHash) throw new UsageError('the dataset changed since the offer was listed')
    const { org: buyerOrg } = await this.#client.keyInfo(trade.buyer)
    const buyerKey = await encryptionKeyOf(this.#client, buyerOrg)
    if (!buyerKey) throw new UsageError(`the buyer organisation ${buyerOrg} has published no encryption key to seal the result to`)
    const outcome = await this.#compute.run(spec, { jobId: tradeJobId(this.#client.deployment.marketplace, p.tradeId), recipientPublicKey: buyerKey })
    await this.#client.as(p.storageKey).confirmDownload(trade)
    return outcome
  }
}

export interface VerifiedDelivery {
  result: unknown
  record: JobRecord
}

/**
 * The buyer's side: opens the sealed result with its organisation's encryption key and checks
 * it is the one anchored for this trade, by the measurement the offer promised.
 *
 * @throws {UsageError} naming what does not match (then confirm "not as described")
 */
export async function verifyJobDelivery(p: {
  client: BourseClient
  tradeId: bigint
  offer: JobOffer
  sealedResult: NonNullable<EnclaveJobOutcome['result']['sealedResult']>
  buyerEncryptionKey: Uint8Array
}): Promise<VerifiedDelivery> {
  const { trade } = await p.client.trade(p.tradeId)
  const listing = await p.client.listing(trade.listingId)
  if (listing.contentHash.toLowerCase() !== offerHash(p.offer)) throw new UsageError('the offer does not hash to the listing\'s content hash')
  const record = await jobOf(p.client, tradeJobId(p.client.deployment.marketplace, p.tradeId))
  if (record.recordedAt === 0) throw new UsageError(`no job is anchored for trade ${p.tradeId}`)
  if (record.measurementId !== p.offer.measurementId) throw new UsageError(`the job ran under measurement ${record.measurementId}, the offer promised ${p.offer.measurementId}`)
  const bytes = eciesDecrypt(p.buyerEncryptionKey, p.sealedResult)
  if (!bytes) throw new UsageError('the result does not open with this organisation\'s encryption key')
  const hash = `0x${createHash('sha256').update(bytes).digest('hex')}`
  if (hash !== record.resultHash) throw new UsageError(`the result hashes to ${hash}, the chain anchored ${record.resultHash}`)
  return { result: JSON.parse(new TextDecoder().decode(bytes)) as unknown, record }
}
