/**
 * The Nitro certificate chain: cabundle = [root, intermediate 1, ..., intermediate n] and the
 * document's leaf `certificate` signed by intermediate n, every link ECDSA P-384 / SHA-384.
 * Only cabundle[0] is compared with the pinned root; everything after it must chain from it,
 * so a document can never bring its own trust anchor. Checks follow AWS's procedure
 * (aws-nitro-enclaves-nsm-api docs/attestation_process.md 3.2.3): names and signatures link by
 * link, CA basic constraints and path lengths, key usages, then validity at "now".
 */
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { fail } from './fail.ts'

/**
 * Reads a DER certificate from the document.
 *
 * @throws {EvidenceError} `malformed` naming which certificate is not X.509 DER
 * @example
 * const leaf = parseNitroCertificate(document.certificate, 'the leaf certificate')
 */
export function parseNitroCertificate(der: Uint8Array, name: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(new Uint8Array(der))
  } catch (e) {
    return fail('malformed', `${name} is not a DER X.509 certificate (${(e as Error).message})`, e)
  }
}

/**
 * Reads the pinned root from PEM text. A bad pin is the caller's configuration error, reported
 * as `chain` because no document can chain to it.
 *
 * @throws {EvidenceError} `chain` when `pem` is not exactly one certificate
 * @example
 * const root = parseNitroRoot(AWS_NITRO_ROOT_G1_PEM)
 */
export function parseNitroRoot(pem: string): x509.X509Certificate {
  try {
    const blocks = x509.PemConverter.decode(pem)
    if (blocks.length !== 1) throw new Error(`expected one PEM certificate, found ${blocks.length}`)
    return new x509.X509Certificate(blocks[0])
  } catch (e) {
    return fail('chain', `the pinned root is not a PEM X.509 certificate (${(e as Error).message})`, e)
  }
}

const equalBytes = (a: ArrayBuffer, b: ArrayBuffer): boolean => {
  if (a.byteLength !== b.byteLength) return false
  const x = new Uint8Array(a)
  const y = new Uint8Array(b)
  return x.every((v, i) => v === y[i])
}

function keyName(cert: x509.X509Certificate): string {
  const key = cert.publicKey.algorithm as { name?: string; namedCurve?: string }
  return `${key.name ?? 'unknown'}${key.namedCurve ? ` ${key.namedCurve}` : ''}`
}

function checkP384(cert: x509.X509Certificate, name: string): void {
  const key = cert.publicKey.algorithm as { name?: string; namedCurve?: string }
  if (key.name !== 'ECDSA' || key.namedCurve !== 'P-384') fail('chain', `${name} holds a ${keyName(cert)} key, not ECDSA P-384`)
}

async function checkLink(cert: x509.X509Certificate, name: string, issuer: x509.X509Certificate, issuerName: string): Promise<void> {
  if (cert.issuer !== issuer.subject) fail('chain', `${name}'s issuer "${cert.issuer}" is not ${issuerName}'s subject "${issuer.subject}"`)
  let ok = false
  try {
    ok = await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true })
  } catch (e) {
    fail('signature', `${name}'s signature could not be checked with ${issuerName}'s key (${(e as Error).message})`, e)
  }
  if (!ok) fail('signature', cert === issuer ? `${name}'s self-signature does not verify` : `${name}'s signature does not verify under ${issuerName}'s key`)
}

/**
 * A CA must say so (critical basic constraints, cA true), be allowed to sign certificates, and
 * its path length must allow the CAs below it; the leaf must be an end entity allowed to sign.
 */
function checkRole(cert: x509.X509Certificate, name: string, casBelow: number | 'leaf'): void {
  const bc = cert.getExtension(x509.BasicConstraintsExtension)
  const ku = cert.getExtension(x509.KeyUsagesExtension)
  if (casBelow === 'leaf') {
    if (bc?.ca) fail('chain', `${name} is a CA certificate, not an end-entity signing certificate`)
    if (ku && !(ku.usages & x509.KeyUsageFlags.digitalSignature)) fail('chain', `${name}'s key usage does not include digitalSignature`)
    return
  }
  if (!bc?.ca) fail('chain', `${name} is not a CA (basic constraints cA is not set) but issues a certificate`)
  if (!bc.critical) fail('chain', `${name}'s basic constraints extension is not critical`)
  if (bc.pathLength !== undefined && bc.pathLength < casBelow) {
    fail('chain', `${name} allows ${bc.pathLength} CA certificate(s) below it (pathLenConstraint) but ${casBelow} follow`)
  }
  if (!ku || !(ku.usages & x509.KeyUsageFlags.keyCertSign)) fail('chain', `${name}'s key usage does not include keyCertSign`)
}

/** Every certificate that is not valid at `now`, the most specific first (so the leaf is named first). */
function checkValidity(path: { cert: x509.X509Certificate; name: string }[], now: Date): void {
  const bad = [...path]
    .reverse()
    .filter(({ cert }) => now < cert.notBefore || now > cert.notAfter)
    .map(({ cert, name }) =>
      now < cert.notBefore
        ? `${name} is not valid before ${cert.notBefore.toISOString()}`
        : `${name} expired at ${cert.notAfter.toISOString()}`,
    )
  if (bad.length > 0) fail('expired', `${bad.join('; ')} (now ${now.toISOString()})`)
}

export interface VerifyNitroChainParameters {
  /** The pinned trust anchor. */
  root: x509.X509Certificate
  /** The document's cabundle, DER, root first. */
  cabundle: Uint8Array[]
  /** The document's leaf certificate, DER. */
  certificate: Uint8Array
  now: Date
}

/**
 * Checks that cabundle[0] is the pinned root, that each certificate is issued and signed by the
 * one before it (the leaf by the last of the bundle), that CA and key-usage constraints hold,
 * that every key is P-384, and that every certificate (root included) is valid at `now`.
 *
 * @returns the leaf certificate, whose key signs the document
 * @throws {EvidenceError} `chain` (wrong root, broken names or constraints), `signature` (a link
 * whose signature does not verify), `expired` (naming every certificate outside its validity,
 * leaf first), `malformed` (a certificate that is not DER)
 * @example
 * const leaf = await verifyNitroChain({ root, cabundle: doc.cabundle, certificate: doc.certificate, now })
 */
export async function verifyNitroChain({ root, cabundle, certificate, now }: VerifyNitroChainParameters): Promise<x509.X509Certificate> {
  const bundle = cabundle.map((der, i) => parseNitroCertificate(der, `cabundle[${i}]`))
  const leaf = parseNitroCertificate(certificate, 'the leaf certificate')
  if (!equalBytes(bundle[0].rawData, root.rawData)) {
    fail('chain', `cabundle[0] ("${bundle[0].subject}", SHA-256 ${Buffer.from(await bundle[0].getThumbprint('SHA-256')).toString('hex')}) is not the pinned root ("${root.subject}")`)
  }
  const path = [
    { cert: root, name: `the root (${root.subject})` },
    ...bundle.slice(1).map((cert, i) => ({ cert, name: `cabundle[${i + 1}] (${cert.subject})` })),
    { cert: leaf, name: `the leaf certificate (${leaf.subject})` },
  ]
  for (const { cert, name } of path) checkP384(cert, name)
  await checkLink(root, path[0].name, root, path[0].name)
  for (let i = 1; i < path.length; i++) await checkLink(path[i].cert, path[i].name, path[i - 1].cert, path[i - 1].name)
  const cas = path.length - 1
  path.forEach(({ cert, name }, i) => checkRole(cert, name, i === cas ? 'leaf' : cas - 1 - i))
  checkValidity(path, now)
  return leaf
}
