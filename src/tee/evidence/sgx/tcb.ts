/**
 * TCB evaluation (Intel "SGX TCB info" and "QE identity" matching rules):
 * - the platform: TCB info for the PCK certificate's FMSPC and PCE id; the first TCB level
 *   (Intel lists them newest first) whose 16 SGX component SVNs and PCESVN are all <= the
 *   PCK certificate's gives the status and advisories;
 * - the quoting enclave: its report must carry the MRSIGNER, ISVPRODID and the masked
 *   MISCSELECT/ATTRIBUTES of Intel's QE identity, and its ISVSVN selects the first QE TCB
 *   level at or below it.
 * A `Revoked` level is refused outright (`tcb`); other statuses are returned for the policy.
 */
import { fail } from './fail.ts'
import type { QeIdentity, TcbInfo } from './collateral.ts'
import type { PckExtension } from './pckExtension.ts'
import type { SgxReportBody } from './quote.ts'

export interface TcbMatch {
  tcbStatus: string
  advisoryIds: string[]
  tcbDate: string
}

/**
 * Selects the platform's TCB level.
 * @throws {EvidenceError} `tcb` when FMSPC/PCE id differ, no level matches, or the level is Revoked
 * @example
 * matchPlatformTcb(tcbInfo, pckExtension).tcbStatus // 'ConfigurationAndSWHardeningNeeded'
 */
export function matchPlatformTcb(tcbInfo: TcbInfo, pck: PckExtension): TcbMatch {
  if (tcbInfo.fmspc.toUpperCase() !== pck.fmspc) fail('tcb', `the TCB info is for FMSPC ${tcbInfo.fmspc.toUpperCase()} but the PCK certificate's FMSPC is ${pck.fmspc}`)
  if (tcbInfo.pceId.toUpperCase() !== pck.pceId) fail('tcb', `the TCB info is for PCE id ${tcbInfo.pceId.toUpperCase()} but the PCK certificate's PCE id is ${pck.pceId}`)
  const level = tcbInfo.tcbLevels.find(
    (l) => l.tcb.pcesvn <= pck.pceSvn && l.tcb.sgxtcbcomponents.every((c, i) => c.svn <= pck.tcbComponents[i]!),
  )
  if (!level) fail('tcb', `no TCB level of FMSPC ${pck.fmspc} is at or below the platform's SVNs [${pck.tcbComponents.join(',')}] with PCESVN ${pck.pceSvn}`)
  if (level.tcbStatus === 'Revoked') fail('tcb', `the platform's TCB level (${level.tcbDate}) is Revoked`)
  return { tcbStatus: level.tcbStatus, advisoryIds: level.advisoryIDs ?? [], tcbDate: level.tcbDate }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const maskedEquals = (value: Uint8Array, mask: Uint8Array, expected: Uint8Array) =>
  value.length === mask.length && mask.length === expected.length && value.every((b, i) => (b & mask[i]!) === expected[i])

/** MISCSELECT as the 4 little-endian bytes the QE identity's hex strings spell. */
function miscSelectBytes(miscSelect: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, miscSelect, true)
  return out
}

/**
 * Checks the QE report against Intel's QE identity and selects its TCB level.
 * @throws {EvidenceError} `tcb` naming the field that differs, or no/Revoked QE TCB level
 * @example
 * matchQeIdentity(qeIdentity, quote.qeReport).tcbStatus // 'UpToDate'
 */
export function matchQeIdentity(identity: QeIdentity, qeReport: SgxReportBody): TcbMatch {
  if (hex(qeReport.mrSigner) !== identity.mrsigner.toLowerCase()) fail('tcb', `the QE's MRSIGNER ${hex(qeReport.mrSigner)} is not the QE identity's ${identity.mrsigner.toLowerCase()}`)
  if (qeReport.isvProdId !== identity.isvprodid) fail('tcb', `the QE's ISVPRODID ${qeReport.isvProdId} is not the QE identity's ${identity.isvprodid}`)
  const misc = miscSelectBytes(qeReport.miscSelect)
  if (!maskedEquals(misc, Buffer.from(identity.miscselectMask, 'hex'), Buffer.from(identity.miscselect, 'hex'))) {
    fail('tcb', `the QE's MISCSELECT ${hex(misc)} under mask ${identity.miscselectMask} is not ${identity.miscselect}`)
  }
  if (!maskedEquals(qeReport.attributes, Buffer.from(identity.attributesMask, 'hex'), Buffer.from(identity.attributes, 'hex'))) {
    fail('tcb', `the QE's ATTRIBUTES ${hex(qeReport.attributes)} under mask ${identity.attributesMask} are not ${identity.attributes}`)
  }
  const level = identity.tcbLevels.find((l) => l.tcb.isvsvn <= qeReport.isvSvn)
  if (!level) fail('tcb', `the QE's ISVSVN ${qeReport.isvSvn} is below every QE TCB level`)
  if (level.tcbStatus === 'Revoked') fail('tcb', `the QE's TCB level (ISVSVN ${level.tcb.isvsvn}) is Revoked`)
  return { tcbStatus: level.tcbStatus, advisoryIds: level.advisoryIDs ?? [], tcbDate: level.tcbDate }
}
