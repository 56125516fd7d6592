/**
 * The text form of a recovery share, the one thing each recovery officer keeps:
 *
 *     databourse-share:v1:<kit>:<threshold>:<total>:<index>:<value>:<check>
 *
 * - `kit`    8 hex digits: the first 4 bytes of SHA-256(recovery public key). Names the kit,
 *            so shares of different kits (or an old kit) are told apart before combining.
 * - `threshold`, `total`, `index`  decimal: "share <index> of <total>, <threshold> needed".
 * - `value`  the Shamir share bytes (hex, 64 digits for the 32-byte recovery secret).
 * - `check`  8 hex digits: the first 4 bytes of SHA-256 of everything before it, so a typo
 *            in a hand-copied share is reported with its position instead of producing a
 *            wrong secret.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { RecoveryShareFormatError } from '../errors/identity.ts'
import type { Share } from './shamir.ts'

const PREFIX = 'databourse-share:v1'

/** A decoded share. */
export type RecoveryShare = Share & { kit: string; threshold: number; total: number }

/**
 * Encodes a share for an officer.
 *
 * @example
 * encodeRecoveryShare({ kit: '1a2b3c4d', threshold: 3, total: 5, x: 2, y })
 * // 'databourse-share:v1:1a2b3c4d:3:5:2:9f…:0c1d2e3f'
 */
export function encodeRecoveryShare(share: RecoveryShare): string {
  const body = `${PREFIX}:${share.kit}:${share.threshold}:${share.total}:${share.x}:${bytesToHex(share.y)}`
  return `${body}:${checksum(body)}`
}

/**
 * Decodes and checks one share string; `position` (1-based) is only used in the error.
 * Surrounding and internal whitespace (line-wrapped paper copies) is ignored; case is not
 * significant.
 *
 * @example
 * decodeRecoveryShare(text, 1).x // 2
 */
export function decodeRecoveryShare(text: string, position: number): RecoveryShare {
  const fail = (reason: string): never => {
    throw new RecoveryShareFormatError({ position, reason })
  }
  const compact = text.replace(/\s+/gu, '').toLowerCase()
  const parts = compact.split(':')
  if (parts.length !== 8 || `${parts[0]}:${parts[1]}` !== PREFIX) return fail(`expected "${PREFIX}:…" with 8 fields`)
  const [, , kit, k, n, x, value, check] = parts as [string, string, string, string, string, string, string, string]
  if (checksum(compact.slice(0, compact.lastIndexOf(':'))) !== check) return fail('checksum mismatch (mistyped?)')
  if (!/^[0-9a-f]{8}$/u.test(kit)) return fail('bad kit id')
  const [threshold, total, index] = [k, n, x].map((field) => (/^[1-9]\d{0,2}$/u.test(field) ? Number(field) : Number.NaN)) as [
    number,
    number,
    number,
  ]
  if (!(threshold >= 1 && threshold <= total && total <= 255 && index >= 1 && index <= total)) return fail('bad threshold, total or index')
  if (!/^(?:[0-9a-f]{2})+$/u.test(value)) return fail('bad share value')
  return { kit, threshold, total, x: index, y: hexToBytes(value) }
}

function checksum(body: string): string {
  return bytesToHex(sha256(utf8ToBytes(body)).slice(0, 4))
}
