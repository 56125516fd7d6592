/**
 * Attestation policy: whether verified evidence is good enough to release a key to, and the
 * check that binds it to this request (SPEC.md section 5). A verifier says what the evidence
 * proves (`src/tee/evidence/`); the policy decides — simulated or hardware, debug or not,
 * which TCB statuses — and then the report data must be SHA-512(session key || our nonce).
 * Whether the measurement is approved for the job is asked of the chain by the key releaser.
 *
 * Two named policies: `production` (the default of any node configured for hardware TEEs)
 * refuses simulated evidence, debug enclaves and any TCB status but UpToDate;
 * `embedded-development` (the embedded default on a machine without a TEE) explicitly
 * allows simulated evidence and says so wherever it is used (UI, API, logs).
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { EvidenceError } from '../errors/tee.ts'
import { reportDataFor } from './binding.ts'
import type { VerifiedEvidence } from './evidence/types.ts'

export interface AttestationPolicy {
  name: 'production' | 'embedded-development' | (string & {})
  allowSimulated: boolean
  allowDebug: boolean
  /** TCB statuses accepted for hardware evidence (SGX: UpToDate, SWHardeningNeeded, ...). */
  acceptedTcbStatuses: readonly string[]
}

export const productionPolicy: AttestationPolicy = Object.freeze({
  name: 'production',
  allowSimulated: false,
  allowDebug: false,
  acceptedTcbStatuses: Object.freeze(['UpToDate']),
})

export const embeddedDevelopmentPolicy: AttestationPolicy = Object.freeze({
  name: 'embedded-development',
  allowSimulated: true,
  allowDebug: false,
  acceptedTcbStatuses: Object.freeze(['UpToDate', 'Simulated']),
})

/** The warning shown wherever the embedded policy is in force. */
export const SIMULATED_WARNING =
  'TEE: SIMULATED enclave (no hardware isolation). The embedded-development attestation policy accepts simulated evidence; a production node refuses it.'

/**
 * Throws unless `verified` satisfies `policy` and binds `publicKey` and `nonce`.
 *
 * @throws {EvidenceError} `simulated`, `debug`, `tcb` or `report-data`
 * @example
 * checkEvidence(await verifier.verify(evidence, { now }), productionPolicy, { publicKey, nonce })
 */
export function checkEvidence(verified: VerifiedEvidence, policy: AttestationPolicy, binding: { publicKey: Uint8Array; nonce: Uint8Array }): void {
  const refuse = (failure: 'simulated' | 'debug' | 'tcb' | 'report-data', reason: string): never => {
    throw new EvidenceError({ platform: verified.platform, failure, reason })
  }
  if (verified.platform === 'simulated' && !policy.allowSimulated) refuse('simulated', `the ${policy.name} policy accepts hardware evidence only`)
  if (verified.debug && !policy.allowDebug) refuse('debug', `the enclave runs in debug mode (its memory is readable by the host); the ${policy.name} policy refuses debug enclaves`)
  if (!policy.acceptedTcbStatuses.includes(verified.tcbStatus)) {
    refuse('tcb', `TCB status ${verified.tcbStatus}${verified.advisoryIds.length ? ` (advisories ${verified.advisoryIds.join(', ')})` : ''} is not one the ${policy.name} policy accepts (${policy.acceptedTcbStatuses.join(', ')})`)
  }
  // SGX: the quoting enclave has a TCB status of its own (Intel's library merges the two).
  const qeStatus = verified.details.qeTcbStatus
  if (typeof qeStatus === 'string' && !policy.acceptedTcbStatuses.includes(qeStatus)) {
    refuse('tcb', `the quoting enclave's TCB status ${qeStatus} is not one the ${policy.name} policy accepts (${policy.acceptedTcbStatuses.join(', ')})`)
  }
  const expected = `0x${bytesToHex(reportDataFor(binding.publicKey, binding.nonce))}`
  if (verified.reportData.toLowerCase() !== expected) {
    refuse('report-data', 'the evidence does not bind this session key and nonce (report data differs from SHA-512(key || nonce))')
  }
}
