/**
 * The node's confidential-computing service (SPEC.md section 5): the enclave runtime, the
 * gateway that writes owners' datasets for enclaves, each local organisation's keys and key
 * releaser, and jobs run end to end and anchored by the node's Compute key.
 *
 * Layout under `<dataDir>/tee/`: `platform/` (simulated platform secrets, read by enclave
 * processes only), `sealed/` (enclave sealed state), `owners/<org>/` (each organisation's keys,
 * datasets and audience lists: src/tee/OwnerData.ts), `offers/` (job offers).
 *
 * The embedded default runs the simulated backend under the `embedded-development` policy and
 * says so in every status, log line and API answer; a node with `tee.policy: "production"`
 * refuses simulated evidence, so on it the simulated backend can run nothing.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Account, Hex } from 'viem'
import type { BourseClient } from '../sdk/BourseClient.ts'
import { approveMeasurement, isApproved, jobKinds, measurementIdOf, measurementOf, proposeMeasurement, type JobKind } from '../sdk/enclaves.ts'
import type { JobInputs } from './enclave/protocol.ts'
import { createSimulatedVerifier } from './evidence/simulated.ts'
import type { EvidenceVerifier, TeePlatform } from './evidence/types.ts'
import type { GatewayImportResult } from './gateway.ts'
import { buildEnclaveImage, type EnclaveImage } from './image.ts'
import { KeyReleaser } from './keyRelease.ts'
import { audienceKeyId, datasetKeyId, OwnerData } from './OwnerData.ts'
import { PSEUDONYM_KEY_ID, type OwnerKeys } from './OwnerKeys.ts'
import { embeddedDevelopmentPolicy, productionPolicy, SIMULATED_WARNING, type AttestationPolicy } from './policy.ts'
import { runEnclaveJob, type EnclaveJobOutcome, type KeyGrant } from './runEnclaveJob.ts'
import type { EnclaveRuntime } from './runtime/EnclaveRuntime.ts'
import { SimulatedEnclave } from './runtime/SimulatedEnclave.ts'

/** A job as a user asks for it: datasets and audiences by owner and name. */
export type JobSpec =
  | { kind: 'RfmTags'; owner: string; dataset: string; referenceTime?: number | undefined }
  | { kind: 'TagAuthenticity'; owner: string; dataset: string; claimed: unknown }
  | { kind: 'AudienceOverlap'; owner: string; dataset: string; buyer: string; audience: string; minGroupSize: number; groupBy: 'segment' | 'category' }
  | { kind: 'ForecastTraining'; datasets: { owner: string; dataset: string; member: string }[]; groupBy: 'country' | 'all'; modelName: string; holdoutDays?: number | undefined }
  | { kind: 'ForecastPrediction'; modelName: string; member: string; horizon: number }

export interface ComputeServiceParameters {
  dataDir: string
  client: BourseClient
  /** The Compute key that anchors job results. */
  computeKey: Account
  /** Wraps owners' keys at rest (the node's storage master key). */
  masterKey: Uint8Array
  policy: AttestationPolicy
  /** Verifiers for hardware evidence (SGX DCAP, Nitro, SEV-SNP); the simulated one is added for the runtime's platform key. */
  hardwareVerifiers?: Partial<Record<TeePlatform, EvidenceVerifier>>
  /** Default: build the image from the sources and launch the simulated backend. */
  runtime?: EnclaveRuntime
  image?: EnclaveImage
  /**
   * Accounts that may register the image's measurement when it is not approved yet (the
   * embedded node, whose operator is governance and first supervisor).
   */
  registrar?: { governance: Account; supervisorKey: Account } | undefined
  log?: (line: string) => void
}

export interface TeeStatus {
  platform: TeePlatform
  simulated: boolean
  policy: string
  warning?: string | undefined
  measurement: Hex
  measurementId: Hex
  approvedFor: JobKind[]
}

export class ComputeService {
  readonly runtime: EnclaveRuntime
  readonly policy: AttestationPolicy
  readonly teeDir: string
  readonly #p: ComputeServiceParameters
  readonly #verifiers: Partial<Record<TeePlatform, EvidenceVerifier>>
  readonly #owners = new Map<string, { data: OwnerData; keys: OwnerKeys; releaser: KeyReleaser }>()
  /** The node's own admission of every session (jobs without keys included). */
  readonly #admitter: KeyReleaser

  private constructor(p: ComputeServiceParameters, runtime: EnclaveRuntime, verifiers: Partial<Record<TeePlatform, EvidenceVerifier>>) {
    this.#p = p
    this.runtime = runtime
    this.policy = p.policy
    this.teeDir = join(p.dataDir, 'tee')
    this.#verifiers = verifiers
    this.#admitter = this.#releaser()
  }

  #releaser(): KeyReleaser {
    return new KeyReleaser({ verifiers: this.#verifiers, policy: this.policy, approvals: { isApproved: (id, kind) => isApproved(this.#p.client, id, kind) } })
  }

  /**
   * @example
   * const compute = await ComputeService.open({ dataDir, client, computeKey, masterKey, policy: embeddedDevelopmentPolicy, registrar })
   */
  static async open(p: ComputeServiceParameters): Promise<ComputeService> {
    const log = p.log ?? (() => {})
    const teeDir = join(p.dataDir, 'tee')
    mkdirSync(teeDir, { recursive: true, mode: 0o700 })
    let runtime = p.runtime
    const verifiers: Partial<Record<TeePlatform, EvidenceVerifier>> = { ...p.hardwareVerifiers }
    if (!runtime) {
      const enclave = await SimulatedEnclave.launch({ image: p.image ?? (await buildEnclaveImage()), teeDir })
      verifiers.simulated = createSimulatedVerifier({ trustedPlatformKeys: [enclave.platformKey] })
      runtime = enclave
    }
    const service = new ComputeService(p, runtime, verifiers)
    if (runtime.platform === 'simulated') log(p.policy.allowSimulated ? SIMULATED_WARNING : `TEE: simulated enclave, but the ${p.policy.name} policy refuses simulated evidence: no job can run until a hardware backend is configured`)
    if (p.registrar) await service.#registerMeasurement(p.registrar, log)
    return service
  }

  /** Proposes and approves the running image's measurement for every job kind, if not yet known. */
  async #registerMeasurement(registrar: { governance: Account; supervisorKey: Account }, log: (line: string) => void): Promise<void> {
    const measurement = this.runtime.reportedMeasurement
    const id = measurementIdOf(this.runtime.platform, measurement)
    const record = await measurementOf(this.#p.client, id)
    if (record.status === 'Revoked') {
      log(`TEE: measurement ${measurement} was revoked on chain; jobs of this build will be refused`)
      return
    }
    if (record.status === 'None') {
      await proposeMeasurement(this.#p.client, registrar.governance, { platform: this.runtime.platform, measurement, jobKinds, name: `databourse enclave (${this.runtime.platform})` })
    }
    if (record.status !== 'Approved') {
      await approveMeasurement(this.#p.client, registrar.supervisorKey, id)
      log(`TEE: registered and approved measurement ${measurement} for ${jobKinds.join(', ')}`)
    }
  }

  async status(): Promise<TeeStatus> {
    const measurement = this.runtime.reportedMeasurement
    const measurementId = measurementIdOf(this.runtime.platform, measurement)
    const record = await measurementOf(this.#p.client, measurementId)
    const simulated = this.runtime.platform === 'simulated'
    return {
      platform: this.runtime.platform,
      simulated,
      policy: this.policy.name,
      warning: simulated ? (this.policy.allowSimulated ? SIMULATED_WARNING : `The ${this.policy.name} policy refuses simulated evidence: jobs cannot run on this backend.`) : undefined,
      measurement,
      measurementId,
      approvedFor: record.status === 'Approved' ? record.jobKinds : [],
    }
  }

  /** An organisation's data, keys and releaser (one per local organisation; same node policy). */
  owner(org: string): { data: OwnerData; keys: OwnerKeys; releaser: KeyReleaser } {
    let owner = this.#owners.get(org)
    if (!owner) {
      const data = new OwnerData({ teeDir: this.teeDir, org, masterKey: this.#p.masterKey })
      owner = { data, keys: data.keys, releaser: this.#releaser() }
      this.#owners.set(org, owner)
    }
    return owner
  }

  /** The gateway: the owner's order file -> de-identified, encrypted dataset `name` (replacing one of that name). */
  importDataset(org: string, p: { path: string; name: string; keep?: (fields: readonly string[]) => boolean; onProgress?: (bytes: number) => void }): Promise<GatewayImportResult & { name: string }> {
    return this.owner(org).data.importDataset({ ...p, replace: true })
  }

  /** A buyer's customer list, encrypted for enclaves (replacing one of that name). */
  writeAudience(org: string, name: string, customerIds: readonly string[]): Promise<{ path: string; size: number }> {
    return this.owner(org).data.writeAudience(name, customerIds, { replace: true })
  }

  #grant(org: string, keyId: string): KeyGrant {
    const { keys, releaser } = this.owner(org)
    return { releaser, keyId: `${org}/${keyId}`, key: keys.get(keyId) }
  }

  /** The enclave inputs and the keys each owner releases for them. */
  #plan(spec: JobSpec): { inputs: JobInputs; grants: KeyGrant[] } {
    const dataset = (owner: string, name: string) => ({ path: this.owner(owner).data.datasetPath(name), keyId: `${owner}/${datasetKeyId(name)}` })
    switch (spec.kind) {
      case 'RfmTags':
        return { inputs: { kind: 'RfmTags', dataset: dataset(spec.owner, spec.dataset), referenceTime: spec.referenceTime }, grants: [this.#grant(spec.owner, datasetKeyId(spec.dataset))] }
      case 'TagAuthenticity':
        return { inputs: { kind: 'TagAuthenticity', dataset: dataset(spec.owner, spec.dataset), claimed: spec.claimed }, grants: [this.#grant(spec.owner, datasetKeyId(spec.dataset))] }
      case 'AudienceOverlap':
        return {
          inputs: {
            kind: 'AudienceOverlap',
            dataset: dataset(spec.owner, spec.dataset),
            pseudonymKeyId: `${spec.owner}/${PSEUDONYM_KEY_ID}`,
            audience: { path: this.owner(spec.buyer).data.audiencePath(spec.audience), keyId: `${spec.buyer}/${audienceKeyId(spec.audience)}` },
            minGroupSize: spec.minGroupSize,
            groupBy: spec.groupBy,
          },
          grants: [this.#grant(spec.owner, datasetKeyId(spec.dataset)), this.#grant(spec.owner, PSEUDONYM_KEY_ID), this.#grant(spec.buyer, audienceKeyId(spec.audience))],
        }
      case 'ForecastTraining':
        return {
          inputs: { kind: 'ForecastTraining', datasets: spec.datasets.map((d) => ({ ...dataset(d.owner, d.dataset), member: d.member })), groupBy: spec.groupBy, modelName: spec.modelName, holdoutDays: spec.holdoutDays },
          grants: spec.datasets.map((d) => this.#grant(d.owner, datasetKeyId(d.dataset))),
        }
      case 'ForecastPrediction':
        return { inputs: { kind: 'ForecastPrediction', modelName: spec.modelName, member: spec.member, horizon: spec.horizon }, grants: [] }
    }
  }

  /**
   * Runs a job end to end and anchors its result (src/tee/runEnclaveJob.ts).
   * @example
   * const { value, transactionHash } = await compute.run({ kind: 'RfmTags', owner: 'alpha', dataset: 'retail' })
   */
  run(spec: JobSpec, options: { jobId?: Hex; recipientPublicKey?: Hex } = {}): Promise<EnclaveJobOutcome> {
    const { inputs, grants } = this.#plan(spec)
    return runEnclaveJob({ runtime: this.runtime, inputs, grants, admitter: this.#admitter, client: this.#p.client, computeKey: this.#p.computeKey, ...options })
  }

  async close(): Promise<void> {
    await this.runtime.close()
  }
}

export { embeddedDevelopmentPolicy, productionPolicy }
