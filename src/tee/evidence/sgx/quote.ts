/**
 * Parser of Intel SGX DCAP ECDSA quotes, version 3 (Intel "SGX ECDSA Quote Library API",
 * appendix A.4). Layout, all integers little-endian:
 *
 *   header (48)          version u16 | att. key type u16 | TEE type u32 | QE SVN u16 | PCE SVN u16
 *                        | QE vendor id (16) | user data (20)
 *   ISV report body (384)
 *   signature data length u32, then signature data:
 *     ISV signature (64, r||s) | attestation public key (64, x||y) | QE report body (384)
 *     | QE report signature (64) | QE auth data length u16 + bytes
 *     | certification data type u16 + length u32 + bytes (type 5: PEM PCK chain)
 *
 * Every length is checked against what is left and the data must end exactly where the
 * lengths say: a truncated or padded quote is `malformed`, never partially trusted.
 */
import { fail } from './fail.ts'

export const QUOTE_HEADER_SIZE = 48
export const REPORT_BODY_SIZE = 384
/** Attestation key type 2: ECDSA-256-with-P-256 curve. */
export const ATT_KEY_TYPE_ECDSA_P256 = 2
/** TEE type 0x00000000: SGX (TDX is 0x81). */
export const TEE_TYPE_SGX = 0
/** Certification data type 5: PCK leaf || intermediate CA || root CA, PEM. */
export const CERT_DATA_TYPE_PCK_CHAIN = 5
/** Intel's QE vendor id 939A7233-F79C-4CA9-940A-0DB3957F0607. */
export const INTEL_QE_VENDOR_ID = '939a7233f79c4ca9940a0db3957f0607'
/** ATTRIBUTES.FLAGS bit 1: the enclave was launched debuggable. */
export const SGX_FLAGS_DEBUG = 0x02

/** An SGX REPORT body (the ISV enclave's and the QE's share this layout). */
export interface SgxReportBody {
  cpuSvn: Uint8Array
  miscSelect: number
  /** 16 bytes: FLAGS (u64 LE) then XFRM (u64 LE). */
  attributes: Uint8Array
  mrEnclave: Uint8Array
  mrSigner: Uint8Array
  isvProdId: number
  isvSvn: number
  reportData: Uint8Array
  /** The 384 bytes as quoted (what the QE report signature covers). */
  raw: Uint8Array
}

export interface SgxQuoteHeader {
  version: number
  attestationKeyType: number
  teeType: number
  qeSvn: number
  pceSvn: number
  qeVendorId: Uint8Array
  userData: Uint8Array
}

export interface SgxQuote {
  header: SgxQuoteHeader
  isvReport: SgxReportBody
  /** Header || ISV report body: the bytes the attestation key signs. */
  signedBytes: Uint8Array
  /** ECDSA P-256 r||s by the attestation key over `signedBytes`. */
  isvSignature: Uint8Array
  /** Raw P-256 point x||y (64 bytes) the QE generated for this platform. */
  attestationKey: Uint8Array
  qeReport: SgxReportBody
  /** ECDSA P-256 r||s by the PCK leaf key over `qeReport.raw`. */
  qeReportSignature: Uint8Array
  qeAuthData: Uint8Array
  certificationDataType: number
  /** The PCK chain, PEM text (trailing NULs removed), leaf first. */
  pckChainPem: string
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength)

/**
 * Parses an SGX REPORT body.
 * @example
 * const body = parseReportBody(quote.subarray(48, 432))
 */
export function parseReportBody(raw: Uint8Array): SgxReportBody {
  if (raw.length !== REPORT_BODY_SIZE) fail('malformed', `a report body must be ${REPORT_BODY_SIZE} bytes, got ${raw.length}`)
  const v = view(raw)
  return {
    cpuSvn: raw.slice(0, 16),
    miscSelect: v.getUint32(16, true),
    attributes: raw.slice(48, 64),
    mrEnclave: raw.slice(64, 96),
    mrSigner: raw.slice(128, 160),
    isvProdId: v.getUint16(256, true),
    isvSvn: v.getUint16(258, true),
    reportData: raw.slice(320, 384),
    raw: raw.slice(),
  }
}

/** True when the report's ATTRIBUTES.FLAGS has the DEBUG bit. */
export function isDebugEnclave(report: SgxReportBody): boolean {
  return (report.attributes[0]! & SGX_FLAGS_DEBUG) !== 0
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

/**
 * Parses and structurally validates a v3 ECDSA-P256 SGX quote; verifies no signature.
 * @throws {EvidenceError} `malformed` naming the field that is wrong, short or oversized
 * @example
 * const quote = parseSgxQuote(await readFile('sgx_quote'))
 * quote.isvReport.mrEnclave // 32 bytes
 */
export function parseSgxQuote(bytes: Uint8Array): SgxQuote {
  const minimum = QUOTE_HEADER_SIZE + REPORT_BODY_SIZE + 4
  if (bytes.length < minimum) fail('malformed', `the quote is ${bytes.length} bytes, shorter than header + report body + signature length (${minimum})`)
  const v = view(bytes)
  const header: SgxQuoteHeader = {
    version: v.getUint16(0, true),
    attestationKeyType: v.getUint16(2, true),
    teeType: v.getUint32(4, true),
    qeSvn: v.getUint16(8, true),
    pceSvn: v.getUint16(10, true),
    qeVendorId: bytes.slice(12, 28),
    userData: bytes.slice(28, 48),
  }
  if (header.version !== 3) fail('malformed', `quote version is ${header.version}, expected 3`)
  if (header.attestationKeyType !== ATT_KEY_TYPE_ECDSA_P256) fail('malformed', `attestation key type is ${header.attestationKeyType}, expected 2 (ECDSA-256-with-P-256)`)
  if (header.teeType !== TEE_TYPE_SGX) fail('malformed', `TEE type is 0x${header.teeType.toString(16)}, expected 0 (SGX)`)
  if (hex(header.qeVendorId) !== INTEL_QE_VENDOR_ID) fail('malformed', `QE vendor id is ${hex(header.qeVendorId)}, expected Intel's ${INTEL_QE_VENDOR_ID}`)

  const signedBytes = bytes.slice(0, QUOTE_HEADER_SIZE + REPORT_BODY_SIZE)
  const isvReport = parseReportBody(bytes.subarray(QUOTE_HEADER_SIZE, QUOTE_HEADER_SIZE + REPORT_BODY_SIZE))
  const sigLength = v.getUint32(minimum - 4, true)
  const sig = bytes.subarray(minimum)
  if (sig.length !== sigLength) fail('malformed', `signature data length says ${sigLength} bytes but ${sig.length} follow`)

  // Fixed part: ISV signature, attestation key, QE report, QE report signature, auth data length.
  const fixed = 64 + 64 + REPORT_BODY_SIZE + 64 + 2
  if (sig.length < fixed) fail('malformed', `signature data is ${sig.length} bytes, shorter than its fixed part (${fixed})`)
  const sv = view(sig)
  const authLength = sv.getUint16(fixed - 2, true)
  let offset = fixed
  if (offset + authLength + 6 > sig.length) fail('malformed', `QE authentication data (${authLength} bytes) and certification data header run past the signature data`)
  const qeAuthData = sig.slice(offset, offset + authLength)
  offset += authLength
  const certificationDataType = sv.getUint16(offset, true)
  const certLength = sv.getUint32(offset + 2, true)
  offset += 6
  if (certificationDataType !== CERT_DATA_TYPE_PCK_CHAIN) fail('malformed', `certification data type is ${certificationDataType}, expected 5 (PEM PCK certificate chain)`)
  if (offset + certLength !== sig.length) fail('malformed', `certification data length says ${certLength} bytes but ${sig.length - offset} follow`)
  const certificationData = sig.subarray(offset, offset + certLength)
  let end = certificationData.length
  while (end > 0 && certificationData[end - 1] === 0) end--

  return {
    header,
    isvReport,
    signedBytes,
    isvSignature: sig.slice(0, 64),
    attestationKey: sig.slice(64, 128),
    qeReport: parseReportBody(sig.subarray(128, 128 + REPORT_BODY_SIZE)),
    qeReportSignature: sig.slice(128 + REPORT_BODY_SIZE, 192 + REPORT_BODY_SIZE),
    qeAuthData,
    certificationDataType,
    pckChainPem: new TextDecoder('utf-8', { fatal: false }).decode(certificationData.subarray(0, end)),
  }
}
