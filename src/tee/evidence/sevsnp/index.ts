/** SEV-SNP evidence: the verifier, the report parser and the evidence container (see README.md). */
export { createSevSnpVerifier, type SevSnpVerifierOptions, type VcekInput } from './verifier.ts'
export { parseSnpReport, SNP_REPORT_SIZE, SNP_SIGNED_LENGTH, type SnpReport, type SnpTcb } from './report.ts'
export { decodeSnpEvidence, encodeSnpEvidence, type SnpEvidence } from './evidence.ts'
export { MILAN_ARK_PEM, MILAN_ASK_PEM } from './roots.ts'
