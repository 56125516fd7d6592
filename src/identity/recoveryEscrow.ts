/**
 * The recovery escrow document (version 1): public metadata plus the ECIES-sealed mnemonic
 * entropy. Everything outside `ecies` is authenticated as associated data, so it can be
 * read by anyone (to match an escrow with an organisation) but not altered.
 *
 * ```json
 * {
 *   "format": "databourse-recovery-escrow", "version": 1, "org": "Acme Data Ltd",
 *   "createdAt": "2025-01-01T00:00:00.000Z",
 *   "fingerprint": "0x16a93ed0",            // BIP-32 fingerprint of the organisation root
 *   "identityDigest": "0x…32 bytes",        // registrationIdentityDigest(identity)
 *   "recoveryPublicKey": "0x02…33 bytes",   // D = d*G
 *   "kit": "0x…4 bytes",                    // sha256(D)[0..4], repeated in every share
 *   "threshold": 3, "shares": 5,
 *   "ecies": { "scheme": "secp256k1-hkdf-sha256-aes-256-gcm",
 *              "ephemeralPublicKey": "0x03…", "iv": "0x…12 bytes", "ciphertext": "0x…", "tag": "0x…16 bytes" }
 * }
 * ```
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes, type Hex } from 'viem'
import { z } from 'zod'
import { EscrowFormatError } from '../errors/identity.ts'
import { ECIES_SCHEME } from './ecies.ts'

const hex = (bytes?: number) =>
  z
    .string()
    .regex(bytes === undefined ? /^0x(?:[0-9a-f]{2})+$/u : new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`, 'u'), 'expected lower-case 0x hex')
    .refine((value): value is Hex => value.startsWith('0x'))
const point = hex(33).refine((value) => isPoint(value), 'not a compressed secp256k1 point')

const escrowSchema = z
  .object({
    format: z.literal('databourse-recovery-escrow'),
    version: z.literal(1),
    org: z.string().max(200).optional(),
    createdAt: z.string().datetime(),
    fingerprint: hex(4),
    identityDigest: hex(32),
    recoveryPublicKey: point,
    kit: hex(4),
    threshold: z.number().int().min(1).max(255),
    shares: z.number().int().min(1).max(255),
    ecies: z
      .object({ scheme: z.literal(ECIES_SCHEME), ephemeralPublicKey: point, iv: hex(12), ciphertext: hex(), tag: hex(16) })
      .strict(),
  })
  .strict()
  .refine((escrow) => escrow.threshold <= escrow.shares, { message: 'threshold exceeds shares', path: ['threshold'] })
  .refine((escrow) => escrow.kit === recoveryKitId(escrow.recoveryPublicKey), { message: 'kit does not match the recovery key', path: ['kit'] })

/** A parsed recovery escrow. */
export type RecoveryEscrow = z.infer<typeof escrowSchema>

/**
 * Validates an escrow (object or JSON text), throwing `EscrowFormatError` with the first
 * problem found.
 *
 * @example
 * const escrow = parseRecoveryEscrow(await readFile('acme.escrow.json', 'utf8'))
 */
export function parseRecoveryEscrow(input: unknown): RecoveryEscrow {
  let json = input
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input)
    } catch {
      throw new EscrowFormatError({ reason: 'not JSON' })
    }
  }
  const parsed = escrowSchema.safeParse(json)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  throw new EscrowFormatError({ reason: `${issue?.path.join('.') || 'escrow'}: ${issue?.message ?? 'invalid'}` })
}

/**
 * The kit id of a recovery public key: first 4 bytes of its SHA-256.
 *
 * @example
 * recoveryKitId('0x02…') // '0x1a2b3c4d'
 */
export function recoveryKitId(recoveryPublicKey: Hex): Hex {
  return bytesToHex(sha256(hexToBytes(recoveryPublicKey)).slice(0, 4))
}

function isPoint(value: string): boolean {
  try {
    secp256k1.Point.fromBytes(hexToBytes(value as Hex))
    return true
  } catch {
    return false
  }
}
