/**
 * Errors of confidential computing (src/tee): evidence that does not verify, a policy that
 * refuses verified evidence, key release refused, and enclave jobs that cannot run. Each names
 * the precise reason; none carries a key or plaintext.
 */
import { BaseError } from './base.ts'
import type { EvidenceFailure, TeePlatform } from '../tee/evidence/types.ts'

const docsPath = 'src/tee/README.md'

/**
 * Evidence refused by a verifier or a policy, with the failure kind and what did not hold.
 *
 * @example
 * throw new EvidenceError({ platform: 'sgx-dcap', failure: 'expired', reason: 'the TCB info expired at 2025-07-19T...' })
 */
export class EvidenceError extends BaseError {
  readonly platform: TeePlatform
  readonly failure: EvidenceFailure
  readonly reason: string
  constructor({ platform, failure, reason, cause }: { platform: TeePlatform; failure: EvidenceFailure; reason: string; cause?: Error | undefined }) {
    super(`${platform} evidence refused (${failure}): ${reason}.`, { name: 'EvidenceError', docsPath, cause })
    this.platform = platform
    this.failure = failure
    this.reason = reason
  }
}

/**
 * The enclave refused or failed a request (a job's inputs do not open, a group below the
 * minimum size, no session). The message is the enclave's own; it never carries plaintext.
 *
 * @example
 * throw new EnclaveRequestError({ op: 'run', name: 'AudienceTooSmallError', message: 'the overlap is below 50' })
 */
export class EnclaveRequestError extends BaseError {
  readonly op: string
  readonly enclaveErrorName: string
  constructor({ op, name, message }: { op: string; name: string; message: string }) {
    super(`The enclave refused ${op}: ${message}`, { name: 'EnclaveRequestError', docsPath, details: `enclave error ${name}` })
    this.op = op
    this.enclaveErrorName = name
  }
}

/** The enclave process ended (crashed, killed, or closed) while requests were pending. */
export class EnclaveExitedError extends BaseError {
  constructor({ code, signal }: { code: number | null; signal: string | null }) {
    super(`The enclave process exited (${signal ? `signal ${signal}` : `code ${code}`}).`, { name: 'EnclaveExitedError', docsPath })
  }
}

/**
 * Key release refused: the evidence did not verify or satisfy the policy, or the measurement
 * is not approved on chain for the job. Nothing was released.
 */
export class KeyReleaseRefusedError extends BaseError {
  readonly failure: string
  constructor({ keyId, failure, reason, cause }: { keyId: string; failure: string; reason: string; cause?: Error | undefined }) {
    super(`Key "${keyId}" was not released (${failure}): ${reason}.`, { name: 'KeyReleaseRefusedError', docsPath, cause })
    this.failure = failure
  }
}

/** A job names a dataset, audience list or key this node does not hold for that organisation. */
export class EnclaveInputNotFoundError extends BaseError {
  readonly keyId: string
  constructor({ keyId }: { keyId: string }) {
    super(`No ${keyId.replace(/^dataset-/, 'dataset ').replace(/^audience-/, 'audience list ')} on this node for that organisation (import it first: bourse tee import).`, { name: 'EnclaveInputNotFoundError', docsPath })
    this.keyId = keyId
  }
}
