/**
 * The SEV-SNP certificate chain: ARK (self-signed) -> ASK -> VCEK, every link RSA-PSS with
 * SHA-384, MGF1-SHA-384 and a 48-byte salt, as AMD's key distribution service issues them.
 * The ARK and ASK are pinned by the verifier's caller; only the VCEK comes with the evidence,
 * so this is what stops a VCEK minted by anyone other than AMD.
 */
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { EvidenceError } from '../../../errors/tee.ts'

export type SnpChainRole = 'ARK' | 'ASK' | 'VCEK'

const fail = (failure: 'malformed' | 'chain' | 'expired' | 'signature', reason: string, cause?: unknown): never => {
  throw new EvidenceError({ platform: 'sev-snp', failure, reason, cause: cause instanceof Error ? cause : undefined })
}

/**
 * Reads a certificate from DER bytes or PEM text.
 *
 * @throws {EvidenceError} `malformed` for the VCEK (it came with the evidence), `chain` for a
 * pinned ARK/ASK that is not a certificate (the verifier is misconfigured)
 * @example
 * const vcek = parseSnpCertificate(readFileSync('vcek.der'), 'VCEK')
 */
export function parseSnpCertificate(input: Uint8Array | string, role: SnpChainRole): x509.X509Certificate {
  try {
    if (typeof input === 'string') {
      const blocks = x509.PemConverter.decode(input)
      if (blocks.length !== 1) throw new Error(`expected one PEM certificate, found ${blocks.length}`)
      return new x509.X509Certificate(blocks[0])
    }
    return new x509.X509Certificate(input.slice())
  } catch (e) {
    return fail(role === 'VCEK' ? 'malformed' : 'chain', `the ${role} is not a DER/PEM X.509 certificate (${(e as Error).message})`, e)
  }
}

/** The one signature scheme AMD uses on this chain; anything else is not an AMD-issued link. */
function checkAlgorithm(cert: x509.X509Certificate, role: SnpChainRole): void {
  const alg = cert.signatureAlgorithm as { name?: string; hash?: string | { name?: string }; saltLength?: number }
  const hash = typeof alg.hash === 'string' ? alg.hash : alg.hash?.name
  if (alg.name !== 'RSA-PSS' || hash !== 'SHA-384' || alg.saltLength !== 48) {
    fail('chain', `the ${role} is signed with ${alg.name ?? 'an unknown algorithm'}${hash ? `/${hash}` : ''}, not RSA-PSS with SHA-384 and a 48-byte salt`)
  }
}

async function checkLink(cert: x509.X509Certificate, role: SnpChainRole, issuer: x509.X509Certificate, issuerRole: SnpChainRole): Promise<void> {
  if (cert.issuer !== issuer.subject) fail('chain', `the ${role}'s issuer "${cert.issuer}" is not the ${issuerRole}'s subject "${issuer.subject}"`)
  checkAlgorithm(cert, role)
  let ok = false
  try {
    ok = await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true })
  } catch (e) {
    fail('chain', `the ${role}'s signature could not be checked with the ${issuerRole}'s key (${(e as Error).message})`, e)
  }
  if (!ok) fail('chain', role === issuerRole ? `the ${role}'s self-signature does not verify` : `the ${role} is not signed by the pinned ${issuerRole}`)
}

function checkValidity(cert: x509.X509Certificate, role: SnpChainRole, now: Date): void {
  if (now < cert.notBefore) fail('expired', `the ${role} certificate is not valid before ${cert.notBefore.toISOString()} (now ${now.toISOString()})`)
  if (now > cert.notAfter) fail('expired', `the ${role} certificate expired at ${cert.notAfter.toISOString()} (now ${now.toISOString()})`)
}

export interface VerifySnpChainParameters {
  ark: x509.X509Certificate
  ask: x509.X509Certificate
  vcek: x509.X509Certificate
  now: Date
}

/**
 * Checks ARK self-signed, ASK signed by ARK, VCEK signed by ASK (names and signatures), then
 * that all three are valid at `now`, and that the VCEK holds a P-384 key.
 *
 * @throws {EvidenceError} `chain` naming the link that fails, `expired` naming the certificate
 * @example
 * await verifySnpChain({ ark, ask, vcek, now: new Date('2025-01-01') })
 */
export async function verifySnpChain({ ark, ask, vcek, now }: VerifySnpChainParameters): Promise<void> {
  await checkLink(ark, 'ARK', ark, 'ARK')
  await checkLink(ask, 'ASK', ark, 'ARK')
  await checkLink(vcek, 'VCEK', ask, 'ASK')
  const key = vcek.publicKey.algorithm as { name?: string; namedCurve?: string }
  if (key.name !== 'ECDSA' || key.namedCurve !== 'P-384') {
    fail('chain', `the VCEK holds a ${key.name ?? 'unknown'}${key.namedCurve ? ` ${key.namedCurve}` : ''} key, not ECDSA P-384`)
  }
  checkValidity(ark, 'ARK', now)
  checkValidity(ask, 'ASK', now)
  checkValidity(vcek, 'VCEK', now)
}
