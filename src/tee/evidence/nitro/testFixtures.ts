/**
 * Test helpers (not used by the verifier): the shared Nitro samples, a hand walk of their CBOR
 * that shares no code with the decoder, and a throwaway P-384 PKI that signs synthetic
 * documents so the paths real data cannot reach (tagged form, broken constraints) are tested too.
 */
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { encode, Tag } from 'cbor-x'
import { existsSync, readFileSync } from 'node:fs'
import { sigStructure } from './cose.ts'

export const DATA_DIR = new URL('../../../../../shared/data/attestation/nitro/', import.meta.url)
export const HAVE_DATA = existsSync(DATA_DIR)
export const SKIP_NO_DATA = 'skipped: /work/shared/data/attestation/nitro is absent'
export const VALID_DOC = 'valid-attestation-doc.cbor'
export const DEBUG_DOC = 'debug-mode-attestation-doc.cbor'

export const loadSample = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DATA_DIR)))

/** Reads a CBOR head at `at` by hand: major type, argument, and where the content starts. */
export function cborHead(bytes: Uint8Array, at: number): { major: number; arg: number; next: number } {
  const major = bytes[at] >> 5
  const info = bytes[at] & 0x1f
  if (info < 24) return { major, arg: info, next: at + 1 }
  const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info]
  if (!size) throw new Error(`unsupported CBOR head 0x${bytes[at].toString(16)} at ${at}`)
  let arg = 0
  for (let i = 1; i <= size; i++) arg = arg * 256 + bytes[at + i]
  return { major, arg, next: at + 1 + size }
}

/**
 * Locates the payload of an untagged COSE_Sign1 and, inside it, the value of PCR `index`, by
 * walking heads and searching for the text key "pcrs" — no CBOR library involved.
 */
export function handWalk(doc: Uint8Array, index = 0): { payloadStart: number; payloadLength: number; pcrStart: number; signatureStart: number } {
  const array = cborHead(doc, 0)
  if (array.major !== 4 || array.arg !== 4) throw new Error('not an array of 4')
  const prot = cborHead(doc, array.next)
  const unprot = cborHead(doc, prot.next + prot.arg)
  if (unprot.major !== 5 || unprot.arg !== 0) throw new Error('unprotected header is not an empty map')
  const payload = cborHead(doc, unprot.next)
  const payloadStart = payload.next
  const sig = cborHead(doc, payloadStart + payload.arg)
  const key = [0x64, ...new TextEncoder().encode('pcrs')]
  let at = payloadStart
  while (!key.every((b, i) => doc[at + i] === b)) if (++at >= doc.length) throw new Error('no "pcrs" key in the payload')
  let cursor = cborHead(doc, at + key.length).next // the map head
  for (;;) {
    const k = cborHead(doc, cursor)
    const v = cborHead(doc, k.next)
    if (k.major === 0 && k.arg === index) return { payloadStart, payloadLength: payload.arg, pcrStart: v.next, signatureStart: sig.next }
    cursor = v.next + v.arg
  }
}

const ALG = { name: 'ECDSA', hash: 'SHA-384' } as const
const genKeys = () => crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']) as Promise<CryptoKeyPair>

export interface TestPki {
  rootPem: string
  cabundle: Uint8Array[]
  certificate: Uint8Array
  leafKey: CryptoKey
}

export interface TestPkiOptions {
  notBefore?: Date
  notAfter?: Date
  /** pathLenConstraint of the first intermediate (default 1: one more CA below it). */
  intermediatePathLength?: number
  /** Make the leaf a CA (must be refused). */
  leafIsCa?: boolean
}

/** A self-signed P-384 root, two intermediates and a leaf, shaped like AWS's. */
export async function makeTestPki(options: TestPkiOptions = {}): Promise<TestPki> {
  const notBefore = options.notBefore ?? new Date('2026-01-01T00:00:00Z')
  const notAfter = options.notAfter ?? new Date('2027-01-01T00:00:00Z')
  const caExt = (pathLength?: number) => [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
  ]
  const rootKeys = await genKeys()
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=test.nitro-enclaves', notBefore, notAfter, keys: rootKeys, signingAlgorithm: ALG, extensions: caExt(),
  })
  const issue = async (serial: string, subject: string, issuer: x509.X509Certificate, issuerKey: CryptoKey, extensions: x509.Extension[]) => {
    const keys = await genKeys()
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial, subject, issuer: issuer.subject, notBefore, notAfter, publicKey: keys.publicKey, signingKey: issuerKey, signingAlgorithm: ALG, extensions,
    })
    return { cert, keys }
  }
  const a = await issue('02', 'CN=region.test.nitro-enclaves', root, rootKeys.privateKey, caExt(options.intermediatePathLength ?? 1))
  const b = await issue('03', 'CN=instance.test.nitro-enclaves', a.cert, a.keys.privateKey, caExt(0))
  const leaf = await issue('04', 'CN=enclave.test.nitro-enclaves', b.cert, b.keys.privateKey, [
    new x509.BasicConstraintsExtension(options.leafIsCa ?? false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  ])
  const der = (c: x509.X509Certificate) => new Uint8Array(c.rawData)
  return { rootPem: root.toString('pem'), cabundle: [der(root), der(a.cert), der(b.cert)], certificate: der(leaf.cert), leafKey: leaf.keys.privateKey }
}

export interface TestDocumentFields {
  pcr0?: Uint8Array
  pcrs?: Map<number, Uint8Array>
  timestamp?: number
  userData?: Uint8Array | null
  /** Extra or replaced payload fields, raw. */
  override?: Record<string, unknown>
  protectedHeader?: Uint8Array
  tagged?: boolean
}

const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength) // cbor-x writes Buffers as plain bstr

/** Signs a synthetic attestation document with the test PKI's leaf key. */
export async function makeTestDocument(pki: TestPki, fields: TestDocumentFields = {}): Promise<Uint8Array> {
  const pcrs = fields.pcrs ?? new Map([0, 1, 2, 3, 4, 8].map((i) => [i, buf(i === 0 && fields.pcr0 ? fields.pcr0 : new Uint8Array(48).fill(i + 1))]))
  const payload = new Map<string, unknown>([
    ['module_id', 'i-test-enc0001'],
    ['digest', 'SHA384'],
    ['timestamp', fields.timestamp ?? Date.parse('2026-06-01T00:00:00Z')],
    ['pcrs', new Map([...pcrs].map(([k, v]) => [k, buf(v)]))],
    ['certificate', buf(pki.certificate)],
    ['cabundle', pki.cabundle.map(buf)],
    ['public_key', null],
    ['user_data', fields.userData === undefined ? buf(new Uint8Array(64).fill(7)) : fields.userData && buf(fields.userData)],
    ['nonce', null],
  ])
  for (const [k, v] of Object.entries(fields.override ?? {})) payload.set(k, v)
  const protectedBytes = fields.protectedHeader ?? Uint8Array.of(0xa1, 0x01, 0x38, 0x22)
  const payloadBytes = new Uint8Array(encode(payload))
  const signature = new Uint8Array(await crypto.subtle.sign(ALG, pki.leafKey, sigStructure(protectedBytes, payloadBytes)))
  const cose = [buf(protectedBytes), new Map(), buf(payloadBytes), buf(signature)]
  return new Uint8Array(encode(fields.tagged ? new Tag(cose, 18) : cose))
}
