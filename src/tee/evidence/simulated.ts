/**
 * Evidence of the simulated TEE backend (SPEC.md section 5): the same facts hardware evidence
 * carries — measurement, report data, debug flag, time — signed by the simulated platform's
 * attestation key (P-256), and marked `simulated` in the bytes themselves so no policy can
 * mistake it for hardware. The default production policy refuses it (`src/tee/policy.ts`).
 *
 * Bytes: CBOR array [payload (CBOR map as a byte string), signature (64-byte P-256 r||s over
 * SHA-256(payload))]. Payload: { format: 'databourse-simulated-evidence', version: 1,
 * simulated: true, measurement (32 bytes), reportData (64), debug, issuedAt (ms), platformKey (33) }.
 *
 * This file is bundled into the enclave image (it signs) and used by the node (it verifies).
 */
import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { decode, encode } from 'cbor-x'
import { EvidenceError } from '../../errors/tee.ts'
import type { EvidenceVerifier, VerifiedEvidence, VerifyOptions } from './types.ts'

export const SIMULATED_EVIDENCE_FORMAT = 'databourse-simulated-evidence'

export interface SimulatedClaims {
  measurement: Uint8Array
  reportData: Uint8Array
  debug: boolean
  issuedAt: number
}

/** Signs claims with the simulated platform's attestation key (inside the enclave process). */
export function signSimulatedEvidence(claims: SimulatedClaims, platformSecretKey: Uint8Array): Uint8Array {
  const payload = encode({
    format: SIMULATED_EVIDENCE_FORMAT,
    version: 1,
    simulated: true,
    measurement: claims.measurement,
    reportData: claims.reportData,
    debug: claims.debug,
    issuedAt: claims.issuedAt,
    platformKey: p256.getPublicKey(platformSecretKey, true),
  })
  const signature = p256.sign(sha256(payload), platformSecretKey, { prehash: false, format: 'compact' })
  return encode([payload, signature])
}

const fail = (failure: 'malformed' | 'signature' | 'chain' | 'expired', reason: string): never => {
  throw new EvidenceError({ platform: 'simulated', failure, reason })
}

function bytesField(payload: Record<string, unknown>, name: string, length: number): Uint8Array {
  const value = payload[name]
  if (!(value instanceof Uint8Array) || value.length !== length) fail('malformed', `${name} must be ${length} bytes`)
  return value as Uint8Array
}

export interface SimulatedVerifierOptions {
  /** Compressed P-256 public keys of the simulated platforms this node trusts (0x-hex). */
  trustedPlatformKeys: readonly string[]
  /** Evidence older than this at "now" is refused (default 10 minutes); evidence from the future too. */
  maxAgeMs?: number
}

/**
 * @example
 * const verifier = createSimulatedVerifier({ trustedPlatformKeys: [runtime.platformKey] })
 * const facts = await verifier.verify(evidence, { now: new Date() })
 */
export function createSimulatedVerifier(options: SimulatedVerifierOptions): EvidenceVerifier {
  const trusted = new Set(options.trustedPlatformKeys.map((k) => k.toLowerCase().replace(/^0x/, '')))
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000
  return {
    platform: 'simulated',
    async verify(evidence: Uint8Array, { now }: VerifyOptions): Promise<VerifiedEvidence> {
      let outer: unknown
      try {
        outer = decode(evidence)
      } catch (e) {
        return fail('malformed', `not CBOR (${(e as Error).message})`)
      }
      if (!Array.isArray(outer) || outer.length !== 2 || !(outer[0] instanceof Uint8Array) || !(outer[1] instanceof Uint8Array)) {
        return fail('malformed', 'not a [payload, signature] pair of byte strings')
      }
      const [payloadBytes, signature] = outer as [Uint8Array, Uint8Array]
      let payload: Record<string, unknown>
      try {
        payload = decode(payloadBytes) as Record<string, unknown>
      } catch (e) {
        return fail('malformed', `the payload is not CBOR (${(e as Error).message})`)
      }
      if (payload?.format !== SIMULATED_EVIDENCE_FORMAT || payload.version !== 1 || payload.simulated !== true) {
        return fail('malformed', `not ${SIMULATED_EVIDENCE_FORMAT} version 1`)
      }
      const measurement = bytesField(payload, 'measurement', 32)
      const reportData = bytesField(payload, 'reportData', 64)
      const platformKey = bytesField(payload, 'platformKey', 33)
      if (typeof payload.debug !== 'boolean' || typeof payload.issuedAt !== 'number') fail('malformed', 'debug or issuedAt missing')
      if (signature.length !== 64) fail('malformed', 'the signature must be 64 bytes')
      const keyHex = bytesToHex(platformKey)
      if (!trusted.has(keyHex)) fail('chain', `platform key 0x${keyHex} is not a trusted simulated platform`)
      let valid = false
      try {
        valid = p256.verify(signature, sha256(payloadBytes), platformKey, { prehash: false, format: 'compact' })
      } catch {
        valid = false
      }
      if (!valid) fail('signature', 'the platform signature over the payload does not verify')
      const issuedAt = payload.issuedAt as number
      if (issuedAt > now.getTime() + 60_000) fail('expired', `issued at ${new Date(issuedAt).toISOString()}, after now (${now.toISOString()})`)
      if (now.getTime() - issuedAt > maxAgeMs) fail('expired', `issued at ${new Date(issuedAt).toISOString()}, more than ${maxAgeMs / 1000} s before now (${now.toISOString()})`)
      return {
        platform: 'simulated',
        measurement: `0x${bytesToHex(measurement)}`,
        reportData: `0x${bytesToHex(reportData)}`,
        debug: payload.debug as boolean,
        tcbStatus: 'Simulated',
        advisoryIds: [],
        issuedAt: new Date(issuedAt),
        details: { platformKey: `0x${keyHex}`, simulated: true },
      }
    },
  }
}
