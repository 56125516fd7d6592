/**
 * The one interface every TEE backend implements (SPEC.md section 5): attest a fresh session
 * to a verifier's nonce, accept keys wrapped to that session, run a job, close. It is also
 * the whole of what the node can do with an enclave — there is no call that returns a
 * session's private key, a released key or plaintext input; results come out signed, and
 * sealed to a recipient when the job names one.
 *
 * Backends: `SimulatedEnclave` (a separate process running the measured enclave image, with
 * simulated evidence; this machine has no TEE). A hardware backend (e.g. Gramine-SGX or a
 * Nitro enclave over vsock) implements the same four calls around the same image and
 * produces evidence the verifiers in `src/tee/evidence/` check.
 */
import type { Hex } from 'viem'
import type { EciesSealed } from '../../identity/ecies.ts'
import type { JobRequest, SignedJobResult } from '../enclave/protocol.ts'
import type { TeePlatform } from '../evidence/types.ts'

export interface AttestedSession {
  /** The platform whose verifier must check `evidence` (a wrong claim simply fails verification). */
  platform: TeePlatform
  /** The session's compressed secp256k1 public key (33 bytes): keys are wrapped to it. */
  publicKey: Uint8Array
  /** Platform evidence binding SHA-512(publicKey || nonce). */
  evidence: Uint8Array
}

export interface EnclaveRuntime {
  readonly platform: TeePlatform
  /** What the enclave reported at launch — informative only; key release trusts evidence, not this. */
  readonly reportedMeasurement: Hex
  /** Starts a new session (dropping the previous one and its keys) bound to `nonce`. */
  attest(nonce: Uint8Array): Promise<AttestedSession>
  /** Evidence for the current session bound to another nonce (each data owner sends its own). */
  quote(nonce: Uint8Array): Promise<AttestedSession>
  /** Hands the enclave a key wrapped to the current session (ECIES, see src/tee/binding.ts). */
  release(keyId: string, sealed: EciesSealed): Promise<void>
  run(request: JobRequest): Promise<SignedJobResult>
  close(): Promise<void>
}
