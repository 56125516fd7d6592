/**
 * One enclave job, end to end, from the node's side (SPEC.md section 5):
 *
 * 1. attestation — the enclave opens a session; each data owner whose key the job needs sends
 *    its own nonce, gets evidence bound to the session key and its nonce, and admits the
 *    session under its own policy and the on-chain approval of the measurement for this job;
 * 2. key release — each owner wraps its keys to the admitted session;
 * 3. the job runs inside the enclave (decryption and computation happen there);
 * 4. the node checks the result is signed by the admitted session key, under the admitted
 *    measurement, and (when not sealed to a recipient) that its hash is right;
 * 5. anchoring — the node's Compute key records the result hash, the measurement and the
 *    input commitment in the EnclaveRegistry, which checks the enclave signature again.
 */
import { createHash, randomBytes } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { publicKeyToAddress } from 'viem/accounts'
import { bytesToHex, recoverMessageAddress, type Account, type Hex } from 'viem'
import { EnclaveRequestError } from '../errors/tee.ts'
import type { BourseClient } from '../sdk/BourseClient.ts'
import { jobDigest, recordJob, type JobKind } from '../sdk/enclaves.ts'
import type { JobInputs, JobRequest, SignedJobResult } from './enclave/protocol.ts'
import type { AdmittedSession, KeyReleaser } from './keyRelease.ts'
import type { EnclaveRuntime } from './runtime/EnclaveRuntime.ts'

/** A key one data owner releases for the job, after admitting the session itself. */
export interface KeyGrant {
  releaser: KeyReleaser
  keyId: string
  key: Uint8Array
}

export interface RunEnclaveJobParameters {
  runtime: EnclaveRuntime
  inputs: JobInputs
  grants: readonly KeyGrant[]
  /**
   * The node's own check of the session (its policy and the on-chain approval), made even when
   * the job needs no key (a prediction from sealed state), so no result is anchored from an
   * enclave nobody verified.
   */
  admitter: KeyReleaser
  client: BourseClient
  /** The Compute key that anchors the result. */
  computeKey: Account
  /** Default: a random id. Trades use the trade's job id. */
  jobId?: Hex | undefined
  recipientPublicKey?: Hex | undefined
}

export interface EnclaveJobOutcome {
  result: SignedJobResult
  /** The parsed result, when not sealed to a recipient. */
  value: unknown
  admitted: AdmittedSession[]
  transactionHash: Hex
  /** Milliseconds: attestation (evidence + verification + approval read), keyRelease, enclave (the job inside), anchor. */
  stagesMs: { attestation: number; keyRelease: number; enclave: number; anchor: number }
}

export const newJobId = (): Hex => `0x${randomBytes(32).toString('hex')}`

/**
 * @throws {KeyReleaseRefusedError} an owner refused the session (nothing was released by it)
 * @throws {EnclaveRequestError} the enclave refused or failed the job
 * @throws {ContractRevertError} the registry refused the record (e.g. measurement revoked meanwhile)
 */
export async function runEnclaveJob(p: RunEnclaveJobParameters): Promise<EnclaveJobOutcome> {
  const kind: JobKind = p.inputs.kind
  const t0 = performance.now()
  // One session; each owner (releaser) gets evidence bound to its own nonce.
  const releasers = [...new Set([p.admitter, ...p.grants.map((g) => g.releaser)])]
  const admittedBy = new Map<KeyReleaser, AdmittedSession>()
  let publicKey: Uint8Array | undefined
  for (const releaser of releasers) {
    const nonce = releaser.nonce()
    const session = publicKey ? await p.runtime.quote(nonce) : await p.runtime.attest(nonce)
    if (publicKey && bytesToHex(session.publicKey) !== bytesToHex(publicKey)) throw new Error('the enclave changed its session key between quotes')
    publicKey = session.publicKey
    admittedBy.set(releaser, await releaser.admit({ session, nonce, kind }))
  }
  const t1 = performance.now()
  for (const grant of p.grants) await p.runtime.release(grant.keyId, grant.releaser.wrap(admittedBy.get(grant.releaser)!, grant.keyId, grant.key))
  const t2 = performance.now()
  const request: JobRequest = {
    jobId: p.jobId ?? newJobId(),
    inputs: p.inputs,
    chainId: p.client.deployment.chainId,
    registry: p.client.deployment.enclaves,
    recipientPublicKey: p.recipientPublicKey,
  }
  const result = await p.runtime.run(request)
  const t3 = performance.now()
  const admitted = [...admittedBy.values()]
  await checkResult(p.client, result, request, admitted)
  const write = await recordJob(p.client, p.computeKey, {
    jobId: result.jobId, measurementId: result.measurementId, kind, resultHash: result.resultHash, inputCommitment: result.inputCommitment, enclaveSignature: result.signature,
  })
  const t4 = performance.now()
  const value = result.result ? JSON.parse(new TextDecoder().decode(result.result)) : undefined
  return {
    result, value, admitted, transactionHash: write.hash,
    stagesMs: { attestation: t1 - t0, keyRelease: t2 - t1, enclave: t3 - t2, anchor: t4 - t3 },
  }
}

/** The result must come from the admitted session, under the admitted measurement, for this job. */
async function checkResult(client: BourseClient, result: SignedJobResult, request: JobRequest, admitted: AdmittedSession[]): Promise<void> {
  const refuse = (reason: string): never => {
    throw new EnclaveRequestError({ op: 'run', name: 'ResultCheckFailed', message: reason })
  }
  if (result.jobId !== request.jobId || result.kind !== request.inputs.kind) refuse('the result is for another job')
  for (const session of admitted) {
    if (session.measurementId !== result.measurementId) refuse(`the result names measurement ${result.measurementId}, the session was admitted as ${session.measurementId}`)
  }
  if (result.result) {
    const hash = `0x${createHash('sha256').update(result.result).digest('hex')}`
    if (hash !== result.resultHash) refuse(`the result bytes hash to ${hash}, not the signed ${result.resultHash}`)
  }
  const digest = await jobDigest(client, { jobId: result.jobId, measurementId: result.measurementId, kind: result.kind, resultHash: result.resultHash, inputCommitment: result.inputCommitment })
  const signer = await recoverMessageAddress({ message: { raw: digest }, signature: result.signature })
  for (const session of admitted) {
    if (signer.toLowerCase() !== addressOfCompressed(session.publicKey).toLowerCase()) refuse(`the result is signed by ${signer}, not by the admitted session key`)
  }
}

/** The Ethereum address of a compressed secp256k1 public key. */
function addressOfCompressed(publicKey: Uint8Array): Hex {
  return publicKeyToAddress(bytesToHex(secp256k1.Point.fromBytes(publicKey).toBytes(false)))
}
