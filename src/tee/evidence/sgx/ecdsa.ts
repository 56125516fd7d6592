/**
 * ECDSA P-256 / SHA-256 checks over the raw r||s signatures SGX uses everywhere outside X.509
 * (ISV quote signature, QE report signature, TCB info and QE identity signatures). WebCrypto's
 * ECDSA takes exactly that IEEE P1363 r||s form, so no DER re-encoding is needed.
 */
import 'reflect-metadata'
import type { X509Certificate } from '@peculiar/x509'

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const

/**
 * Imports an SGX attestation public key (64 bytes x||y, no 0x04 prefix).
 * @returns undefined when the bytes are not a point on P-256
 * @example
 * const key = await importRawP256(quote.attestationKey)
 */
export async function importRawP256(xy: Uint8Array): Promise<CryptoKey | undefined> {
  if (xy.length !== 64) return undefined
  const point = new Uint8Array(65)
  point[0] = 0x04
  point.set(xy, 1)
  try {
    return await crypto.subtle.importKey('raw', point, ECDSA_P256, false, ['verify'])
  } catch {
    return undefined
  }
}

/** The P-256 verification key of a certificate (PCK leaf, TCB signing certificate). */
export async function certificateP256Key(cert: X509Certificate): Promise<CryptoKey | undefined> {
  try {
    return await cert.publicKey.export(ECDSA_P256, ['verify'])
  } catch {
    return undefined
  }
}

/**
 * True when `signature` (64 bytes r||s) is a valid ECDSA P-256 signature of SHA-256(`data`).
 * @example
 * await verifyP256(quote.isvSignature, quote.signedBytes, attestationKey)
 */
export async function verifyP256(signature: Uint8Array, data: Uint8Array, key: CryptoKey): Promise<boolean> {
  if (signature.length !== 64) return false
  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, new Uint8Array(signature), new Uint8Array(data))
}
