/**
 * Test-only helpers: the real DCAP sample (shared/data/attestation/sgx-dcap, from
 * Phala-Network/dcap-qvl) when it is present, and byte surgery on quotes. Imported by the
 * *.test.ts files of this folder only.
 */
import { existsSync, readFileSync } from 'node:fs'

const dataDir = new URL('../../../../../shared/data/attestation/sgx-dcap/', import.meta.url)

export interface SgxSample {
  quote: Uint8Array
  /** The collateral JSON as parsed (not validated: tests tamper with it). */
  collateral: Record<string, string>
}

/** The real sample, or undefined (tests then skip with `SKIP_REASON`). */
export function loadSgxSample(): SgxSample | undefined {
  const quote = new URL('sgx_quote', dataDir)
  const collateral = new URL('sgx_quote_collateral.json', dataDir)
  if (!existsSync(quote) || !existsSync(collateral)) return undefined
  return { quote: new Uint8Array(readFileSync(quote)), collateral: JSON.parse(readFileSync(collateral, 'utf8')) }
}

export const SKIP_REASON = 'shared/data/attestation/sgx-dcap is absent: no real SGX quote to verify'

/** Hand-computed offsets of a v3 quote (Intel's appendix A.4), independent of quote.ts. */
export const OFFSETS = {
  reportBody: 48,
  mrEnclave: 48 + 64,
  mrSigner: 48 + 128,
  reportData: 48 + 320,
  sigDataLength: 432,
  isvSignature: 436,
  attestationKey: 436 + 64,
  qeReport: 436 + 128,
  qeReportSignature: 436 + 128 + 384,
  qeAuthLength: 436 + 128 + 384 + 64,
} as const

/** A copy of `quote` with the byte at `offset` XOR 0x01. */
export function flip(quote: Uint8Array, offset: number): Uint8Array {
  const copy = quote.slice()
  copy[offset]! ^= 0x01
  return copy
}

/** A copy of `quote` whose certification data (PCK chain PEM) is replaced, lengths fixed up. */
export function withCertificationData(quote: Uint8Array, pem: string): Uint8Array {
  const view = new DataView(quote.buffer, quote.byteOffset, quote.byteLength)
  const authLength = view.getUint16(OFFSETS.qeAuthLength, true)
  const certHeader = OFFSETS.qeAuthLength + 2 + authLength
  const data = new TextEncoder().encode(pem)
  const out = new Uint8Array(certHeader + 6 + data.length)
  out.set(quote.subarray(0, certHeader + 2))
  const outView = new DataView(out.buffer)
  outView.setUint32(certHeader + 2, data.length, true)
  out.set(data, certHeader + 6)
  outView.setUint32(OFFSETS.sigDataLength, out.length - OFFSETS.isvSignature, true)
  return out
}
