/**
 * The Nitro attestation document: the COSE_Sign1 payload, a CBOR map whose fields and sizes AWS
 * specifies (aws-nitro-enclaves-nsm-api docs/attestation_process.md, section 3.2.2). Every field
 * is checked for type and size here so that later steps (chain, signature, facts) never meet a
 * surprise; the signature is NOT checked here.
 */
import { type CoseSign1, decodeCbor, decodeCoseSign1 } from './cose.ts'
import { fail } from './fail.ts'

export interface NitroDocument {
  /** The issuing Nitro hypervisor module, e.g. `i-020b6af9246d90e92-enc0183d09086c24190`. */
  moduleId: string
  /** The digest of the PCRs; always `SHA384`. */
  digest: 'SHA384'
  /** When the NSM produced the document (milliseconds since the epoch in the CBOR). */
  timestamp: Date
  /** PCR index (0..31) -> 48-byte SHA-384 register value. */
  pcrs: Map<number, Uint8Array>
  /** The leaf certificate that signed the document, DER. */
  certificate: Uint8Array
  /** The issuing CA bundle, DER, root first: [root, intermediate 1, ..., intermediate n]. */
  cabundle: Uint8Array[]
  /** An optional DER key the enclave offers for encryption to it. */
  publicKey: Uint8Array | null
  /** Bytes the enclave bound into the document (databourse: hash of its session key and nonce). */
  userData: Uint8Array | null
  /** The verifier's nonce, when the enclave passed one. */
  nonce: Uint8Array | null
}

export interface DecodedNitroDocument {
  cose: CoseSign1
  document: NitroDocument
}

const FIELDS = ['module_id', 'digest', 'timestamp', 'pcrs', 'certificate', 'cabundle', 'public_key', 'user_data', 'nonce'] as const
/** SHA-384 registers; AWS allows 32/48/64 in general, but the only digest allowed is SHA384. */
const PCR_LENGTH = 48
const MAX_CERT = 1024
const MAX_PUBLIC_KEY = 1024
/**
 * The CDDL says user_data = bytes .size (0..1024); the prose of the same AWS document says 512.
 * We take the CDDL bound so a genuine document is never refused for a size AWS allows.
 */
const MAX_USER_DATA = 1024

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array

function bytesOfSize(value: unknown, field: string, min: number, max: number): Uint8Array {
  if (!isBytes(value)) return fail('malformed', `${field} is not a byte string`)
  if (value.length < min || value.length > max) fail('malformed', `${field} is ${value.length} bytes, allowed ${min}..${max}`)
  return value
}

function optionalBytes(map: Map<unknown, unknown>, field: string, min: number, max: number): Uint8Array | null {
  const value = map.get(field)
  // AWS's rule is that no field may be null, but the NSM emits absent optionals as CBOR null
  // (both sample documents do), so null here means "absent", exactly as an absent key does.
  if (value === undefined || value === null) return null
  return bytesOfSize(value, field, min, max)
}

function readTimestamp(value: unknown): Date {
  if (typeof value !== 'number' && typeof value !== 'bigint') return fail('malformed', 'timestamp is not an unsigned integer')
  if (typeof value === 'number' && !Number.isSafeInteger(value)) fail('malformed', `timestamp ${value} is not an integer`)
  const ms = BigInt(value)
  // 8.64e15 ms is the largest instant a JavaScript Date holds.
  if (ms <= 0n || ms > 8_640_000_000_000_000n) fail('malformed', `timestamp ${ms} is not a positive millisecond time`)
  return new Date(Number(ms))
}

function readPcrs(value: unknown): Map<number, Uint8Array> {
  if (!(value instanceof Map)) return fail('malformed', 'pcrs is not a map')
  if (value.size < 1 || value.size > 32) fail('malformed', `pcrs holds ${value.size} registers, allowed 1..32`)
  const pcrs = new Map<number, Uint8Array>()
  for (const [index, register] of value) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 31) {
      fail('malformed', `pcrs has key ${String(index)}, not an integer index 0..31`)
    }
    pcrs.set(index, bytesOfSize(register, `PCR${index}`, PCR_LENGTH, PCR_LENGTH))
  }
  if (!pcrs.has(0)) fail('malformed', 'pcrs has no PCR0 (the enclave image measurement)')
  return new Map([...pcrs].sort(([a], [b]) => a - b))
}

function readCabundle(value: unknown): Uint8Array[] {
  if (!Array.isArray(value)) return fail('malformed', 'cabundle is not an array')
  if (value.length === 0) fail('malformed', 'cabundle is empty (it must start with the root)')
  return value.map((cert, i) => bytesOfSize(cert, `cabundle[${i}]`, 1, MAX_CERT))
}

/**
 * Reads the attestation document from a decoded COSE_Sign1 payload (CBOR bytes).
 *
 * @throws {EvidenceError} `malformed` naming the field that is missing, unknown, mistyped or mis-sized
 * @example
 * const doc = parseNitroPayload(cose.payload)
 * doc.pcrs.get(0) // 48 bytes
 */
export function parseNitroPayload(payload: Uint8Array): NitroDocument {
  const map = decodeCbor(payload, 'the COSE payload')
  if (!(map instanceof Map)) return fail('malformed', 'the COSE payload is not a CBOR map')
  for (const key of map.keys()) {
    if (!(FIELDS as readonly unknown[]).includes(key)) fail('malformed', `the document has an unknown field ${JSON.stringify(String(key))}`)
  }
  for (const field of FIELDS.slice(0, 6)) {
    if (!map.has(field) || map.get(field) === null) fail('malformed', `the document has no ${field}`)
  }
  const moduleId = map.get('module_id')
  if (typeof moduleId !== 'string' || moduleId.length === 0) fail('malformed', 'module_id is not a non-empty text string')
  const digest = map.get('digest')
  if (digest !== 'SHA384') fail('malformed', `digest is ${JSON.stringify(digest)}, not "SHA384"`)
  return {
    moduleId: moduleId as string,
    digest: 'SHA384',
    timestamp: readTimestamp(map.get('timestamp')),
    pcrs: readPcrs(map.get('pcrs')),
    certificate: bytesOfSize(map.get('certificate'), 'certificate', 1, MAX_CERT),
    cabundle: readCabundle(map.get('cabundle')),
    publicKey: optionalBytes(map, 'public_key', 1, MAX_PUBLIC_KEY),
    userData: optionalBytes(map, 'user_data', 0, MAX_USER_DATA),
    nonce: optionalBytes(map, 'nonce', 0, MAX_USER_DATA),
  }
}

/**
 * Decodes a signed Nitro attestation document (COSE_Sign1) without verifying anything but its
 * shape: for tools and tests that need to look inside. Verification is `createNitroVerifier`.
 *
 * @throws {EvidenceError} `malformed` naming what does not parse
 * @example
 * const { document } = decodeNitroDocument(readFileSync('attestation-doc.cbor'))
 * document.timestamp // 2022-10-13T08:58:02.136Z
 */
export function decodeNitroDocument(bytes: Uint8Array): DecodedNitroDocument {
  const cose = decodeCoseSign1(bytes)
  return { cose, document: parseNitroPayload(cose.payload) }
}
