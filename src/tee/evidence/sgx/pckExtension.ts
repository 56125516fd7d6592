/**
 * Intel's SGX extension of PCK certificates (OID 1.2.840.113741.1.13.1, "Intel SGX PCK
 * Certificate and CRL Profile" section 1.5): the platform facts the TCB info is matched
 * against. Only the leaf PCK certificate carries it; the CA signed it, so once the chain
 * verifies these values are Intel's statement about the platform.
 *
 *   SEQUENCE OF SEQUENCE { OID, value }:
 *     .1 PPID (OCTET STRING 16)         .2 TCB (SEQUENCE OF { .2.1-.2.16 component SVN INTEGER,
 *     .3 PCE-ID (OCTET STRING 2)                              .2.17 PCESVN INTEGER, .2.18 CPUSVN })
 *     .4 FMSPC (OCTET STRING 6)         .5 SGX type (ENUMERATED)
 */
import { DER_TAG, decodeOid, decodeSmallUint, readDer, type DerNode } from './der.ts'

export const SGX_EXTENSION_OID = '1.2.840.113741.1.13.1'

export interface PckExtension {
  /** FMSPC, uppercase hex (as TCB info writes it). */
  fmspc: string
  /** PCE id, uppercase hex. */
  pceId: string
  /** The 16 SGX TCB component SVNs, in order. */
  tcbComponents: number[]
  pceSvn: number
  cpuSvn: string
  ppid: string
  sgxType: number | undefined
}

const hexUpper = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase()

function pairs(node: DerNode, what: string): Map<string, DerNode> {
  if (node.tag !== DER_TAG.sequence) throw new Error(`${what} is not a SEQUENCE`)
  const out = new Map<string, DerNode>()
  for (const entry of readDer(node.value)) {
    if (entry.tag !== DER_TAG.sequence) throw new Error(`an entry of ${what} is not a SEQUENCE`)
    const [oid, value, ...rest] = readDer(entry.value)
    if (!oid || oid.tag !== DER_TAG.oid || !value || rest.length) throw new Error(`an entry of ${what} is not { OID, value }`)
    out.set(decodeOid(oid.value), value)
  }
  return out
}

function take(map: Map<string, DerNode>, oid: string, tag: number, name: string): Uint8Array {
  const node = map.get(oid)
  if (!node) throw new Error(`the SGX extension has no ${name} (${oid})`)
  if (node.tag !== tag) throw new Error(`the SGX extension's ${name} has tag 0x${node.tag.toString(16)}, expected 0x${tag.toString(16)}`)
  return node.value
}

/**
 * Decodes the SGX extension's value (the extnValue's content, a DER SEQUENCE).
 * @throws {Error} naming the missing or mistyped field (the verifier turns it into `malformed`)
 * @example
 * const ext = parsePckExtension(new Uint8Array(pck.getExtension(SGX_EXTENSION_OID)!.value))
 * ext.fmspc // '00A067110000'
 */
export function parsePckExtension(value: Uint8Array): PckExtension {
  const [root, ...extra] = readDer(value)
  if (!root || extra.length) throw new Error('the SGX extension is not a single SEQUENCE')
  const top = pairs(root, 'the SGX extension')
  const base = SGX_EXTENSION_OID
  const tcbNode = top.get(`${base}.2`)
  if (!tcbNode) throw new Error(`the SGX extension has no TCB (${base}.2)`)
  const tcb = pairs(tcbNode, 'the SGX TCB')
  const tcbComponents: number[] = []
  for (let i = 1; i <= 16; i++) tcbComponents.push(decodeSmallUint(take(tcb, `${base}.2.${i}`, DER_TAG.integer, `TCB component ${i} SVN`)))
  const fmspc = take(top, `${base}.4`, DER_TAG.octetString, 'FMSPC')
  if (fmspc.length !== 6) throw new Error(`the FMSPC is ${fmspc.length} bytes, expected 6`)
  const pceId = take(top, `${base}.3`, DER_TAG.octetString, 'PCE-ID')
  if (pceId.length !== 2) throw new Error(`the PCE-ID is ${pceId.length} bytes, expected 2`)
  const sgxType = top.get(`${base}.5`)
  return {
    fmspc: hexUpper(fmspc),
    pceId: hexUpper(pceId),
    tcbComponents,
    pceSvn: decodeSmallUint(take(tcb, `${base}.2.17`, DER_TAG.integer, 'PCESVN')),
    cpuSvn: hexUpper(take(tcb, `${base}.2.18`, DER_TAG.octetString, 'CPUSVN')),
    ppid: hexUpper(take(top, `${base}.1`, DER_TAG.octetString, 'PPID')),
    sgxType: sgxType?.tag === DER_TAG.enumerated ? decodeSmallUint(sgxType.value) : undefined,
  }
}
