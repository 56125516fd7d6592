/**
 * The evidence bytes databourse passes around for SEV-SNP: one `Uint8Array` carrying the
 * attestation report and the chip's VCEK certificate, because a report alone cannot be checked
 * without the key that signed it and `EvidenceVerifier.verify` takes a single byte string.
 *
 * Layout (big-endian lengths): magic "DBSNP" (5 bytes), format version 0x01, u32 report length,
 * report, u32 VCEK length, VCEK (DER). Nothing may follow. A bare 1,184-byte report is also
 * accepted by the verifier when it was configured with a VCEK (`decodeSnpEvidence` says which).
 */
import { EvidenceError } from '../../../errors/tee.ts'
import { SNP_REPORT_SIZE } from './report.ts'

export const SNP_EVIDENCE_MAGIC = new Uint8Array([0x44, 0x42, 0x53, 0x4e, 0x50]) // "DBSNP"
export const SNP_EVIDENCE_FORMAT_VERSION = 1
const HEADER = SNP_EVIDENCE_MAGIC.length + 1

export interface SnpEvidence {
  report: Uint8Array
  /** The VCEK certificate (DER); undefined when the evidence was a bare report. */
  vcek?: Uint8Array | undefined
}

const malformed = (reason: string): never => {
  throw new EvidenceError({ platform: 'sev-snp', failure: 'malformed', reason })
}

/**
 * @example
 * const evidence = encodeSnpEvidence({ report, vcek: readFileSync('vcek.der') })
 */
export function encodeSnpEvidence({ report, vcek }: { report: Uint8Array; vcek: Uint8Array }): Uint8Array {
  const out = new Uint8Array(HEADER + 4 + report.length + 4 + vcek.length)
  const view = new DataView(out.buffer)
  out.set(SNP_EVIDENCE_MAGIC, 0)
  out[SNP_EVIDENCE_MAGIC.length] = SNP_EVIDENCE_FORMAT_VERSION
  view.setUint32(HEADER, report.length)
  out.set(report, HEADER + 4)
  view.setUint32(HEADER + 4 + report.length, vcek.length)
  out.set(vcek, HEADER + 8 + report.length)
  return out
}

const hasMagic = (bytes: Uint8Array) => bytes.length >= SNP_EVIDENCE_MAGIC.length && SNP_EVIDENCE_MAGIC.every((b, i) => bytes[i] === b)

/**
 * Splits evidence into report and VCEK; a bare report (exactly 1,184 bytes, no magic) comes
 * back without a VCEK. Sizes inside the report are checked later by `parseSnpReport`.
 *
 * @throws {EvidenceError} `malformed` when the container is truncated, has trailing bytes or
 * an unknown format version
 * @example
 * const { report, vcek } = decodeSnpEvidence(evidence)
 */
export function decodeSnpEvidence(bytes: Uint8Array): SnpEvidence {
  if (!hasMagic(bytes)) {
    if (bytes.length === SNP_REPORT_SIZE) return { report: bytes }
    return malformed(`${bytes.length} bytes are neither a DBSNP evidence container nor a ${SNP_REPORT_SIZE}-byte report`)
  }
  if (bytes.length < HEADER + 8) return malformed(`the evidence container is truncated (${bytes.length} bytes)`)
  const version = bytes[SNP_EVIDENCE_MAGIC.length]
  if (version !== SNP_EVIDENCE_FORMAT_VERSION) return malformed(`evidence container format version ${version} is not ${SNP_EVIDENCE_FORMAT_VERSION}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const reportLength = view.getUint32(HEADER)
  const vcekLengthAt = HEADER + 4 + reportLength
  if (vcekLengthAt + 4 > bytes.length) return malformed(`the container's report length ${reportLength} runs past its ${bytes.length} bytes`)
  const vcekLength = view.getUint32(vcekLengthAt)
  const end = vcekLengthAt + 4 + vcekLength
  if (end > bytes.length) return malformed(`the container's VCEK length ${vcekLength} runs past its ${bytes.length} bytes`)
  if (end < bytes.length) return malformed(`${bytes.length - end} unexpected bytes follow the VCEK in the container`)
  if (vcekLength === 0) return malformed('the container holds an empty VCEK')
  return {
    report: bytes.slice(HEADER + 4, HEADER + 4 + reportLength),
    vcek: bytes.slice(vcekLengthAt + 4, end),
  }
}
