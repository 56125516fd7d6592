/**
 * The one way this folder refuses evidence: an `EvidenceError` for platform `nitro` whose
 * `failure` is the precise kind and whose `reason` names what did not hold.
 */
import { EvidenceError } from '../../../errors/tee.ts'
import type { EvidenceFailure } from '../types.ts'

/**
 * @example
 * if (alg !== -35) fail('malformed', `the protected header alg is ${alg}, not ES384 (-35)`)
 */
export function fail(failure: EvidenceFailure, reason: string, cause?: unknown): never {
  throw new EvidenceError({ platform: 'nitro', failure, reason, cause: cause instanceof Error ? cause : undefined })
}
