/**
 * Revocation: the collateral's CRLs (the root CA CRL lists revoked intermediate CAs, the PCK
 * CRL lists revoked PCK certificates). A CRL counts only when signed by the CA it names as
 * issuer and current at "now"; a stale CRL cannot prove a certificate is still good.
 */
import 'reflect-metadata'
import { X509Certificate, X509Crl } from '@peculiar/x509'
import { commonName } from './certChain.ts'
import { fail } from './fail.ts'

/**
 * Decodes a DER CRL given as hex (the collateral's form).
 * @throws {EvidenceError} `malformed`
 * @example
 * const crl = parseHexCrl(collateral.pck_crl, 'the PCK CRL')
 */
export function parseHexCrl(hex: string, what: string): X509Crl {
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) fail('malformed', `${what} is not hex-encoded DER`)
  try {
    return new X509Crl(Buffer.from(hex, 'hex'))
  } catch (e) {
    return fail('malformed', `${what} does not decode as a DER CRL`, e as Error)
  }
}

export interface VerifyCrlParameters {
  crl: X509Crl
  /** The CA that must have issued the CRL (already verified to chain to the pinned root). */
  issuer: X509Certificate
  now: Date
  what: string
}

/**
 * Checks the CRL is the issuer's (name and signature) and current at `now`.
 * @throws {EvidenceError} `chain` (other issuer), `signature`, `expired` (stale or future)
 * @example
 * await verifyCrl({ crl: pckCrl, issuer: pckCa, now, what: 'the PCK CRL' })
 */
export async function verifyCrl({ crl, issuer, now, what }: VerifyCrlParameters): Promise<void> {
  if (crl.issuer !== issuer.subject) fail('chain', `${what} is issued by "${crl.issuer}", expected "${issuer.subject}"`)
  let valid = false
  try {
    valid = await crl.verify({ publicKey: issuer.publicKey })
  } catch {
    valid = false
  }
  if (!valid) fail('signature', `the signature of ${what} does not verify under "${commonName(issuer.subject)}"`)
  if (now < crl.thisUpdate) fail('expired', `${what} is not valid before ${crl.thisUpdate.toISOString()}`)
  if (!crl.nextUpdate) fail('expired', `${what} has no nextUpdate, so its freshness cannot be judged`)
  if (now > crl.nextUpdate) fail('expired', `${what} expired at ${crl.nextUpdate.toISOString()} (nextUpdate)`)
}

/**
 * Refuses a certificate listed on `crl` (matched by issuer and serial number).
 * @throws {EvidenceError} `revoked` naming the certificate, its serial and the revocation date
 * @example
 * assertNotRevoked(pckCrl, pckLeaf, 'the PCK CRL')
 */
export function assertNotRevoked(crl: X509Crl, cert: X509Certificate, what: string): void {
  if (cert.issuer !== crl.issuer) fail('chain', `${what} is issued by "${crl.issuer}", not by the issuer of "${commonName(cert.subject)}" ("${cert.issuer}")`)
  const entry = crl.findRevoked(cert)
  if (entry) {
    fail('revoked', `"${commonName(cert.subject)}" (serial ${cert.serialNumber.toLowerCase()}) is listed on ${what}, revoked at ${entry.revocationDate.toISOString()}`)
  }
}
