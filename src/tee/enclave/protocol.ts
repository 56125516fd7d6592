/**
 * The messages between the node and an enclave process — the whole interface. Nothing else
 * crosses: the node sends nonces, keys wrapped to the enclave's session key (ECIES), job
 * requests naming encrypted files; the enclave answers with its session public key and
 * evidence, and signed results. No message carries a plaintext dataset, an unwrapped key or
 * the enclave's private keys (`src/tee/runtime/boundary.test.ts` checks the traffic itself).
 */
import { keccak256, toHex } from 'viem'
import type { EciesSealed } from '../../identity/ecies.ts'

export const jobKindNames = ['RfmTags', 'TagAuthenticity', 'AudienceOverlap', 'ForecastTraining', 'ForecastPrediction'] as const
export type EnclaveJobKind = (typeof jobKindNames)[number]

/** An encrypted input file and the id of the released key that opens it. */
export interface EncryptedInput {
  path: string
  keyId: string
}

export type JobInputs =
  | { kind: 'RfmTags'; dataset: EncryptedInput; referenceTime?: number | undefined }
  | { kind: 'TagAuthenticity'; dataset: EncryptedInput; claimed: unknown }
  | { kind: 'AudienceOverlap'; dataset: EncryptedInput; pseudonymKeyId: string; audience: EncryptedInput; minGroupSize: number; groupBy: 'segment' | 'category' }
  | { kind: 'ForecastTraining'; datasets: (EncryptedInput & { member: string })[]; groupBy: 'country' | 'all'; holdoutDays?: number | undefined; modelName: string }
  | { kind: 'ForecastPrediction'; modelName: string; member: string; horizon: number }

export interface JobRequest {
  jobId: `0x${string}`
  inputs: JobInputs
  /** Domain of the on-chain job digest the enclave signs (EnclaveRegistry.jobDigest). */
  chainId: number
  registry: `0x${string}`
  /** When set, the result is encrypted to this compressed secp256k1 key (the buyer's). */
  recipientPublicKey?: `0x${string}` | undefined
}

export interface SignedJobResult {
  jobId: `0x${string}`
  kind: EnclaveJobKind
  measurement: `0x${string}`
  measurementId: `0x${string}`
  /** {@link inputCommitmentOf} the inputs the enclave actually opened, computed inside it. */
  inputCommitment: `0x${string}`
  /** SHA-256 of `result` (the plaintext JSON bytes), 0x-hex. */
  resultHash: `0x${string}`
  /** The result as JSON bytes, or undefined when sealed to a recipient. */
  result?: Uint8Array | undefined
  sealedResult?: EciesSealed | undefined
  /** EIP-191 signature of the EnclaveRegistry job digest by the session key. */
  signature: `0x${string}`
  /** Ethereum address of the session key. */
  enclaveAddress: `0x${string}`
  /** Time spent inside the enclave, by step (ms). */
  timings: Record<string, number>
}

export type EnclaveRequest =
  | { op: 'attest'; nonce: Uint8Array }
  | { op: 'quote'; nonce: Uint8Array }
  | { op: 'release'; keyId: string; sealed: EciesSealed }
  | { op: 'run'; request: JobRequest }

export type EnclaveReply =
  | { op: 'ready'; measurement: `0x${string}`; platformKey: `0x${string}` }
  | { op: 'attested'; publicKey: Uint8Array; evidence: Uint8Array }
  | { op: 'released'; keyId: string }
  | { op: 'result'; result: SignedJobResult }
  | { op: 'error'; name: string; message: string }

export type Envelope<T> = { id: number; body: T }

/**
 * What a job's result is anchored with: keccak256 of the JSON of its kind, the plaintext
 * hashes of the inputs the enclave opened (in order), and its parameters (the inputs with
 * file paths and key ids left out). The enclave computes it from what it decrypted; anyone
 * holding the encrypted files' headers and the parameters recomputes it.
 */
export function inputCommitmentOf(inputs: JobInputs, inputHashes: readonly string[]): `0x${string}` {
  const parameters = JSON.stringify(inputs, (key, value: unknown) => (key === 'path' || key === 'keyId' || key === 'pseudonymKeyId' ? undefined : value))
  return keccak256(toHex(JSON.stringify({ kind: inputs.kind, inputs: inputHashes, parameters })))
}
