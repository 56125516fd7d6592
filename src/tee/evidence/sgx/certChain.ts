/**
 * Certificate chains that must end at the pinned Intel SGX Root CA: the PCK chain inside the
 * quote (PCK leaf -> PCK Platform/Processor CA -> root) and the collateral's issuer chains
 * (TCB signing certificate -> root, PCK CRL issuer -> root).
 *
 * Whatever root the input carries is only compared with the pinned one; signatures are
 * checked with the pinned root's key, so a look-alike root with Intel's name fails `chain`.
 */
import 'reflect-metadata'
import { BasicConstraintsExtension, X509Certificate } from '@peculiar/x509'
import { fail } from './fail.ts'
import { INTEL_SGX_ROOT_CA_PEM } from './rootCa.ts'

let pinnedRoot: X509Certificate | undefined
/** The pinned Intel SGX Root CA, parsed once. */
export function intelSgxRootCa(): X509Certificate {
  pinnedRoot ??= new X509Certificate(INTEL_SGX_ROOT_CA_PEM)
  return pinnedRoot
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/**
 * Splits PEM text into certificates, in order.
 * @throws {EvidenceError} `malformed` when there is none or one does not decode
 * @example
 * const [pck, ca, root] = parsePemChain(quote.pckChainPem, 'the PCK chain')
 */
export function parsePemChain(pem: string, what: string): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? []
  if (blocks.length === 0) fail('malformed', `${what} contains no PEM certificate`)
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block)
    } catch (e) {
      return fail('malformed', `certificate ${i} of ${what} does not decode as X.509`, e as Error)
    }
  })
}

const sameBytes = (a: ArrayBuffer, b: ArrayBuffer) => Buffer.from(a).equals(Buffer.from(b))

/** The CN of a subject or issuer, for reasons a human can read. */
export const commonName = (name: string) => /CN=([^,]+)/.exec(name)?.[1] ?? name

function assertCurrent(cert: X509Certificate, now: Date, what: string): void {
  const cn = commonName(cert.subject)
  if (now < cert.notBefore) fail('expired', `the ${cn} certificate of ${what} is not valid before ${cert.notBefore.toISOString()}`)
  if (now > cert.notAfter) fail('expired', `the ${cn} certificate of ${what} expired at ${cert.notAfter.toISOString()}`)
}

export interface VerifyChainParameters {
  /** Leaf first, the root (as presented) last. */
  chain: X509Certificate[]
  now: Date
  /** What the chain is, for reasons ("the PCK chain"). */
  what: string
  /** The CN the leaf must carry (e.g. "Intel SGX TCB Signing"); checked when given. */
  leafCommonName?: RegExp
}

/**
 * Verifies `chain` leads to the pinned root: root equal to the pinned one (bytes or public
 * key), each issuer name equal to the next subject, intermediates marked CA, each signature
 * by the next key, every certificate current at `now`.
 * @throws {EvidenceError} `chain`, `signature` or `expired` naming the certificate
 * @example
 * await verifyChainToPinnedRoot({ chain: parsePemChain(pem, 'the TCB info issuer chain'), now, what: 'the TCB info issuer chain' })
 */
export async function verifyChainToPinnedRoot({ chain, now, what, leafCommonName }: VerifyChainParameters): Promise<void> {
  const root = intelSgxRootCa()
  if (chain.length < 2) fail('chain', `${what} has ${chain.length} certificate(s); it needs a leaf and the Intel SGX Root CA`)
  const presented = chain[chain.length - 1]!
  if (!sameBytes(presented.rawData, root.rawData) && !sameBytes(presented.publicKey.rawData, root.publicKey.rawData)) {
    fail('chain', `${what} ends at "${commonName(presented.subject)}" (SHA-256 ${Buffer.from(await presented.getThumbprint('SHA-256')).toString('hex')}), not the pinned Intel SGX Root CA`)
  }
  const path = [...chain.slice(0, -1), root]
  const leaf = path[0]!
  if (leafCommonName && !leafCommonName.test(commonName(leaf.subject))) fail('chain', `${what} starts with "${commonName(leaf.subject)}", expected ${leafCommonName}`)
  for (let i = 0; i < path.length - 1; i++) {
    const cert = path[i]!
    const issuer = path[i + 1]!
    if (cert.issuer !== issuer.subject) fail('chain', `in ${what}, "${commonName(cert.subject)}" names issuer "${cert.issuer}" but the next certificate is "${issuer.subject}"`)
    if (i + 1 < path.length - 1 && !issuer.getExtension(BasicConstraintsExtension)?.ca) fail('chain', `in ${what}, "${commonName(issuer.subject)}" is not a CA certificate`)
    let valid = false
    try {
      valid = await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true })
    } catch {
      valid = false
    }
    if (!valid) fail('signature', `in ${what}, the signature of "${commonName(cert.subject)}" does not verify under "${commonName(issuer.subject)}"`)
  }
  for (const cert of path) assertCurrent(cert, now, what)
}
