/** SGX DCAP ECDSA quote verification (see README.md for the checks, in order). */
export { createSgxDcapVerifier, type SgxDcapVerifierOptions } from './verifier.ts'
export { parseSgxQuote, type SgxQuote, type SgxReportBody } from './quote.ts'
export { parseSgxCollateral, type SgxCollateral } from './collateral.ts'
export { INTEL_SGX_ROOT_CA_PEM, INTEL_SGX_ROOT_CA_SHA256 } from './rootCa.ts'
