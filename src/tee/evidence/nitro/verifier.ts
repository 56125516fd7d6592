/**
 * The AWS Nitro Enclaves verifier (SPEC.md section 5, issue 6): decode the COSE_Sign1 document
 * and check every field's shape, check its certificate chain leads to the pinned AWS root and is
 * valid at "now", check the ES384 signature under the leaf certificate, then return the facts a
 * policy decides on. The verifier never refuses a debug enclave itself; it reports `debug` and
 * the policy decides (see src/tee/policy.ts).
 */
import 'reflect-metadata'
import { bytesToHex, type Hex } from 'viem'
import type { EvidenceVerifier, VerifiedEvidence, VerifyOptions } from '../types.ts'
import { parseNitroRoot, verifyNitroChain } from './chain.ts'
import { verifyCoseSignature } from './cose.ts'
import { decodeNitroDocument, type NitroDocument } from './document.ts'
import { fail } from './fail.ts'
import { AWS_NITRO_ROOT_G1_PEM } from './root.ts'

export interface NitroVerifierOptions {
  /** The trust anchor (PEM); default the AWS Nitro Enclaves Root-G1 embedded in `root.ts`. */
  rootPem?: string
}

/** PCRs AWS defines (image, kernel, application, IAM role, instance id, signing cert); always shown. */
const NAMED_PCRS = [0, 1, 2, 3, 4, 8]

const isZero = (b: Uint8Array | undefined): boolean => b !== undefined && b.every((x) => x === 0)

/**
 * A debug-mode enclave's NSM reports PCR0, PCR1 and PCR2 as all zeros (AWS: "in debug mode the
 * PCRs contain only zeros"), since its memory is readable and measuring it would mean nothing.
 */
function isDebug(doc: NitroDocument): boolean {
  return isZero(doc.pcrs.get(0)) && isZero(doc.pcrs.get(1)) && isZero(doc.pcrs.get(2))
}

/** PCR index -> hex: the named ones whenever present, others only when extended (non-zero). */
function pcrDetails(pcrs: Map<number, Uint8Array>): Record<string, Hex> {
  const out: Record<string, Hex> = {}
  for (const [index, value] of pcrs) if (NAMED_PCRS.includes(index) || !isZero(value)) out[String(index)] = bytesToHex(value)
  return out
}

/**
 * @throws {EvidenceError} `chain` when `rootPem` is not a certificate
 * @example
 * const verifier = createNitroVerifier()
 * const facts = await verifier.verify(attestationDoc, { now: new Date() })
 * facts.measurement // PCR0, '0x...' (48 bytes)
 */
export function createNitroVerifier(options: NitroVerifierOptions = {}): EvidenceVerifier {
  const root = parseNitroRoot(options.rootPem ?? AWS_NITRO_ROOT_G1_PEM)
  return {
    platform: 'nitro',
    async verify(evidence: Uint8Array, { now }: VerifyOptions): Promise<VerifiedEvidence> {
      // An Invalid Date compares false both ways, which would pass every validity check: refuse it.
      if (!(now instanceof Date) || Number.isNaN(now.getTime())) fail('expired', '"now" is not a valid instant, so no certificate can be shown valid at it')
      const { cose, document } = decodeNitroDocument(evidence)
      const leaf = await verifyNitroChain({ root, cabundle: document.cabundle, certificate: document.certificate, now })
      await verifyCoseSignature(cose, await leaf.publicKey.export({ name: 'ECDSA', namedCurve: 'P-384' }, ['verify']), `the leaf certificate (${leaf.subject})`)
      return {
        platform: 'nitro',
        measurement: bytesToHex(document.pcrs.get(0)!),
        reportData: document.userData ? bytesToHex(document.userData) : '0x',
        debug: isDebug(document),
        tcbStatus: 'UpToDate',
        advisoryIds: [],
        issuedAt: document.timestamp,
        details: {
          moduleId: document.moduleId,
          digest: document.digest,
          pcrs: pcrDetails(document.pcrs),
          publicKey: document.publicKey ? bytesToHex(document.publicKey) : null,
          nonce: document.nonce ? bytesToHex(document.nonce) : null,
          timestamp: document.timestamp.toISOString(),
          leafSubject: leaf.subject,
          leafNotAfter: leaf.notAfter.toISOString(),
        },
      }
    },
  }
}
