/**
 * What every evidence verifier returns and how it fails (SPEC.md section 5, issue 6).
 *
 * A verifier takes raw evidence bytes (an SGX DCAP quote, a Nitro attestation document, an
 * SEV-SNP report, or the simulated backend's evidence) plus an explicit "now" and returns the
 * facts a policy decides on: which platform, which code (measurement), which bytes the enclave
 * bound (report data: SHA-512/SHA-256 of its session public key and the verifier's nonce),
 * whether it runs in debug mode, and the platform's security status. A verifier only says what
 * the evidence proves; whether that is good enough (debug allowed? which TCB statuses? is the
 * measurement approved?) is the policy's job (`src/tee/policy.ts`).
 */
import type { Hex } from 'viem'

export type TeePlatform = 'sgx-dcap' | 'nitro' | 'sev-snp' | 'simulated'

export interface VerifiedEvidence {
  platform: TeePlatform
  /**
   * The code identity governance approves, lowercase 0x-hex: MRENCLAVE (SGX, 32 bytes),
   * PCR0 (Nitro, 48 bytes), MEASUREMENT (SEV-SNP, 48 bytes), SHA-256 of the enclave program
   * (simulated, 32 bytes).
   */
  measurement: Hex
  /** Who signed the code where the platform says: MRSIGNER (SGX); undefined elsewhere. */
  signer?: Hex | undefined
  /**
   * The bytes the enclave bound into the evidence, lowercase 0x-hex: REPORTDATA (SGX, 64 bytes),
   * `user_data` (Nitro), REPORT_DATA (SEV-SNP, 64 bytes), report data (simulated, 64 bytes).
   */
  reportData: Hex
  /** True when the evidence comes from a debuggable enclave (its memory is readable by the host). */
  debug: boolean
  /**
   * The platform's security status: the SGX TCB status from the collateral
   * (`UpToDate`, `SWHardeningNeeded`, `ConfigurationAndSWHardeningNeeded`, `OutOfDate`, ...);
   * `UpToDate` where the platform has no such notion and the chain verified.
   */
  tcbStatus: string
  /** Security advisories the collateral lists for this TCB level (SGX); empty elsewhere. */
  advisoryIds: string[]
  /** When the evidence was produced, where it says (Nitro timestamp); undefined otherwise. */
  issuedAt?: Date | undefined
  /** Platform-specific facts worth showing (PCRs, module id, chip id, TCB versions, ...), JSON-safe. */
  details: Record<string, unknown>
}

/** Why evidence was refused; each verifier uses the most precise one that applies. */
export type EvidenceFailure =
  /** The bytes do not parse as this kind of evidence (wrong size, version, type, CBOR, DER). */
  | 'malformed'
  /** A signature over the evidence, a report or a certificate does not verify. */
  | 'signature'
  /** The certificate chain does not lead to the pinned root, or an issuer/subject does not match. */
  | 'chain'
  /** A certificate, the collateral (TCB info, QE identity, CRL) or the evidence is outside its validity at "now". */
  | 'expired'
  /** A certificate in the chain is on a revocation list. */
  | 'revoked'
  /** The platform's TCB or the quoting enclave's identity is not acceptable (or not found in the collateral). */
  | 'tcb'
  /** The enclave runs in debug mode (or its measurements are zeroed) and the caller refuses that. */
  | 'debug'
  /** The evidence's binding (hash of the collateral, QE report data, ...) does not hold. */
  | 'binding'
  /** Simulated evidence where the policy wants hardware. */
  | 'simulated'
  /** The measurement is not one governance approved for this job. */
  | 'measurement'
  /** The report data is not the hash of the expected public key and nonce. */
  | 'report-data'

export interface VerifyOptions {
  /** The instant certificates, collateral and evidence are judged at; never the wall clock implicitly. */
  now: Date
}

export interface EvidenceVerifier {
  readonly platform: TeePlatform
  /** @throws {EvidenceError} naming the failure and what exactly did not hold */
  verify(evidence: Uint8Array, options: VerifyOptions): Promise<VerifiedEvidence>
}
