/**
 * A minimal DER reader for the one structure @peculiar/x509 does not decode for us: Intel's
 * SGX extension in PCK certificates (a SEQUENCE of { OID, value } pairs, nested once for the
 * TCB). Only definite lengths are accepted, as DER requires; anything else is refused.
 */

export interface DerNode {
  /** The full identifier octet (class, constructed bit and tag number < 31). */
  tag: number
  /** The content octets. */
  value: Uint8Array
}

export const DER_TAG = { integer: 0x02, octetString: 0x04, oid: 0x06, enumerated: 0x0a, sequence: 0x30 } as const

/**
 * Reads consecutive TLVs that exactly fill `bytes`.
 * @throws {Error} when a length runs past the end or uses an indefinite/oversized form
 * @example
 * const [seq] = readDer(extensionValue) // seq.tag === 0x30
 */
export function readDer(bytes: Uint8Array): DerNode[] {
  const nodes: DerNode[] = []
  let offset = 0
  while (offset < bytes.length) {
    if (offset + 2 > bytes.length) throw new Error(`DER: truncated header at offset ${offset}`)
    const tag = bytes[offset]!
    if ((tag & 0x1f) === 0x1f) throw new Error(`DER: high tag numbers are not used here (offset ${offset})`)
    let length = bytes[offset + 1]!
    offset += 2
    if (length & 0x80) {
      const count = length & 0x7f
      if (count === 0 || count > 3) throw new Error(`DER: unsupported length form 0x${length.toString(16)}`)
      if (offset + count > bytes.length) throw new Error('DER: truncated length')
      length = 0
      for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + i]!
      offset += count
    }
    if (offset + length > bytes.length) throw new Error(`DER: value of ${length} bytes runs past the end`)
    nodes.push({ tag, value: bytes.subarray(offset, offset + length) })
    offset += length
  }
  return nodes
}

/** Dotted-decimal text of an OBJECT IDENTIFIER's content octets. */
export function decodeOid(value: Uint8Array): string {
  if (value.length === 0) throw new Error('DER: empty OID')
  const first = value[0]!
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40]
  let n = 0
  for (let i = 1; i < value.length; i++) {
    const b = value[i]!
    n = n * 128 + (b & 0x7f)
    if (!(b & 0x80)) {
      parts.push(n)
      n = 0
    } else if (i === value.length - 1) throw new Error('DER: OID ends mid-component')
  }
  return parts.join('.')
}

/** A non-negative INTEGER/ENUMERATED that fits a JS number (SVNs, SGX type). */
export function decodeSmallUint(value: Uint8Array): number {
  if (value.length === 0 || value.length > 6) throw new Error(`DER: integer of ${value.length} bytes`)
  if (value[0]! & 0x80) throw new Error('DER: negative integer')
  let n = 0
  for (const b of value) n = n * 256 + b
  return n
}
