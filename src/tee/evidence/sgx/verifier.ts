/**
 * The SGX DCAP ECDSA (quote v3) evidence verifier: the checks of README.md, in that order,
 * each refusing with the most precise `EvidenceError` failure. It only states what the quote
 * proves (measurement, signer, report data, debug, TCB status); whether that is acceptable is
 * the policy's decision (src/tee/policy.ts).
 */
import 'reflect-metadata'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Hex } from 'viem'
import type { EvidenceVerifier, VerifiedEvidence, VerifyOptions } from '../types.ts'
import { commonName, intelSgxRootCa, parsePemChain, verifyChainToPinnedRoot } from './certChain.ts'
import { parseSgxCollateral, qeIdentitySchema, tcbInfoSchema, verifySignedJson, type SgxCollateral } from './collateral.ts'
import { assertNotRevoked, parseHexCrl, verifyCrl } from './crl.ts'
import { certificateP256Key, importRawP256, verifyP256 } from './ecdsa.ts'
import { fail } from './fail.ts'
import { parsePckExtension, SGX_EXTENSION_OID, type PckExtension } from './pckExtension.ts'
import { isDebugEnclave, parseSgxQuote, type SgxQuote } from './quote.ts'
import { matchPlatformTcb, matchQeIdentity } from './tcb.ts'

export interface SgxDcapVerifierOptions {
  /**
   * The collateral to judge quotes with: a bundle (as in sgx_quote_collateral.json), or a
   * function fetching it for a parsed quote (e.g. from Intel PCS or a PCCS by FMSPC). Either
   * way it is re-validated and every signature in it checked; it is never trusted as given.
   */
  collateral: SgxCollateral | ((quote: SgxQuote) => Promise<SgxCollateral>)
}

const toHex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`
const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/** Step 3: the QE vouches for the attestation key, the attestation key signs the enclave report. */
async function verifyQuoteSignatures(quote: SgxQuote, pckKey: CryptoKey): Promise<void> {
  if (!(await verifyP256(quote.qeReportSignature, quote.qeReport.raw, pckKey))) {
    fail('signature', 'the QE report signature does not verify under the PCK certificate key')
  }
  const expected = sha256(new Uint8Array([...quote.attestationKey, ...quote.qeAuthData]))
  const bound = quote.qeReport.reportData
  if (!equalBytes(bound.subarray(0, 32), expected) || bound.subarray(32).some((b) => b !== 0)) {
    fail('binding', `the QE report data ${toHex(bound.subarray(0, 32))} is not SHA-256(attestation key || QE authentication data) = ${toHex(expected)} followed by 32 zero bytes`)
  }
  const attestationKey = await importRawP256(quote.attestationKey)
  if (!attestationKey) fail('signature', 'the attestation key is not a P-256 point')
  if (!(await verifyP256(quote.isvSignature, quote.signedBytes, attestationKey))) {
    fail('signature', 'the ISV quote signature over the header and enclave report body does not verify under the attestation key')
  }
}

async function loadCollateral(source: SgxDcapVerifierOptions['collateral'], quote: SgxQuote): Promise<SgxCollateral> {
  return parseSgxCollateral(typeof source === 'function' ? await source(quote) : source)
}

/**
 * Creates the SGX DCAP verifier.
 * @example
 * const verifier = createSgxDcapVerifier({ collateral: JSON.parse(await readFile('sgx_quote_collateral.json', 'utf8')) })
 * const evidence = await verifier.verify(quoteBytes, { now: new Date() })
 * evidence.tcbStatus // 'ConfigurationAndSWHardeningNeeded'
 */
export function createSgxDcapVerifier({ collateral }: SgxDcapVerifierOptions): EvidenceVerifier {
  return {
    platform: 'sgx-dcap',
    async verify(evidence: Uint8Array, { now }: VerifyOptions): Promise<VerifiedEvidence> {
      // 1. Structure.
      const quote = parseSgxQuote(evidence)

      // 2. PCK chain to the pinned root, and the platform facts it certifies.
      const pckChain = parsePemChain(quote.pckChainPem, 'the PCK chain')
      await verifyChainToPinnedRoot({ chain: pckChain, now, what: 'the PCK chain', leafCommonName: /^Intel SGX PCK Certificate$/ })
      const pck = pckChain[0]!
      const extension = pck.getExtension(SGX_EXTENSION_OID)
      if (!extension) fail('malformed', `the PCK certificate has no SGX extension (${SGX_EXTENSION_OID})`)
      let platform: PckExtension
      try {
        platform = parsePckExtension(new Uint8Array(extension.value))
      } catch (e) {
        return fail('malformed', `the PCK certificate's SGX extension: ${(e as Error).message}`, e as Error)
      }
      const pckKey = await certificateP256Key(pck)
      if (!pckKey) fail('chain', 'the PCK certificate has no P-256 key')

      // 3. Signatures and binding inside the quote.
      await verifyQuoteSignatures(quote, pckKey)

      // 4. Collateral: signed documents, then revocation.
      const c = await loadCollateral(collateral, quote)
      const tcbInfo = await verifySignedJson({ what: 'the TCB info', body: c.tcb_info, signatureHex: c.tcb_info_signature, issuerChainPem: c.tcb_info_issuer_chain, schema: tcbInfoSchema, now })
      const qeIdentity = await verifySignedJson({ what: 'the QE identity', body: c.qe_identity, signatureHex: c.qe_identity_signature, issuerChainPem: c.qe_identity_issuer_chain, schema: qeIdentitySchema, now })
      const rootCrl = parseHexCrl(c.root_ca_crl, 'the root CA CRL')
      await verifyCrl({ crl: rootCrl, issuer: intelSgxRootCa(), now, what: 'the root CA CRL' })
      const crlIssuerChain = parsePemChain(c.pck_crl_issuer_chain, 'the PCK CRL issuer chain')
      await verifyChainToPinnedRoot({ chain: crlIssuerChain, now, what: 'the PCK CRL issuer chain' })
      const pckCrl = parseHexCrl(c.pck_crl, 'the PCK CRL')
      await verifyCrl({ crl: pckCrl, issuer: crlIssuerChain[0]!, now, what: 'the PCK CRL' })
      for (const ca of [...pckChain.slice(1, -1), ...crlIssuerChain.slice(0, -1)]) assertNotRevoked(rootCrl, ca, 'the root CA CRL')
      assertNotRevoked(pckCrl, pck, 'the PCK CRL')

      // 5. TCB: the platform's level and the quoting enclave's identity.
      const tcb = matchPlatformTcb(tcbInfo, platform)
      const qe = matchQeIdentity(qeIdentity, quote.qeReport)

      // 6. The facts.
      const report = quote.isvReport
      return {
        platform: 'sgx-dcap',
        measurement: toHex(report.mrEnclave),
        signer: toHex(report.mrSigner),
        reportData: toHex(report.reportData),
        debug: isDebugEnclave(report),
        tcbStatus: tcb.tcbStatus,
        advisoryIds: tcb.advisoryIds,
        details: {
          fmspc: platform.fmspc,
          pceId: platform.pceId,
          pceSvn: platform.pceSvn,
          tcbComponents: platform.tcbComponents,
          cpuSvn: platform.cpuSvn,
          tcbDate: tcb.tcbDate,
          tcbEvaluationDataNumber: tcbInfo.tcbEvaluationDataNumber,
          isvProdId: report.isvProdId,
          isvSvn: report.isvSvn,
          attributes: toHex(report.attributes),
          miscSelect: report.miscSelect,
          qeSvn: quote.qeReport.isvSvn,
          qeTcbStatus: qe.tcbStatus,
          qeAdvisoryIds: qe.advisoryIds,
          pckSubject: pck.subject,
          pckIssuer: commonName(pck.issuer),
          pckSerial: pck.serialNumber.toLowerCase(),
        },
      }
    },
  }
}
