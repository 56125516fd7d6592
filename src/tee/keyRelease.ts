/**
 * Key release (SPEC.md section 5): a data owner's node gives an asset key only to an enclave
 * whose evidence verifies under the owner's policy, binds the session key and the owner's
 * fresh nonce, and shows a measurement governance approved on chain for this job kind — and
 * then only wrapped to that session key, bound to that measurement.
 *
 *   const nonce = releaser.nonce()
 *   const session = await enclave.attest(nonce)
 *   const admitted = await releaser.admit({ session, nonce, kind: 'RfmTags' })  // or throws
 *   await enclave.release('dataset-1', releaser.wrap(admitted, 'dataset-1', assetKey))
 *
 * `wrap` takes only an {@link AdmittedSession}, which only `admit` creates: there is no path
 * that wraps a key to a session that was not checked.
 */
import { randomBytes } from 'node:crypto'
import type { Hex } from 'viem'
import { EvidenceError, KeyReleaseRefusedError } from '../errors/tee.ts'
import { eciesEncrypt, type EciesSealed } from '../identity/ecies.ts'
import { measurementIdOf, type JobKind } from '../sdk/enclaves.ts'
import { NONCE_BYTES, releaseAssociatedData } from './binding.ts'
import type { EvidenceVerifier, TeePlatform, VerifiedEvidence } from './evidence/types.ts'
import { checkEvidence, type AttestationPolicy } from './policy.ts'
import type { AttestedSession } from './runtime/EnclaveRuntime.ts'

/** Where approvals are read: the EnclaveRegistry (`isApproved` of src/sdk/enclaves.ts). */
export interface MeasurementApprovals {
  isApproved(measurementId: Hex, kind: JobKind): Promise<boolean>
}

/** A session that passed {@link KeyReleaser.admit}. */
export interface AdmittedSession {
  readonly publicKey: Uint8Array
  readonly evidence: VerifiedEvidence
  readonly measurementId: Hex
  readonly kind: JobKind
}

export interface KeyReleaserParameters {
  verifiers: Partial<Record<TeePlatform, EvidenceVerifier>>
  policy: AttestationPolicy
  approvals: MeasurementApprovals
  /** The instant evidence is judged at (default: the wall clock at each call). */
  now?: () => Date
}

export class KeyReleaser {
  readonly policy: AttestationPolicy
  readonly #p: KeyReleaserParameters
  /** Sessions this releaser admitted: another releaser's admission (another policy) does not count. */
  readonly #admitted = new WeakSet<AdmittedSession>()

  constructor(p: KeyReleaserParameters) {
    this.#p = p
    this.policy = p.policy
  }

  /** A fresh 32-byte nonce for one attestation. */
  nonce(): Uint8Array {
    return new Uint8Array(randomBytes(NONCE_BYTES))
  }

  /**
   * Verifies the session's evidence (by the platform it claims), the policy, the binding to
   * `nonce`, and the on-chain approval of its measurement for `kind`.
   *
   * @throws {KeyReleaseRefusedError} with the failure kind (`malformed`, `signature`, `chain`,
   *   `expired`, `revoked`, `tcb`, `debug`, `simulated`, `report-data`, `measurement`, ...)
   */
  async admit(p: { session: AttestedSession; nonce: Uint8Array; kind: JobKind; keyId?: string }): Promise<AdmittedSession> {
    const label = p.keyId ?? `${p.kind} inputs`
    const platform = p.session.platform
    const verifier = this.#p.verifiers[platform]
    if (!verifier) throw new KeyReleaseRefusedError({ keyId: label, failure: 'malformed', reason: `this node has no verifier for ${platform} evidence` })
    let evidence: VerifiedEvidence
    try {
      evidence = await verifier.verify(p.session.evidence, { now: this.#p.now?.() ?? new Date() })
      checkEvidence(evidence, this.#p.policy, { publicKey: p.session.publicKey, nonce: p.nonce })
    } catch (error) {
      if (error instanceof EvidenceError) throw new KeyReleaseRefusedError({ keyId: label, failure: error.failure, reason: error.reason, cause: error })
      throw error
    }
    const measurementId = measurementIdOf(evidence.platform, evidence.measurement)
    if (!(await this.#p.approvals.isApproved(measurementId, p.kind))) {
      throw new KeyReleaseRefusedError({ keyId: label, failure: 'measurement', reason: `measurement ${evidence.measurement} (${evidence.platform}) is not approved on chain for ${p.kind} jobs` })
    }
    const session: AdmittedSession = Object.freeze({ publicKey: p.session.publicKey, evidence, measurementId, kind: p.kind })
    this.#admitted.add(session)
    return session
  }

  /** Wraps `key` to an admitted session, bound to its measurement and `keyId`. */
  wrap(session: AdmittedSession, keyId: string, key: Uint8Array): EciesSealed {
    if (!this.#admitted.has(session)) throw new KeyReleaseRefusedError({ keyId, failure: 'not-admitted', reason: 'the session was not admitted by this node' })
    return eciesEncrypt(session.publicKey, key, releaseAssociatedData(keyId, session.evidence.measurement))
  }
}
