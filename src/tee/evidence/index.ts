/**
 * The hardware evidence verifiers a node trusts, by platform: AWS Nitro (the pinned AWS root)
 * and AMD SEV-SNP (the pinned Milan ARK/ASK; the VCEK travels in the evidence) always; Intel SGX
 * DCAP when the node has collateral (TCB info, QE identity and CRLs, as a PCCS serves them) —
 * this machine reaches no PCS, so it is configuration (`tee.sgxCollateral`).
 * The simulated verifier is added by the compute service for its own runtime's platform key.
 */
import { readFileSync } from 'node:fs'
import { createNitroVerifier } from './nitro/index.ts'
import { createSevSnpVerifier } from './sevsnp/index.ts'
import { createSgxDcapVerifier, parseSgxCollateral } from './sgx/index.ts'
import type { EvidenceVerifier, TeePlatform } from './types.ts'

export function hardwareVerifiers(options: { sgxCollateralFile?: string | undefined } = {}): Partial<Record<TeePlatform, EvidenceVerifier>> {
  const verifiers: Partial<Record<TeePlatform, EvidenceVerifier>> = { nitro: createNitroVerifier(), 'sev-snp': createSevSnpVerifier() }
  if (options.sgxCollateralFile) {
    verifiers['sgx-dcap'] = createSgxDcapVerifier({ collateral: parseSgxCollateral(JSON.parse(readFileSync(options.sgxCollateralFile, 'utf8'))) })
  }
  return verifiers
}
