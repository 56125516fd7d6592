/**
 * The report signature: ECDSA P-384 with SHA-384 over bytes 0x000..0x29F, made by the AMD
 * secure processor with the chip's VCEK. This is what ties MEASUREMENT and REPORT_DATA to the
 * hardware; everything else (chain, binding) only establishes whose key the VCEK is.
 */
import type * as x509 from '@peculiar/x509'
import { EvidenceError } from '../../../errors/tee.ts'
import type { SnpReport } from './report.ts'

const fail = (reason: string): never => {
  throw new EvidenceError({ platform: 'sev-snp', failure: 'signature', reason })
}

/**
 * Verifies the report's signature with the VCEK's public key (WebCrypto; the little-endian
 * r and s were already turned into big-endian scalars by `parseSnpReport`).
 *
 * @throws {EvidenceError} `signature` when it does not verify
 * @example
 * await verifySnpReportSignature(parseSnpReport(bytes), vcek)
 */
export async function verifySnpReportSignature(report: SnpReport, vcek: x509.X509Certificate): Promise<void> {
  if (report.signingKey !== 'vcek') fail(`the report's signing_key says ${report.signingKey === 'none' ? 'it is unsigned' : `it was signed by a ${report.signingKey.toUpperCase()}`}, not the VCEK`)
  const key = await crypto.subtle.importKey('spki', vcek.publicKey.rawData, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify'])
  const signature = new Uint8Array(96)
  signature.set(report.signature.r, 0)
  signature.set(report.signature.s, 48)
  const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, key, signature, report.signedBytes.slice())
  if (!ok) fail('the report signature (ECDSA P-384/SHA-384 over bytes 0x000..0x29F) does not verify under the VCEK')
}
