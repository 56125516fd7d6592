/**
 * The AMD extensions of a VCEK certificate and their binding to a report. A VCEK is derived
 * from one chip's secret and one TCB level, and AMD writes both into the certificate; a report
 * whose CHIP_ID or REPORTED_TCB differs was signed for another chip or TCB and must not borrow
 * this certificate's authority (go-sev-guest checks the same in verify/verify.go).
 */
import type * as x509 from '@peculiar/x509'
import { bytesToHex, type Hex } from 'viem'
import { EvidenceError } from '../../../errors/tee.ts'
import type { SnpReport } from './report.ts'

/** OIDs under AMD's arc 1.3.6.1.4.1.3704 (AMD KDS specification, "VCEK certificate extensions"). */
export const VCEK_OIDS = {
  bootloader: '1.3.6.1.4.1.3704.1.3.1',
  tee: '1.3.6.1.4.1.3704.1.3.2',
  snp: '1.3.6.1.4.1.3704.1.3.3',
  microcode: '1.3.6.1.4.1.3704.1.3.8',
  hwId: '1.3.6.1.4.1.3704.1.4',
} as const

export type SplName = 'bootloader' | 'tee' | 'snp' | 'microcode'

export interface VcekExtensions {
  tcb: Record<SplName, number>
  hwId: Hex
}

const fail = (failure: 'malformed' | 'binding', reason: string): never => {
  throw new EvidenceError({ platform: 'sev-snp', failure, reason })
}

function extensionValue(cert: x509.X509Certificate, oid: string, name: string): Uint8Array {
  const ext = cert.getExtension(oid)
  if (!ext) return fail('binding', `the VCEK has no ${name} extension (${oid})`)
  return new Uint8Array(ext.value)
}

/** A DER INTEGER in 0..255 (the SPLs: 02 01 xx, or 02 02 00 xx when the top bit is set). */
function readSpl(value: Uint8Array, name: string): number {
  const length = value[1]
  if (value[0] !== 0x02 || length === undefined || length < 1 || length > 2 || value.length !== 2 + length) {
    return fail('malformed', `the VCEK's ${name} extension is not a small DER INTEGER (${bytesToHex(value)})`)
  }
  const n = length === 1 ? value[2] : (value[2] << 8) | value[3]
  if ((length === 1 && n > 0x7f) || (length === 2 && (value[2] !== 0 || value[3] < 0x80))) {
    return fail('malformed', `the VCEK's ${name} extension is not a minimally encoded SPL 0..255 (${bytesToHex(value)})`)
  }
  return n
}

/**
 * Reads the SPLs and hardware id from a VCEK. AMD encodes hwID as the raw 64 bytes; an OCTET
 * STRING wrapping them is accepted too.
 *
 * @example
 * readVcekExtensions(vcek) // { tcb: { bootloader: 2, tee: 0, snp: 5, microcode: 68 }, hwId: '0x3ac3...' }
 */
export function readVcekExtensions(cert: x509.X509Certificate): VcekExtensions {
  const tcb = {} as Record<SplName, number>
  for (const name of ['bootloader', 'tee', 'snp', 'microcode'] as const) {
    tcb[name] = readSpl(extensionValue(cert, VCEK_OIDS[name], `${name} SPL`), `${name} SPL`)
  }
  let hwId = extensionValue(cert, VCEK_OIDS.hwId, 'hwID')
  if (hwId.length === 66 && hwId[0] === 0x04 && hwId[1] === 0x40) hwId = hwId.subarray(2)
  if (hwId.length !== 64) fail('malformed', `the VCEK's hwID extension is ${hwId.length} bytes, not 64`)
  return { tcb, hwId: bytesToHex(hwId) }
}

/**
 * The report must carry the VCEK's chip id and TCB: CHIP_ID = hwID, REPORTED_TCB = the SPLs.
 *
 * @throws {EvidenceError} `binding`, naming the field that differs and both values
 * @example
 * checkVcekBinding(report, readVcekExtensions(vcek))
 */
export function checkVcekBinding(report: SnpReport, ext: VcekExtensions): void {
  if (report.maskChipKey) fail('binding', 'the report masks its chip id (MASK_CHIP_KEY), so it cannot be bound to the VCEK')
  if (report.chipId !== ext.hwId) fail('binding', `the report's chip_id ${report.chipId} is not the VCEK's hwID ${ext.hwId}`)
  for (const name of ['bootloader', 'tee', 'snp', 'microcode'] as const) {
    if (report.reportedTcb[name] !== ext.tcb[name]) {
      fail('binding', `the report's reported_tcb ${name} SPL ${report.reportedTcb[name]} is not the VCEK's ${ext.tcb[name]}`)
    }
  }
}
