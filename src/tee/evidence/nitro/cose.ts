/**
 * COSE_Sign1 (RFC 9052 section 4.2) as the Nitro Secure Module emits it: a CBOR array
 * [protected header bstr, unprotected header map, payload bstr, signature bstr], optionally
 * under tag 18, signed with ES384 (alg -35) over the Sig_structure
 * ["Signature1", protected, external_aad = h'', payload].
 *
 * Only what Nitro uses is accepted: any other algorithm is refused rather than dispatched on,
 * because an attacker controls the header and "alg agility" is how signature checks get skipped.
 */
import { Decoder, Tag } from 'cbor-x'
import { fail } from './fail.ts'

/** COSE algorithm identifier of ECDSA with SHA-384 (IANA COSE Algorithms registry). */
export const COSE_ALG_ES384 = -35
/** ES384 signatures are raw r||s, 48 bytes each (RFC 9053 section 2.1), not DER. */
export const ES384_SIGNATURE_LENGTH = 96

const COSE_SIGN1_TAG = 18
const HEADER_ALG = 1
const HEADER_CRIT = 2

/** Maps stay Maps (integer keys intact), no cbor-x record extensions: plain RFC 8949 only. */
export const cborDecoder = new Decoder({ mapsAsObjects: false, useRecords: false })

export interface CoseSign1 {
  /** The protected header exactly as signed (a serialized CBOR map). */
  protectedBytes: Uint8Array
  /** The algorithm from the protected header; always ES384 once decoded. */
  alg: number
  /** The unprotected header (not covered by the signature; Nitro leaves it empty). */
  unprotected: Map<unknown, unknown>
  /** The payload exactly as signed (a serialized CBOR map for Nitro). */
  payload: Uint8Array
  /** Raw r||s. */
  signature: Uint8Array
}

/**
 * Decodes one CBOR item from `bytes`, refusing trailing bytes.
 *
 * @throws {EvidenceError} `malformed` naming `what` did not decode
 * @example
 * const map = decodeCbor(payload, 'the payload')
 */
export function decodeCbor(bytes: Uint8Array, what: string): unknown {
  if (bytes.length === 0) fail('malformed', `${what} is empty`)
  try {
    return cborDecoder.decode(bytes)
  } catch (e) {
    return fail('malformed', `${what} is not valid CBOR (${(e as Error).message})`, e)
  }
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array

/**
 * Decodes a COSE_Sign1 structure and checks its shape and that it is ES384.
 *
 * @throws {EvidenceError} `malformed` naming the element that is missing or of the wrong type
 * @example
 * const cose = decodeCoseSign1(readFileSync('attestation-doc.cbor'))
 * cose.payload // the attestation document, CBOR
 */
export function decodeCoseSign1(bytes: Uint8Array): CoseSign1 {
  let item = decodeCbor(bytes, 'the attestation document')
  if (item instanceof Tag) {
    if (item.tag !== COSE_SIGN1_TAG) fail('malformed', `the document is CBOR tag ${item.tag}, not COSE_Sign1 (tag 18)`)
    item = item.value
  }
  if (!Array.isArray(item) || item.length !== 4) {
    fail('malformed', `the document is not a COSE_Sign1 array of 4 elements (${Array.isArray(item) ? `array of ${item.length}` : typeof item})`)
  }
  const [protectedBytes, unprotected, payload, signature] = item as unknown[]
  if (!isBytes(protectedBytes)) fail('malformed', 'the COSE protected header is not a byte string')
  if (!(unprotected instanceof Map)) fail('malformed', 'the COSE unprotected header is not a map')
  if (!isBytes(payload)) fail('malformed', 'the COSE payload is not a byte string (detached payloads are not Nitro documents)')
  if (!isBytes(signature)) fail('malformed', 'the COSE signature is not a byte string')

  const header = protectedBytes.length === 0 ? new Map() : decodeCbor(protectedBytes, 'the COSE protected header')
  if (!(header instanceof Map)) fail('malformed', 'the COSE protected header is not a CBOR map')
  const alg = header.get(HEADER_ALG)
  if (alg === undefined) fail('malformed', 'the COSE protected header has no alg (label 1)')
  if (alg !== COSE_ALG_ES384) fail('malformed', `the COSE protected header alg is ${String(alg)}, not ES384 (-35), the only algorithm Nitro documents use`)
  // We understand no critical header parameter, so any listed one must make us refuse (RFC 9052 3.1).
  if (header.has(HEADER_CRIT)) fail('malformed', 'the COSE protected header lists critical parameters (crit), which this verifier does not understand')
  if (signature.length !== ES384_SIGNATURE_LENGTH) {
    fail('malformed', `the COSE signature is ${signature.length} bytes, ES384 needs ${ES384_SIGNATURE_LENGTH} (r||s)`)
  }
  return { protectedBytes, alg, unprotected, payload, signature }
}

/** CBOR head of a major type with an argument (RFC 8949 section 3). */
function head(major: number, length: number): Uint8Array {
  const m = major << 5
  if (length < 24) return Uint8Array.of(m | length)
  if (length < 0x100) return Uint8Array.of(m | 24, length)
  if (length < 0x10000) return Uint8Array.of(m | 25, length >> 8, length & 0xff)
  return Uint8Array.of(m | 26, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff)
}

const bstr = (b: Uint8Array): Uint8Array[] => [head(2, b.length), b]

/**
 * The bytes ES384 signs: CBOR of ["Signature1", protected, h'', payload]. Written by hand with
 * shortest-form heads, because cbor-x encodes a plain Uint8Array as a tagged typed array
 * (tag 64), which would sign different bytes than every other COSE implementation.
 *
 * @example
 * const toBeSigned = sigStructure(cose.protectedBytes, cose.payload)
 */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const context = new TextEncoder().encode('Signature1')
  const parts = [head(4, 4), head(3, context.length), context, ...bstr(protectedBytes), ...bstr(new Uint8Array(0)), ...bstr(payload)]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * Checks the ES384 signature of `cose` under `publicKey` (a P-384 ECDSA WebCrypto key).
 * WebCrypto's ECDSA takes exactly the raw r||s form COSE uses.
 *
 * @throws {EvidenceError} `signature` when it does not verify
 * @example
 * await verifyCoseSignature(cose, await leaf.publicKey.export())
 */
export async function verifyCoseSignature(cose: CoseSign1, publicKey: CryptoKey, signerName = 'the leaf certificate'): Promise<void> {
  let ok = false
  try {
    ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, publicKey, new Uint8Array(cose.signature), sigStructure(cose.protectedBytes, cose.payload))
  } catch (e) {
    fail('signature', `the COSE ES384 signature could not be checked with ${signerName}'s key (${(e as Error).message})`, e)
  }
  if (!ok) fail('signature', `the COSE ES384 signature over the document does not verify under ${signerName}'s P-384 key`)
}
