/**
 * The EnclaveRegistry contract (SPEC.md section 5, src/tee/README.md) through the SDK:
 * governance proposes enclave measurements, supervisors approve or revoke them, Compute keys
 * anchor each job's signed result with the measurement that ran it. Refusals are
 * {@link ContractRevertError}s naming the contract's error (e.g. `EnclaveRegistryNotApproved`).
 *
 * @example
 * const { measurementId } = await proposeMeasurement(client, governance, { platform: 'simulated', measurement, jobKinds: ['RfmTags'], name: 'databourse enclave 0.1' })
 * await approveMeasurement(client, supervisorKey, measurementId)
 * await isApproved(client, measurementId, 'RfmTags') // true
 */
import { decodeEventLog, encodePacked, keccak256, type Account, type Address, type Hex } from 'viem'
import { EnclaveRegistryAbi } from '../contracts/generated.ts'
import type { TeePlatform } from '../tee/evidence/types.ts'
import type { BourseClient, WriteResult } from './BourseClient.ts'

/** `IEnclaveRegistry.Platform` in enum order. */
export const registryPlatforms = ['simulated', 'sgx-dcap', 'nitro', 'sev-snp'] as const satisfies readonly TeePlatform[]
/** `IEnclaveRegistry.JobKind` in enum order. */
export const jobKinds = ['RfmTags', 'TagAuthenticity', 'AudienceOverlap', 'ForecastTraining', 'ForecastPrediction'] as const
export type JobKind = (typeof jobKinds)[number]
/** `IEnclaveRegistry.MeasurementStatus` in enum order. */
export const measurementStatuses = ['None', 'Proposed', 'Approved', 'Revoked'] as const
export type MeasurementStatus = (typeof measurementStatuses)[number]

export interface MeasurementRecord {
  status: MeasurementStatus
  platform: TeePlatform
  jobKinds: JobKind[]
  approvedAt: number
  approvedBy: Address
}

export interface JobRecord {
  measurementId: Hex
  resultHash: Hex
  inputCommitment: Hex
  enclaveKey: Address
  computeOrg: Address
  kind: JobKind
  /** Unix seconds; 0 when no job has this id. */
  recordedAt: number
}

const platformIndex = (p: TeePlatform) => registryPlatforms.indexOf(p)
export const jobKindIndex = (k: JobKind): number => {
  const i = jobKinds.indexOf(k)
  if (i < 0) throw new Error(`unknown job kind "${k}"`)
  return i
}

/** `keccak256(abi.encodePacked(uint8(platform), measurement))`, as the contract computes it. */
export function measurementIdOf(platform: TeePlatform, measurement: Hex): Hex {
  return keccak256(encodePacked(['uint8', 'bytes'], [platformIndex(platform), measurement]))
}

/** Job kinds as the contract's bit set. */
export const jobKindMask = (kinds: readonly JobKind[]): number => kinds.reduce((mask, k) => mask | (1 << jobKindIndex(k)), 0)

// ───────────── reads ─────────────

export async function measurementOf(client: BourseClient, measurementId: Hex): Promise<MeasurementRecord> {
  const m = (await client.read(client.deployment.enclaves, EnclaveRegistryAbi, 'measurementOf', [measurementId])) as {
    status: number; platform: number; jobKinds: number; approvedAt: number; approvedBy: Address
  }
  return {
    status: measurementStatuses[m.status]!,
    platform: registryPlatforms[m.platform]!,
    jobKinds: jobKinds.filter((_k, i) => (m.jobKinds >> i) & 1),
    approvedAt: Number(m.approvedAt),
    approvedBy: m.approvedBy,
  }
}

export function isApproved(client: BourseClient, measurementId: Hex, kind: JobKind): Promise<boolean> {
  return client.read(client.deployment.enclaves, EnclaveRegistryAbi, 'isApproved', [measurementId, jobKindIndex(kind)])
}

export async function jobOf(client: BourseClient, jobId: Hex): Promise<JobRecord> {
  const j = (await client.read(client.deployment.enclaves, EnclaveRegistryAbi, 'jobOf', [jobId])) as Omit<JobRecord, 'kind' | 'recordedAt'> & { kind: number; recordedAt: number }
  return { ...j, kind: jobKinds[j.kind]!, recordedAt: Number(j.recordedAt) }
}

/** What the enclave signs (EIP-191) for {@link recordJob}; bound to the chain and the registry. */
export function jobDigest(client: BourseClient, job: { jobId: Hex; measurementId: Hex; kind: JobKind; resultHash: Hex; inputCommitment: Hex }): Promise<Hex> {
  return client.read(client.deployment.enclaves, EnclaveRegistryAbi, 'jobDigest', [job.jobId, job.measurementId, jobKindIndex(job.kind), job.resultHash, job.inputCommitment])
}

// ───────────── writes ─────────────

/** Governance proposes a measurement for job kinds; returns its id. */
export async function proposeMeasurement(
  client: BourseClient,
  governance: Account,
  p: { platform: TeePlatform; measurement: Hex; jobKinds: readonly JobKind[]; name: string },
): Promise<WriteResult & { measurementId: Hex }> {
  const result = await client.write(governance, client.deployment.enclaves, EnclaveRegistryAbi, 'propose', [platformIndex(p.platform), p.measurement, jobKindMask(p.jobKinds), p.name])
  return { ...result, measurementId: measurementIdOf(p.platform, p.measurement) }
}

/** An active supervisor key approves a proposed measurement. */
export function approveMeasurement(client: BourseClient, supervisorKey: Account, measurementId: Hex): Promise<WriteResult> {
  return client.write(supervisorKey, client.deployment.enclaves, EnclaveRegistryAbi, 'approve', [measurementId])
}

/** Governance or an active supervisor key revokes a measurement. */
export function revokeMeasurement(client: BourseClient, account: Account, measurementId: Hex, reason: string): Promise<WriteResult> {
  return client.write(account, client.deployment.enclaves, EnclaveRegistryAbi, 'revoke', [measurementId, reason])
}

/** A Compute key anchors a job's result with the enclave's signature of {@link jobDigest}. */
export function recordJob(
  client: BourseClient,
  computeKey: Account,
  job: { jobId: Hex; measurementId: Hex; kind: JobKind; resultHash: Hex; inputCommitment: Hex; enclaveSignature: Hex },
): Promise<WriteResult> {
  return client.write(computeKey, client.deployment.enclaves, EnclaveRegistryAbi, 'recordJob', [
    job.jobId, job.measurementId, jobKindIndex(job.kind), job.resultHash, job.inputCommitment, job.enclaveSignature,
  ])
}

/** EnclaveRegistry events of one receipt, decoded. */
export function enclaveEvents(client: BourseClient, receipt: { logs: readonly { address: Address; data: Hex; topics: readonly Hex[] }[] }) {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === client.deployment.enclaves.toLowerCase())
    .map((l) => decodeEventLog({ abi: EnclaveRegistryAbi, data: l.data, topics: l.topics as [Hex, ...Hex[]], strict: true }))
}
