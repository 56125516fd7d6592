/**
 * The SEV-SNP evidence verifier (SPEC.md section 5, issue 6): parse the report, check the VCEK
 * chains to the pinned AMD roots and is valid at "now", check the report signature under the
 * VCEK, check the VCEK was issued for this chip and TCB, then return the facts a policy decides
 * on. Order matters only for which failure is reported first; every step must hold.
 */
import 'reflect-metadata'
import type * as x509 from '@peculiar/x509'
import { EvidenceError } from '../../../errors/tee.ts'
import type { EvidenceVerifier, VerifiedEvidence, VerifyOptions } from '../types.ts'
import { parseSnpCertificate, verifySnpChain } from './chain.ts'
import { decodeSnpEvidence } from './evidence.ts'
import { parseSnpReport, type SnpReport } from './report.ts'
import { MILAN_ARK_PEM, MILAN_ASK_PEM } from './roots.ts'
import { verifySnpReportSignature } from './signature.ts'
import { checkVcekBinding, readVcekExtensions } from './vcekExtensions.ts'

/** A VCEK as DER bytes or PEM text. */
export type VcekInput = Uint8Array | string

export interface SevSnpVerifierOptions {
  /** The AMD Root Key (PEM); default the Milan ARK pinned in `roots.ts`. */
  arkPem?: string
  /** The AMD SEV Key (PEM); default the Milan ASK pinned in `roots.ts`. */
  askPem?: string
  /** The VCEK to use for bare reports (evidence without a container). */
  vcek?: VcekInput
  /** Looks up the VCEK for a bare report (e.g. by chip id and reported TCB from a cache of AMD KDS answers). */
  vcekFor?: (report: SnpReport) => VcekInput | Promise<VcekInput>
}

/**
 * @throws {EvidenceError} `chain` when `arkPem` or `askPem` is not a certificate
 * @example
 * const verifier = createSevSnpVerifier()
 * const facts = await verifier.verify(encodeSnpEvidence({ report, vcek }), { now: new Date() })
 * facts.measurement // '0x...' (48 bytes)
 */
export function createSevSnpVerifier(options: SevSnpVerifierOptions = {}): EvidenceVerifier {
  const ark = parseSnpCertificate(options.arkPem ?? MILAN_ARK_PEM, 'ARK')
  const ask = parseSnpCertificate(options.askPem ?? MILAN_ASK_PEM, 'ASK')
  const fixedVcek = options.vcek === undefined ? undefined : parseSnpCertificate(options.vcek, 'VCEK')

  async function vcekFor(report: SnpReport, carried: Uint8Array | undefined): Promise<x509.X509Certificate> {
    if (carried) return parseSnpCertificate(carried, 'VCEK')
    if (fixedVcek) return fixedVcek
    if (options.vcekFor) {
      let found: VcekInput
      try {
        found = await options.vcekFor(report)
      } catch (e) {
        throw new EvidenceError({ platform: 'sev-snp', failure: 'chain', reason: `no VCEK found for chip ${report.chipId} (${(e as Error).message})`, cause: e as Error })
      }
      return parseSnpCertificate(found, 'VCEK')
    }
    throw new EvidenceError({
      platform: 'sev-snp',
      failure: 'chain',
      reason: 'the evidence is a bare report and the verifier was given neither a VCEK nor a vcekFor lookup',
    })
  }

  return {
    platform: 'sev-snp',
    async verify(evidence: Uint8Array, { now }: VerifyOptions): Promise<VerifiedEvidence> {
      const decoded = decodeSnpEvidence(evidence)
      const report = parseSnpReport(decoded.report)
      const vcek = await vcekFor(report, decoded.vcek)
      await verifySnpChain({ ark, ask, vcek, now })
      await verifySnpReportSignature(report, vcek)
      checkVcekBinding(report, readVcekExtensions(vcek))
      return {
        platform: 'sev-snp',
        measurement: report.measurement,
        reportData: report.reportData,
        debug: report.policyFlags.debug,
        tcbStatus: 'UpToDate',
        advisoryIds: [],
        details: {
          version: report.version,
          guestSvn: report.guestSvn,
          policy: report.policy,
          policyFlags: report.policyFlags,
          familyId: report.familyId,
          imageId: report.imageId,
          vmpl: report.vmpl,
          platformInfo: report.platformInfo,
          authorKeyEn: report.authorKeyEn,
          chipId: report.chipId,
          reportedTcb: report.reportedTcb,
          currentTcb: report.currentTcb,
          committedTcb: report.committedTcb,
          launchTcb: report.launchTcb,
          currentVersion: report.currentVersion,
          committedVersion: report.committedVersion,
          hostData: report.hostData,
          idKeyDigest: report.idKeyDigest,
          authorKeyDigest: report.authorKeyDigest,
          reportId: report.reportId,
          reportIdMa: report.reportIdMa,
          ...(report.cpuid ? { cpuid: report.cpuid } : {}),
          ...(report.mitVectors ? { mitVectors: report.mitVectors } : {}),
          vcekSerial: vcek.serialNumber,
        },
      }
    },
  }
}
