/**
 * The SEV-SNP ATTESTATION_REPORT structure (AMD "SEV Secure Nested Paging Firmware ABI
 * Specification", table "ATTESTATION_REPORT Structure"): 1,184 little-endian bytes the AMD
 * secure processor signs with the chip's VCEK. Parsing is strict — exact size, known version,
 * must-be-one / must-be-zero bits and reserved ranges — because a verifier that tolerates
 * garbage in "reserved" bytes accepts layouts it does not understand.
 */
import { bytesToHex, type Hex } from 'viem'
import { EvidenceError } from '../../../errors/tee.ts'

/** Size of an ATTESTATION_REPORT (0x4A0). */
export const SNP_REPORT_SIZE = 0x4a0
/** The signature covers bytes 0x000..0x29F; SIGNATURE starts here. */
export const SNP_SIGNED_LENGTH = 0x2a0
/** SIGNATURE_ALGO value for ECDSA P-384 with SHA-384, the only one the ABI defines. */
export const SIG_ALGO_ECDSA_P384_SHA384 = 1
/** r and s are 72-byte little-endian fields of which a P-384 scalar uses the low 48 bytes. */
const SIG_COMPONENT_SIZE = 72
/** The newest ATTESTATION_REPORT version whose layout this parser knows (ABI rev 1.57). */
export const MAX_KNOWN_VERSION = 5
const P384_SCALAR_SIZE = 48

/** A TCB_VERSION as Milan and Genoa encode it: one security patch level (SPL) per component. */
export interface SnpTcb {
  bootloader: number
  tee: number
  snp: number
  microcode: number
  /** The 64-bit value as 0x-hex (big-endian rendering of the little-endian field). */
  raw: Hex
}

/** Who signed the report (SIGNING_KEY of the signer info word at 0x48). */
export type SnpSigningKey = 'vcek' | 'vlek' | 'none'

export interface SnpReport {
  version: number
  guestSvn: number
  /** GUEST_POLICY as 0x-hex (16 digits). */
  policy: Hex
  policyFlags: { abiMinor: number; abiMajor: number; smt: boolean; migrateMa: boolean; debug: boolean; singleSocket: boolean }
  familyId: Hex
  imageId: Hex
  vmpl: number
  signatureAlgo: number
  currentTcb: SnpTcb
  /** PLATFORM_INFO as 0x-hex (SMT_EN bit 0, TSME_EN bit 1, ...). */
  platformInfo: Hex
  authorKeyEn: boolean
  maskChipKey: boolean
  signingKey: SnpSigningKey
  reportData: Hex
  measurement: Hex
  hostData: Hex
  idKeyDigest: Hex
  authorKeyDigest: Hex
  reportId: Hex
  reportIdMa: Hex
  reportedTcb: SnpTcb
  /** CPUID family/model/stepping of the chip (report version 3 and later); undefined before. */
  cpuid?: { family: number; model: number; stepping: number } | undefined
  chipId: Hex
  committedTcb: SnpTcb
  currentVersion: string
  committedVersion: string
  launchTcb: SnpTcb
  /** LAUNCH_MIT_VECTOR and CURRENT_MIT_VECTOR as 0x-hex (report version 5 and later); undefined before. */
  mitVectors?: { launch: Hex; current: Hex } | undefined
  /** r and s as big-endian 48-byte scalars, ready for ECDSA verification. */
  signature: { r: Uint8Array; s: Uint8Array }
  /** The bytes the signature covers (0x000..0x29F). */
  signedBytes: Uint8Array
}

const malformed = (reason: string): never => {
  throw new EvidenceError({ platform: 'sev-snp', failure: 'malformed', reason })
}

/** Refuses the report when any byte of [from, to) is non-zero, naming the field and offset. */
function mustBeZero(bytes: Uint8Array, from: number, to: number, field: string): void {
  for (let i = from; i < to; i++) {
    if (bytes[i] !== 0) malformed(`reserved ${field} byte at 0x${i.toString(16)} is 0x${bytes[i].toString(16)}, must be zero`)
  }
}

/** A little-endian u64 field as 16 hex digits. */
const u64Hex = (view: DataView, offset: number): Hex => `0x${view.getBigUint64(offset, true).toString(16).padStart(16, '0')}`

function readTcb(bytes: Uint8Array, view: DataView, offset: number, field: string): SnpTcb {
  // Milan/Genoa TCB_VERSION: byte 0 BOOT_LOADER, 1 TEE, 2..5 reserved, 6 SNP, 7 MICROCODE.
  mustBeZero(bytes, offset + 2, offset + 6, `${field} (TCB_VERSION)`)
  return {
    bootloader: bytes[offset],
    tee: bytes[offset + 1],
    snp: bytes[offset + 6],
    microcode: bytes[offset + 7],
    raw: u64Hex(view, offset),
  }
}

/** r or s: 72 little-endian bytes, the top 24 zero, returned as a 48-byte big-endian scalar. */
function readScalar(bytes: Uint8Array, offset: number, name: string): Uint8Array {
  mustBeZero(bytes, offset + P384_SCALAR_SIZE, offset + SIG_COMPONENT_SIZE, `signature ${name} padding`)
  return bytes.slice(offset, offset + P384_SCALAR_SIZE).reverse()
}

const hexAt = (bytes: Uint8Array, offset: number, length: number): Hex => bytesToHex(bytes.subarray(offset, offset + length))

/**
 * Parses and structurally checks an ATTESTATION_REPORT. It does not verify the signature.
 *
 * @throws {EvidenceError} `malformed`, naming the field that is out of the specification
 * @example
 * const report = parseSnpReport(readFileSync('attestation.bin'))
 * report.measurement // '0xb07af962...'
 */
export function parseSnpReport(bytes: Uint8Array): SnpReport {
  if (bytes.length !== SNP_REPORT_SIZE) malformed(`the report is ${bytes.length} bytes, an ATTESTATION_REPORT is exactly ${SNP_REPORT_SIZE}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)

  const version = view.getUint32(0x00, true)
  if (version < 2) malformed(`report version ${version} is not supported (2 or later)`)
  // Fail closed on layouts newer than this parser knows: version 6 (ABI 1.59) defines fields in
  // what is reserved here, and reading them as reserved would misreport the cause.
  if (version > MAX_KNOWN_VERSION) malformed(`report version ${version} is newer than the layouts this verifier reads (2..${MAX_KNOWN_VERSION})`)

  const policyValue = view.getBigUint64(0x08, true)
  // Bit 17 is reserved and must be one; bits 63:26 are reserved and must be zero
  // (bits 21..25 are CXL_ALLOW, MEM_AES_256_XTS, RAPL_DIS, CIPHERTEXT_HIDING, PAGE_SWAP_DISABLE).
  if ((policyValue & (1n << 17n)) === 0n) malformed('policy bit 17 is reserved and must be one, but is zero')
  if (policyValue >> 26n !== 0n) malformed(`policy 0x${policyValue.toString(16)} sets reserved bits 63:26`)
  const bit = (n: bigint) => (policyValue & (1n << n)) !== 0n

  const signatureAlgo = view.getUint32(0x34, true)
  if (signatureAlgo !== SIG_ALGO_ECDSA_P384_SHA384) malformed(`signature_algo ${signatureAlgo} is not 1 (ECDSA P-384 with SHA-384)`)

  const signerInfo = view.getUint32(0x48, true)
  if (signerInfo >>> 5 !== 0) malformed(`signer info 0x${signerInfo.toString(16)} sets reserved bits 31:5`)
  const signingKeyValue = (signerInfo >>> 2) & 7
  if (signingKeyValue >= 2 && signingKeyValue <= 6) malformed(`signing_key ${signingKeyValue} is reserved`)
  mustBeZero(bytes, 0x4c, 0x50, 'field after signer info')

  // 0x188..0x19F: reserved in version 2; from version 3 the first three bytes are CPUID_FAM_ID,
  // CPUID_MOD_ID and CPUID_STEP.
  let cpuid: SnpReport['cpuid']
  if (version >= 3) {
    cpuid = { family: bytes[0x188], model: bytes[0x189], stepping: bytes[0x18a] }
    // Turin (family 0x1A) changed the TCB_VERSION layout (an FMC SPL first); its fields would be misread.
    if (cpuid.family === 0x1a) malformed('the report comes from a Turin (family 0x1A) chip, whose TCB layout this verifier does not read')
    mustBeZero(bytes, 0x18b, 0x1a0, 'field after CPUID')
  } else {
    mustBeZero(bytes, 0x188, 0x1a0, 'field after reported_tcb')
  }
  mustBeZero(bytes, 0x1eb, 0x1ec, 'byte after current version')
  mustBeZero(bytes, 0x1ef, 0x1f0, 'byte after committed version')
  // Version 5 added LAUNCH_MIT_VECTOR (0x1F8) and CURRENT_MIT_VECTOR (0x200); the rest is reserved.
  mustBeZero(bytes, version >= 5 ? 0x208 : 0x1f8, SNP_SIGNED_LENGTH, 'area before the signature')
  mustBeZero(bytes, SNP_SIGNED_LENGTH + 2 * SIG_COMPONENT_SIZE, SNP_REPORT_SIZE, 'area after the signature')

  const version3 = (offset: number) => `${bytes[offset + 2]}.${bytes[offset + 1]}.${bytes[offset]}`
  return {
    version,
    guestSvn: view.getUint32(0x04, true),
    policy: `0x${policyValue.toString(16).padStart(16, '0')}`,
    policyFlags: {
      abiMinor: Number(policyValue & 0xffn),
      abiMajor: Number((policyValue >> 8n) & 0xffn),
      smt: bit(16n),
      migrateMa: bit(18n),
      debug: bit(19n),
      singleSocket: bit(20n),
    },
    familyId: hexAt(bytes, 0x10, 16),
    imageId: hexAt(bytes, 0x20, 16),
    vmpl: view.getUint32(0x30, true),
    signatureAlgo,
    currentTcb: readTcb(bytes, view, 0x38, 'current_tcb'),
    platformInfo: u64Hex(view, 0x40),
    authorKeyEn: (signerInfo & 1) !== 0,
    maskChipKey: (signerInfo & 2) !== 0,
    signingKey: signingKeyValue === 0 ? 'vcek' : signingKeyValue === 1 ? 'vlek' : 'none',
    reportData: hexAt(bytes, 0x50, 64),
    measurement: hexAt(bytes, 0x90, 48),
    hostData: hexAt(bytes, 0xc0, 32),
    idKeyDigest: hexAt(bytes, 0xe0, 48),
    authorKeyDigest: hexAt(bytes, 0x110, 48),
    reportId: hexAt(bytes, 0x140, 32),
    reportIdMa: hexAt(bytes, 0x160, 32),
    reportedTcb: readTcb(bytes, view, 0x180, 'reported_tcb'),
    cpuid,
    chipId: hexAt(bytes, 0x1a0, 64),
    committedTcb: readTcb(bytes, view, 0x1e0, 'committed_tcb'),
    currentVersion: version3(0x1e8),
    committedVersion: version3(0x1ec),
    launchTcb: readTcb(bytes, view, 0x1f0, 'launch_tcb'),
    mitVectors: version >= 5 ? { launch: u64Hex(view, 0x1f8), current: u64Hex(view, 0x200) } : undefined,
    signature: {
      r: readScalar(bytes, SNP_SIGNED_LENGTH, 'r'),
      s: readScalar(bytes, SNP_SIGNED_LENGTH + SIG_COMPONENT_SIZE, 's'),
    },
    signedBytes: bytes.slice(0, SNP_SIGNED_LENGTH),
  }
}
